package main

import (
	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"

	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

func runPredict(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("predict", "-model F -data PATH [-proba] [flags]", stderr)
	modelPath := fs.String("model", "", "model file written by maxent train -o (required)")
	var in inputFlags
	in.register(fs, "data to classify (required); a label column, if present, is ignored", true)
	proba := fs.Bool("proba", false, "after the predicted label, print the probability of every class, in the model's class order")
	headerOut := fs.Bool("header-out", false, "print a header row first: \"predicted\", then (with -proba) the class labels")
	if err := parse(fs, args); err != nil {
		return err
	}
	m, err := readModel(*modelPath)
	if err != nil {
		return err
	}
	if in.path == "" {
		return fmt.Errorf("-data is required")
	}
	d, err := in.openForModel(m, in.noLabel, stderr)
	if err != nil {
		return err
	}
	if err := in.fitWidth(d, m.Features); err != nil {
		return err
	}
	w := bufio.NewWriterSize(stdout, 64<<10)
	p := make([]float32, m.Classes)
	var line []byte
	if *headerOut {
		line = append(line, "predicted"...)
		if *proba {
			for _, l := range modelLabels(m) {
				line = appendCSVField(append(line, ','), l)
			}
		}
		line = append(line, '\n')
	}
	for i := 0; i < d.Len(); i++ {
		c := predictRow(m, d, i, p, *proba)
		if c < 0 {
			return fmt.Errorf("%s: row %d: no prediction (a feature is NaN)", d.Source, i+1)
		}
		line = appendCSVField(line, m.Label(c))
		if *proba {
			for _, v := range p {
				line = append(line, ',')
				line = strconv.AppendFloat(line, float64(v), 'g', -1, 32)
			}
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
		line = line[:0]
	}
	return w.Flush()
}

// predictRow returns the class of row i of d and, with proba, sets p to
// its probabilities.
func predictRow(m *kernel.Model, d *data.Dataset, i int, p []float32, proba bool) int {
	if d.Sparse != nil {
		idx, val := d.Sparse.Row(i)
		if proba {
			m.PredictProbaSparse(p, idx, val)
		}
		return m.PredictSparse(idx, val)
	}
	x := d.X.Row(i)
	if proba {
		m.PredictProba(p, x)
	}
	return m.Predict(x)
}

// appendCSVField appends s, quoted if it holds a comma, quote or newline.
func appendCSVField(dst []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(dst, s...)
	}
	return append(append(append(dst, '"'), strings.ReplaceAll(s, `"`, `""`)...), '"')
}
