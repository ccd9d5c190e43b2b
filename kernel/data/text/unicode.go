package text

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// The character classes and the lower-casing below are Python's: str.lower,
// the re module's \w (str.isalnum or '_') and \s (str.isspace, which is also
// what str.split splits on), written with Go's unicode tables. Checked code
// point by code point against CPython (see unicode_test.go): they agree
// wherever both know the code point.

// asciiClass holds, per byte below 0x80, the classes below.
var asciiClass = func() (t [128]uint8) {
	for c := range 128 {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			t[c] = clWord | clCased
		case c >= '0' && c <= '9', c == '_':
			t[c] = clWord
		case c == '\t', c == '\n', c == '\v', c == '\f', c == '\r', c >= 0x1c && c <= 0x1f, c == ' ':
			t[c] = clSpace
		case c == '\'', c == '.', c == ':', c == '^', c == '`':
			t[c] = clIgnorable
		}
	}
	return t
}()

const (
	clWord      = 1 << iota // matches Python's \w
	clSpace                 // Python's str.isspace
	clCased                 // Unicode's Cased property
	clIgnorable             // Unicode's Case_Ignorable property
)

// isWord reports whether r matches Python's \w: a letter (Lu, Ll, Lt, Lm,
// Lo), a number (Nd, Nl, No) or '_'. Marks (Mn, Mc, Me) are not.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r]&clWord != 0
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isSpace reports whether r is white space for Python's str.isspace and
// re's \s: Go's unicode.IsSpace plus U+001C..U+001F, which Python counts
// (bidirectional class B or S) and Go does not.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r]&clSpace != 0
	}
	switch r {
	case 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// isCased reports Unicode's Cased property (Lu, Ll, Lt, Other_Lowercase,
// Other_Uppercase), which CPython's final-sigma rule uses.
func isCased(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r]&clCased != 0
	}
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// isCaseIgnorable reports Unicode's Case_Ignorable property: Mn, Me, Cf, Lm,
// Sk, or Word_Break MidLetter, MidNumLet or Single_Quote.
func isCaseIgnorable(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r]&clIgnorable != 0
	}
	switch r {
	case 0xb7, 0x387, 0x55f, 0x5f4, 0x2018, 0x2019, 0x2024, 0x2027, 0xfe13, 0xfe52, 0xfe55, 0xff07, 0xff0e, 0xff1a:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// decodeRune decodes the code point at the start of s as Python's
// bytes.decode("utf-8", errors="replace") does: an ill-formed sequence
// becomes one U+FFFD per maximal subpart (the longest prefix of a
// well-formed sequence, or one byte), not one per byte as Go's decoder
// does: "\xe2\x82" is one U+FFFD of size 2.
func decodeRune(s string) (rune, int) {
	r, n := utf8.DecodeRuneInString(s)
	if r != utf8.RuneError || n != 1 {
		return r, n
	}
	b := s[0]
	var need int
	lo, hi := byte(0x80), byte(0xbf)
	switch {
	case b >= 0xc2 && b <= 0xdf:
		need = 1
	case b >= 0xe0 && b <= 0xef:
		need = 2
		if b == 0xe0 {
			lo = 0xa0
		} else if b == 0xed {
			hi = 0x9f
		}
	case b >= 0xf0 && b <= 0xf4:
		need = 3
		if b == 0xf0 {
			lo = 0x90
		} else if b == 0xf4 {
			hi = 0x8f
		}
	default:
		return utf8.RuneError, 1
	}
	n = 1
	for n <= need && n < len(s) && s[n] >= lo && s[n] <= hi {
		n++
		lo, hi = 0x80, 0xbf
	}
	return utf8.RuneError, n
}

// asciiLower maps A-Z to a-z and every other byte to itself.
var asciiLower = func() (t [256]byte) {
	for c := range 256 {
		t[c] = byte(c)
		if c >= 'A' && c <= 'Z' {
			t[c] += 'a' - 'A'
		}
	}
	return t
}()

// appendLower appends text, decoded as decodeRune does, to dst: lower-cased
// as Python's str.lower does if lower is set. That is Go's unicode.ToLower
// except for two rules of Unicode's full case mapping that Python applies:
// U+0130 'İ' becomes "i\u0307" (two code points), and U+03A3 'Σ' becomes
// final sigma 'ς' when a cased letter precedes it and none follows it
// (skipping case-ignorable code points both ways), as CPython's
// handle_capital_sigma decides. It reports whether text was all ASCII.
func appendLower(dst []byte, text string, lower bool) ([]byte, bool) {
	var or byte
	n := len(dst)
	dst = slices.Grow(dst, len(text))[:n+len(text)]
	if lower {
		d := dst[n:]
		for i := range len(text) {
			c := text[i]
			or |= c
			d[i] = asciiLower[c]
		}
	} else {
		copy(dst[n:], text)
		for i := range len(text) {
			or |= text[i]
		}
	}
	if or < utf8.RuneSelf {
		return dst, true
	}
	if !lower && utf8.ValidString(text) {
		return dst, false
	}
	dst = dst[:len(dst)-len(text)]
	sigma := lower && containsSigma(text)
	prevCased := false // the last code point that is not case-ignorable is cased
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if lower && c-'A' < 26 {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			if sigma && asciiClass[c]&clIgnorable == 0 {
				prevCased = asciiClass[c]&clCased != 0
			}
			continue
		}
		r, n := decodeRune(text[i:])
		i += n
		switch {
		case !lower:
			dst = utf8.AppendRune(dst, r)
			continue
		case r == 0x130:
			dst = append(dst, "i\u0307"...)
		case r == 0x3a3:
			if prevCased && !nextCased(text[i:]) {
				dst = append(dst, "\u03c2"...)
			} else {
				dst = append(dst, "\u03c3"...)
			}
		default:
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
		if sigma && !isCaseIgnorable(r) {
			prevCased = isCased(r)
		}
	}
	return dst, false
}

// containsSigma reports whether s holds U+03A3 (bytes CE A3).
func containsSigma(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == 0xce && s[i+1] == 0xa3 {
			return true
		}
	}
	return false
}

// nextCased reports whether the first code point of s that is not
// case-ignorable is cased (false if there is none).
func nextCased(s string) bool {
	for i := 0; i < len(s); {
		r, n := decodeRune(s[i:])
		i += n
		if !isCaseIgnorable(r) {
			return isCased(r)
		}
	}
	return false
}
