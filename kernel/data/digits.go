package data

import (
	"bytes"
	_ "embed"
)

//go:embed digits.csv.gz
var digitsCSV []byte

// Digits returns the embedded default data set: the test set of the UCI
// Optical Recognition of Handwritten Digits data (E. Alpaydin, C. Kaynak,
// 1998; UCI Machine Learning Repository; licensed CC BY 4.0). It has 1,797
// rows of 64 integer features in 0..16 (8×8 blocks of pixel counts) and
// labels "0".."9".
//
// Each call parses the embedded gzipped CSV afresh, so the caller owns the
// result; the memory budget does not apply to it (the 460 KB are in the
// binary already). It panics only if the embedded file is broken, which
// the package's tests rule out.
func Digits() *Dataset {
	d, err := ReadCSV(bytes.NewReader(digitsCSV), "digits.csv", CSVOptions{LabelCol: -1, Header: HeaderNo, noBudget: true})
	if err != nil {
		panic("data.Digits: embedded data set: " + err.Error())
	}
	return d
}
