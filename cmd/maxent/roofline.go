package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/seed7bc074a2/maxent/kernel/benchsuite"
)

// rooflinePoint is one kernel/shape/backend on the chart.
type rooflinePoint struct {
	op, shape, isa string
	ai, gflops     float64 // flop/byte, GFLOP/s
}

// rooflineData extracts the points (median times) and the ceilings (best
// samples) from t: bw is the best streaming-read bandwidth of the limit
// rows (GB/s), bwBig that of the largest one (the memory level a big
// working set streams from), peak the FMA peak (GFLOP/s). A ceiling not
// measured is 0.
func rooflineData(t *benchTable) (pts []rooflinePoint, bw, bwBig, peak float64, bigLabel string) {
	var bigBytes int64
	for _, row := range t.rows {
		for _, col := range t.cols {
			c := t.cells[[2]string{row, col}]
			if c == nil || c.sec.Center <= 0 {
				continue
			}
			ns := c.sec.Center * 1e9
			switch {
			case c.c.Op == "FMAPeak":
				peak = max(peak, c.flop)
			case col == "limit" && isReadLimit(c.c.Op):
				// A ceiling is what the machine can do: the best sample.
				gbs := float64(c.c.Bytes) / (c.bestSec * 1e9)
				bw = max(bw, gbs)
				if c.c.Bytes > bigBytes {
					bigBytes, bwBig, bigLabel = c.c.Bytes, gbs, byteSize(c.c.Bytes)+" working set"
				}
			case col != "limit" && c.c.Flops > 0 && c.c.Bytes > 0 && !notRoofline(c.c.Op):
				pts = append(pts, rooflinePoint{c.c.Op, c.c.Shape, col, float64(c.c.Flops) / float64(c.c.Bytes), float64(c.c.Flops) / ns})
			}
		}
	}
	return
}

// notRoofline reports whether op's rows stay off the chart: the latency
// of dependent calls and the throughput of several goroutines are not
// what one core's roof bounds.
func notRoofline(op string) bool {
	return strings.HasSuffix(op, "Latency") || strings.HasSuffix(op, "Parallel")
}

