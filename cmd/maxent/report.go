package main

import (
	"fmt"
	"io"
)

// classScores are the precision, recall, F1 score and support of one class,
// or their macro or support-weighted averages, as in scikit-learn's
// classification_report. A ratio whose denominator is 0 (a class never
// predicted, or absent from the data) is 0, as scikit-learn's default
// zero_division gives.
type classScores struct {
	Label     string  `json:"label,omitempty"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// classReport is the per-class report of eval.
type classReport struct {
	Classes     []classScores `json:"classes"`
	MacroAvg    classScores   `json:"macro_avg"`
	WeightedAvg classScores   `json:"weighted_avg"`
}

// newClassReport computes the report from a confusion matrix whose rows are
// the true classes and columns the predicted ones.
func newClassReport(labels []string, conf [][]int) classReport {
	k := len(conf)
	predicted := make([]int, k)
	total := 0
	for _, row := range conf {
		for j, c := range row {
			predicted[j] += c
			total += c
		}
	}
	r := classReport{Classes: make([]classScores, k)}
	for i, row := range conf {
		support := 0
		for _, c := range row {
			support += c
		}
		s := classScores{Label: labels[i], Support: support}
		s.Precision = ratio(row[i], predicted[i])
		s.Recall = ratio(row[i], support)
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		r.Classes[i] = s
		r.MacroAvg.Precision += s.Precision / float64(k)
		r.MacroAvg.Recall += s.Recall / float64(k)
		r.MacroAvg.F1 += s.F1 / float64(k)
		if total > 0 {
			w := float64(support) / float64(total)
			r.WeightedAvg.Precision += w * s.Precision
			r.WeightedAvg.Recall += w * s.Recall
			r.WeightedAvg.F1 += w * s.F1
		}
	}
	r.MacroAvg.Support, r.WeightedAvg.Support = total, total
	return r
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// writeClassReport prints r in the layout of scikit-learn's
// classification_report, with accuracy between the classes and the
// averages.
func writeClassReport(w io.Writer, r classReport, accuracy float64) {
	width := len("weighted avg")
	for _, s := range r.Classes {
		width = max(width, len(s.Label))
	}
	fmt.Fprintf(w, "%*s %9s %9s %9s %9s\n\n", width, "", "precision", "recall", "f1-score", "support")
	for _, s := range r.Classes {
		fmt.Fprintf(w, "%*s %9.4f %9.4f %9.4f %9d\n", width, s.Label, s.Precision, s.Recall, s.F1, s.Support)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%*s %9s %9s %9.4f %9d\n", width, "accuracy", "", "", accuracy, r.MacroAvg.Support)
	fmt.Fprintf(w, "%*s %9.4f %9.4f %9.4f %9d\n", width, "macro avg", r.MacroAvg.Precision, r.MacroAvg.Recall, r.MacroAvg.F1, r.MacroAvg.Support)
	fmt.Fprintf(w, "%*s %9.4f %9.4f %9.4f %9d\n", width, "weighted avg", r.WeightedAvg.Precision, r.WeightedAvg.Recall, r.WeightedAvg.F1, r.WeightedAvg.Support)
}
