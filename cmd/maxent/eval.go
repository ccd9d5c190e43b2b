package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/seed7bc074a2/maxent/kernel"
)

// evalReport is the JSON object printed by eval -json.
type evalReport struct {
	Data      string   `json:"data"`
	Rows      int      `json:"rows"`
	Accuracy  float64  `json:"accuracy"`
	LogLoss   *float64 `json:"log_loss,omitempty"` // absent for raw scores
	Labels    []string `json:"labels"`
	Confusion [][]int  `json:"confusion"`
	// Report is the per-class precision, recall, F1 and support.
	Report  classReport `json:"report"`
	Backend string      `json:"backend"`
	// Certificate is the maximum-entropy optimality certificate for the
	// objective with the -l2 penalty (see kernel.Certificate).
	// It is absent for a model whose link is not softmax (imported
	// one-vs-rest, logistic or raw-score models).
	Certificate *certReport `json:"certificate,omitempty"`
}

// certReport is kernel.Certificate in the JSON output of eval.
type certReport struct {
	L2           float64        `json:"l2"`
	Classes      []classBalance `json:"classes"`
	MaxResidual  float64        `json:"max_residual"`
	BiasResidual float64        `json:"bias_residual"`
	GradNorm     float64        `json:"grad_norm"`
	GradNormW    float64        `json:"grad_norm_w"`
	GradNormB    float64        `json:"grad_norm_b"`
	LogLoss      float64        `json:"log_loss"`
	Entropy      float64        `json:"mean_entropy"`
	Objective    float64        `json:"objective"`
	Dual         float64        `json:"dual"`
	Gap          float64        `json:"gap"`
}

// classBalance is one class of a certReport.
type classBalance struct {
	Label     string  `json:"label"`
	Observed  float64 `json:"observed"`
	Predicted float64 `json:"predicted"`
	Residual  float64 `json:"residual"`
}

func newCertReport(c kernel.Certificate, labels []string) certReport {
	r := certReport{
		L2: c.L2, Classes: make([]classBalance, len(c.Classes)),
		MaxResidual: c.MaxResidual, BiasResidual: c.BiasResidual,
		GradNorm: c.GradNorm, GradNormW: c.GradNormW, GradNormB: c.GradNormB,
		LogLoss: c.LogLoss, Entropy: c.Entropy, Objective: c.Objective, Dual: c.Dual, Gap: c.Gap,
	}
	for i, cb := range c.Classes {
		r.Classes[i] = classBalance{Label: labels[i], Observed: cb.Observed, Predicted: cb.Predicted, Residual: cb.Residual}
	}
	return r
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "-model F -data PATH [-json] [flags]", stderr)
	modelPath := fs.String("model", "", "model file written by maxent train -o (required)")
	var in inputFlags
	in.register(fs, "labelled data to evaluate on (required)", false)
	jsonOut := fs.Bool("json", false, "print one JSON object instead of a table")
	l2 := fs.Float64("l2", 0, "L2 penalty λ ≥ 0 of the objective that the optimality certificate is for:\n"+
		"mean log-loss + λ/2·‖W‖² on the rows of -data (bias not penalised).\n"+
		"Models saved by maxent train have the feature scaling folded into W, so this is the\n"+
		"objective on the raw features, not the scaled one train minimised. With -l2 0 that makes\n"+
		"no difference to optimality (an affine change of features maps stationary points to\n"+
		"stationary points; the residuals are rescaled); with λ > 0 the penalty on the folded W\n"+
		"matches train's only for a model trained with -scale none")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !(*l2 >= 0) || math.IsInf(*l2, 0) {
		return fmt.Errorf("-l2 %v: want a finite value ≥ 0", *l2)
	}
	m, err := readModel(*modelPath)
	if err != nil {
		return err
	}
	if in.path == "" {
		return fmt.Errorf("-data is required")
	}
	d, err := in.openForModel(m, false, stderr)
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
	ev, err := evaluate(m, d)
	if err != nil {
		return fmt.Errorf("%s: %w", d.Source, err)
	}
	var cert *kernel.Certificate // the certificate is about the softmax model
	if m.Link == kernel.LinkSoftmax {
		c, err := certify(m, rawRows(d), *l2)
		if err != nil {
			return fmt.Errorf("%s: %w", d.Source, err)
		}
		cert = &c
	}
	var logLoss *float64
	if !math.IsNaN(ev.LogLoss) {
		logLoss = &ev.LogLoss
	}
	if *jsonOut {
		rep := evalReport{
			Data: d.Source, Rows: ev.N, Accuracy: ev.Accuracy, LogLoss: logLoss,
			Labels: labels, Confusion: ev.Confusion, Report: newClassReport(labels, ev.Confusion), Backend: kernel.Backend(),
		}
		if cert != nil {
			cr := newCertReport(*cert, labels)
			rep.Certificate = &cr
		}
		return json.NewEncoder(stdout).Encode(rep)
	}
	fmt.Fprintf(stdout, "data:     %s (%d rows)\naccuracy: %.4f\n", d.Source, ev.N, ev.Accuracy)
	if logLoss != nil {
		fmt.Fprintf(stdout, "log-loss: %.4f\n\n", ev.LogLoss)
	} else {
		fmt.Fprintf(stdout, "log-loss: none (the model gives raw scores, not probabilities)\n\n")
	}
	writeClassReport(stdout, newClassReport(labels, ev.Confusion), ev.Accuracy)
	fmt.Fprintln(stdout)
	writeConfusion(stdout, labels, ev.Confusion)
	fmt.Fprintln(stdout)
	if cert == nil {
		fmt.Fprintf(stdout, "no optimality certificate: the model's link is %v, not softmax\n", m.Link)
		return nil
	}
	writeCertificate(stdout, labels, *cert)
	return nil
}

// writeCertificate prints the maximum-entropy optimality certificate: the
// per-class balance table and the summary numbers.
func writeCertificate(w io.Writer, labels []string, c kernel.Certificate) {
	fmt.Fprintf(w, "optimality certificate (objective: mean log-loss + λ/2·‖W‖², λ = %g)\n", c.L2)
	width := 5
	for _, l := range labels {
		width = max(width, len(l)+1)
	}
	fmt.Fprintf(w, "%*s %12s %12s %12s\n", width, "class", "observed", "predicted", "residual")
	for i, cb := range c.Classes {
		fmt.Fprintf(w, "%*s %12.0f %12.4f %12.3e\n", width, labels[i], cb.Observed, cb.Predicted, cb.Residual)
	}
	fmt.Fprintf(w, "max balance residual:  %.3e (weights), %.3e (bias)\n", c.MaxResidual, c.BiasResidual)
	fmt.Fprintf(w, "gradient norm:         %.3e (W %.3e, B %.3e)\n", c.GradNorm, c.GradNormW, c.GradNormB)
	fmt.Fprintf(w, "log-loss:              %.6f\n", c.LogLoss)
	fmt.Fprintf(w, "mean entropy:          %.6f\n", c.Entropy)
	fmt.Fprintf(w, "objective / dual:      %.6f / %.6f\n", c.Objective, c.Dual)
	fmt.Fprintf(w, "duality gap:           %.3e\n", c.Gap)
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