// isReadLimit reports whether op's limit row is a streaming read (the
// others read and write back).
func isReadLimit(op string) bool {
	return op == "Dot" || op == "MatVec" || op == "LogSumExp" || op == "Predict" || op == "PredictProba"
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

var isaColors = map[string]string{
	"avx512": "#d62728", "avx2": "#1f77b4", "neon": "#9467bd",
	"generic": "#2ca02c", "plain": "#7f7f7f", "gonum": "#8c564b",
}

// opMarkers are the marker shapes, one per op, in order of first use.
var opMarkers = []string{"circle", "square", "triangle", "diamond", "down", "plus", "cross", "star", "pentagon", "left", "hexagon", "bar"}

// writeRoofline writes a log-log roofline chart of t as SVG: x is the
// arithmetic intensity (flop/byte), y the achieved GFLOP/s; the roof is
// min(peak, bandwidth × intensity) from the measured limit rows.
func writeRoofline(w io.Writer, t *benchTable) {
	pts, bw, bwBig, peak, bigLabel := rooflineData(t)
	const W, H = 960.0, 640.0
	const left, right, top, bottom = 80.0, 250.0, 50.0, 60.0
	pw, ph := W-left-right, H-top-bottom

	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		xmin, xmax = min(xmin, p.ai), max(xmax, p.ai)
		ymin, ymax = min(ymin, p.gflops), max(ymax, p.gflops)
	}
	if peak > 0 {
		ymax = max(ymax, peak)
		if bw > 0 {
			xmax = max(xmax, peak/bw) // the ridge point
		}
	}
	if len(pts) == 0 && peak == 0 {
		xmin, xmax, ymin, ymax = 0.1, 10, 0.1, 10
	}
	if math.IsInf(xmin, 0) {
		xmin, ymin = xmax/100, ymax/1000
	}
	// Whole decades around the data.
	lx0, lx1 := math.Floor(math.Log10(xmin)), math.Ceil(math.Log10(xmax*1.5))
	ly0, ly1 := math.Floor(math.Log10(ymin)), math.Ceil(math.Log10(ymax*1.5))
	if lx1 <= lx0 {
		lx1 = lx0 + 1
	}
	if ly1 <= ly0 {
		ly1 = ly0 + 1
	}
	X := func(v float64) float64 { return left + (math.Log10(v)-lx0)/(lx1-lx0)*pw }
	Y := func(v float64) float64 { return top + ph - (math.Log10(v)-ly0)/(ly1-ly0)*ph }

	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="12">
<rect width="100%%" height="100%%" fill="white"/>
<text x="%g" y="24" font-size="16" font-weight="bold">maxent roofline — %s</text>
`, W, H, W, H, left, esc(t.cpu))
	// Grid and axes.
	fmt.Fprintln(w, `<g id="grid" stroke="#ddd" stroke-width="1">`)
	for e := lx0; e <= lx1; e++ {
		for m := 1.0; m < 10 && e+math.Log10(m) <= lx1; m++ {
			x := X(m * math.Pow(10, e))
			op := ""
			if m > 1 {
				op = ` stroke-opacity="0.4"`
			}
			fmt.Fprintf(w, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g"%s/>`+"\n", x, top, x, top+ph, op)
		}
	}
	for e := ly0; e <= ly1; e++ {
		for m := 1.0; m < 10 && e+math.Log10(m) <= ly1; m++ {
			y := Y(m * math.Pow(10, e))
			op := ""
			if m > 1 {
				op = ` stroke-opacity="0.4"`
			}
			fmt.Fprintf(w, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f"%s/>`+"\n", left, y, left+pw, y, op)
		}
	}
	fmt.Fprintln(w, `</g>`)
	fmt.Fprintf(w, `<rect id="plot" x="%g" y="%g" width="%g" height="%g" fill="none" stroke="black"/>`+"\n", left, top, pw, ph)
	fmt.Fprintln(w, `<g id="axes" text-anchor="middle">`)
	for e := lx0; e <= lx1; e++ {
		fmt.Fprintf(w, `<text x="%.1f" y="%g">%s</text>`+"\n", X(math.Pow(10, e)), top+ph+18, decade(e))
	}
	for e := ly0; e <= ly1; e++ {
		fmt.Fprintf(w, `<text x="%g" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, Y(math.Pow(10, e))+4, decade(e))
	}
	fmt.Fprintf(w, `<text x="%g" y="%g" font-size="14">arithmetic intensity (flop/byte)</text>`+"\n", left+pw/2, H-18)
	fmt.Fprintf(w, `<text x="20" y="%g" font-size="14" transform="rotate(-90 20 %g)">achieved GFLOP/s</text>`+"\n", top+ph/2, top+ph/2)
	fmt.Fprintln(w, `</g>`)

	// Ceilings, clipped to the plot.
	fmt.Fprintf(w, `<clipPath id="clip"><rect x="%g" y="%g" width="%g" height="%g"/></clipPath>`+"\n", left, top, pw, ph)
	fmt.Fprintln(w, `<g id="ceilings" clip-path="url(#clip)" fill="none" stroke-width="2.5">`)
	xa, xb := math.Pow(10, lx0), math.Pow(10, lx1)
	roof := func(b float64, dash, label string) {
		x1 := xb
		if peak > 0 {
			x1 = min(xb, peak/b)
		}
		fmt.Fprintf(w, `<line class="ceiling" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"%s><title>%s</title></line>`+"\n",
			X(xa), Y(b*xa), X(x1), Y(b*x1), dash, esc(label))
	}
	if bw > 0 {
		roof(bw, "", fmt.Sprintf("streaming read %.0f GB/s", bw))
	}
	if bwBig > 0 && bwBig < 0.8*bw {
		roof(bwBig, ` stroke-dasharray="6 4"`, fmt.Sprintf("streaming read %.0f GB/s (%s)", bwBig, bigLabel))
	}
	if peak > 0 {
		x0 := xa
		if bw > 0 {
			x0 = peak / bw
		}
		fmt.Fprintf(w, `<line class="ceiling" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"><title>FMA peak</title></line>`+"\n", X(x0), Y(peak), X(xb), Y(peak))
	}
	fmt.Fprintln(w, `</g>`)
	fmt.Fprintln(w, `<g id="ceiling-labels" font-size="12">`)
	if peak > 0 {
		fmt.Fprintf(w, `<text x="%g" y="%.1f" text-anchor="end">FMA peak %.0f GFLOP/s</text>`+"\n", left+pw-6, Y(peak)-6, peak)
	}
	if bw == 0 && peak == 0 {
		fmt.Fprintf(w, `<text x="%g" y="%g">no ceilings: the limit rows were not run (-isa limit) or this build has none</text>`+"\n", left+10, top+20)
	}
	fmt.Fprintln(w, `</g>`)

	// Points: colour by backend, marker by op.
	var ops, isas []string
	for _, p := range pts {
		if !slices.Contains(ops, p.op) {
			ops = append(ops, p.op)
		}
		if !slices.Contains(isas, p.isa) {
			isas = append(isas, p.isa)
		}
	}
	fmt.Fprintln(w, `<g id="points" clip-path="url(#clip)" fill-opacity="0.75">`)
	for _, p := range pts {
		title := fmt.Sprintf("%s %s isa=%s: %.3g flop/B, %.3g GFLOP/s", p.op, p.shape, p.isa, p.ai, p.gflops)
		marker(w, opMarkers[slices.Index(ops, p.op)%len(opMarkers)], X(p.ai), Y(p.gflops), 5, color(p.isa), title)
	}
	fmt.Fprintln(w, `</g>`)
	// Labels: one per op/shape, next to its fastest backend's point.
	fmt.Fprintln(w, `<g id="labels" font-size="9" fill="#333">`)
	// Skip a label that would overlap one already placed.
	var placed [][4]float64
	for _, row := range t.rows {
		best := t.best(row)
		for _, p := range pts {
			if p.isa != best || p.op+"/"+p.shape != row {
				continue
			}
			label := shortLabel(p.op, p.shape)
			x, y := X(p.ai)+7, Y(p.gflops)+3
			box := [4]float64{x, y - 9, x + 5*float64(len(label)), y + 1}
			if slices.ContainsFunc(placed, func(o [4]float64) bool {
				return box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]
			}) {
				continue
			}
			placed = append(placed, box)
			fmt.Fprintf(w, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x, y, esc(label))
		}
	}
	fmt.Fprintln(w, `</g>`)

	// Legend.
	lx, ly := left+pw+20, top+10
	fmt.Fprintln(w, `<g id="legend">`)
	fmt.Fprintf(w, `<text x="%g" y="%g" font-weight="bold">backend</text>`+"\n", lx, ly)
	for _, isa := range isas {
		ly += 18
		marker(w, "circle", lx+6, ly-4, 5, color(isa), isa)
		fmt.Fprintf(w, `<text x="%g" y="%g">%s</text>`+"\n", lx+18, ly, esc(isa))
	}
	ly += 30
	fmt.Fprintf(w, `<text x="%g" y="%g" font-weight="bold">op</text>`+"\n", lx, ly)
	for i, op := range ops {
		ly += 18
		marker(w, opMarkers[i%len(opMarkers)], lx+6, ly-4, 5, "#555", op)
		fmt.Fprintf(w, `<text x="%g" y="%g">%s</text>`+"\n", lx+18, ly, esc(op))
	}
	ly += 30
	fmt.Fprintf(w, `<text x="%g" y="%g" font-weight="bold">ceilings (measured)</text>`+"\n", lx, ly)
	legendLine := func(dash, label string) {
		ly += 18
		fmt.Fprintf(w, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="black" stroke-width="2.5"%s/>`+"\n", lx, ly-4, lx+14, ly-4, dash)
		fmt.Fprintf(w, `<text x="%g" y="%g">%s</text>`+"\n", lx+18, ly, esc(label))
	}
	if bw > 0 {
		legendLine("", fmt.Sprintf("stream read %.0f GB/s (best)", bw))
	}
	if bwBig > 0 && bwBig < 0.8*bw {
		legendLine(` stroke-dasharray="6 4"`, fmt.Sprintf("stream read %.0f GB/s", bwBig))
		ly += 14
		fmt.Fprintf(w, `<text x="%g" y="%g" font-size="10">(%s)</text>`+"\n", lx+18, ly, esc(bigLabel))
	}
	if peak > 0 {
		legendLine("", fmt.Sprintf("FMA peak %.0f GFLOP/s", peak))
	}
	if bw > 0 && peak > 0 {
		ly += 14
		fmt.Fprintf(w, `<text x="%g" y="%g" font-size="10">ridge at %.2g flop/byte</text>`+"\n", lx+18, ly, peak/bw)
	}
	ly += 30
	fmt.Fprintf(w, `<text x="%g" y="%g" font-size="10" fill="#555">labels: fastest backend per shape</text>`+"\n", lx, ly)
	fmt.Fprintf(w, `<text x="%g" y="%g" font-size="10" fill="#555">exp counted as %d flops</text>`+"\n", lx, ly+14, expFlops)
	fmt.Fprintln(w, `</g>`)
	fmt.Fprintln(w, `</svg>`)
}

func color(isa string) string {
	if c, ok := isaColors[isa]; ok {
		return c
	}
	return "#e377c2"
}

func marker(w io.Writer, kind string, x, y, r float64, fill, title string) {
	t := "<title>" + esc(title) + "</title>"
	poly := func(pts ...float64) {
		var b strings.Builder
		for i := 0; i < len(pts); i += 2 {
			fmt.Fprintf(&b, "%.1f,%.1f ", x+pts[i]*r, y+pts[i+1]*r)
		}
		fmt.Fprintf(w, `<polygon class="point" points="%s" fill="%s" stroke="black" stroke-width="0.5">%s</polygon>`+"\n", strings.TrimSpace(b.String()), fill, t)
	}
	switch kind {
	case "square":
		poly(-0.9, -0.9, 0.9, -0.9, 0.9, 0.9, -0.9, 0.9)
	case "triangle":
		poly(0, -1.2, 1.1, 0.8, -1.1, 0.8)
	case "down":
		poly(0, 1.2, 1.1, -0.8, -1.1, -0.8)
	case "diamond":
		poly(0, -1.3, 1.1, 0, 0, 1.3, -1.1, 0)
	case "plus":
		poly(-0.35, -1.1, 0.35, -1.1, 0.35, -0.35, 1.1, -0.35, 1.1, 0.35, 0.35, 0.35, 0.35, 1.1, -0.35, 1.1, -0.35, 0.35, -1.1, 0.35, -1.1, -0.35, -0.35, -0.35)
	case "cross":
		poly(-1, -0.6, -0.6, -1, 0, -0.4, 0.6, -1, 1, -0.6, 0.4, 0, 1, 0.6, 0.6, 1, 0, 0.4, -0.6, 1, -1, 0.6, -0.4, 0)
	case "star":
		poly(0, -1.3, 0.35, -0.4, 1.2, -0.4, 0.5, 0.15, 0.75, 1.1, 0, 0.55, -0.75, 1.1, -0.5, 0.15, -1.2, -0.4, -0.35, -0.4)
	case "pentagon":
		poly(0, -1.2, 1.15, -0.35, 0.7, 1, -0.7, 1, -1.15, -0.35)
	case "left":
		poly(-1.2, 0, 0.8, -1.1, 0.8, 1.1)
	case "hexagon":
		poly(-1.1, 0, -0.55, -1, 0.55, -1, 1.1, 0, 0.55, 1, -0.55, 1)
	case "bar":
		poly(-1.3, -0.5, 1.3, -0.5, 1.3, 0.5, -1.3, 0.5)
	default:
		fmt.Fprintf(w, `<circle class="point" cx="%.1f" cy="%.1f" r="%g" fill="%s" stroke="black" stroke-width="0.5">%s</circle>`+"\n", x, y, r, fill, t)
	}
}

// decade formats 10^e compactly: 0.01, 0.1, 1, 10, 100, 1k, 10k ...
func decade(e float64) string {
	v := math.Pow(10, e)
	switch {
	case e >= 3:
		return fmt.Sprintf("%gk", v/1000)
	default:
		return fmt.Sprintf("%g", v)
	}
}

// shortLabel is "MatVec 10×784" for op MatVec, shape k=10/m=784.
func shortLabel(op, shape string) string {
	var parts []string
	for _, kv := range strings.Split(shape, "/") {
		_, v, _ := strings.Cut(kv, "=")
		parts = append(parts, v)
	}
	return op + " " + strings.Join(parts, "×")
}

func esc(s string) string { return html.EscapeString(s) }

const expFlops = benchsuite.ExpFlops
