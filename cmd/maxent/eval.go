package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seed7bc074a2/maxent/kernel"
)

// evalReport is the JSON object printed by eval -json.
type evalReport struct {
	Data      string   `json:"data"`
	Rows      int      `json:"rows"`
	Accuracy  float64  `json:"accuracy"`
	LogLoss   float64  `json:"log_loss"`
	Labels    []string `json:"labels"`
	Confusion [][]int  `json:"confusion"`
	Backend   string   `json:"backend"`
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "-model F -data PATH [-json] [flags]", stderr)
	modelPath := fs.String("model", "", "model file written by maxent train -o (required)")
	var in inputFlags
	in.register(fs, "labelled data to evaluate on (required)", false)
	jsonOut := fs.Bool("json", false, "print one JSON object instead of a table")
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
	d, err := in.open()
	if err != nil {
		return err
	}
	if err := in.fitWidth(d, m.Features); err != nil {
		return err
	}
	labels := modelLabels(m)
	if err := d.Remap(labels); err != nil {
		return err
	}
	ev, err := m.Evaluate(d.X, d.Y)
	if err != nil {
		return fmt.Errorf("%s: %w", d.Source, err)
	}
	if *jsonOut {
		return json.NewEncoder(stdout).Encode(evalReport{
			Data: d.Source, Rows: ev.N, Accuracy: ev.Accuracy, LogLoss: ev.LogLoss,
			Labels: labels, Confusion: ev.Confusion, Backend: kernel.Backend(),
		})
	}
	fmt.Fprintf(stdout, "data:     %s (%d rows)\naccuracy: %.4f\nlog-loss: %.4f\n\n", d.Source, ev.N, ev.Accuracy, ev.LogLoss)
	writeConfusion(stdout, labels, ev.Confusion)
	return nil
}

// writeConfusion prints the confusion matrix: one row per true class, one
// column per predicted class.
func writeConfusion(w io.Writer, labels []string, conf [][]int) {
	width := 5
	for _, l := range labels {
		width = max(width, len(l)+1)
	}
	for _, row := range conf {
		for _, c := range row {
			width = max(width, len(fmt.Sprint(c))+1)
		}
	}
	fmt.Fprintln(w, "confusion matrix (rows: true class, columns: predicted class)")
	fmt.Fprintf(w, "%*s", width, "")
	for _, l := range labels {
		fmt.Fprintf(w, "%*s", width, l)
	}
	fmt.Fprintln(w)
	for i, row := range conf {
		fmt.Fprintf(w, "%*s", width, labels[i])
		for _, c := range row {
			fmt.Fprintf(w, "%*d", width, c)
		}
		fmt.Fprintln(w)
	}
}
