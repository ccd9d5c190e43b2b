package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/seed7bc074a2/maxent/kernel/data"
)

// parseBytes parses a size such as 512M, 8G or 1.5GiB (binary units; a
// plain number is bytes).
func parseBytes(s string) (int64, error) {
	t := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B"), "I")
	mul := 1.0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			mul, t = 1<<10, t[:n-1]
		case 'M':
			mul, t = 1<<20, t[:n-1]
		case 'G':
			mul, t = 1<<30, t[:n-1]
		case 'T':
			mul, t = 1<<40, t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || !(v > 0) || v*mul >= 1<<62 {
		return 0, fmt.Errorf("%q: want a size such as 512M or 8G", s)
	}
	return int64(v * mul), nil
}

// setMaxMemory applies -max-memory: "" keeps the default budget (the
// memory this process may use, see data.AvailableMemory).
func setMaxMemory(s string) error {
	if s == "" {
		return nil
	}
	n, err := parseBytes(s)
	if err != nil {
		return fmt.Errorf("-max-memory %w", err)
	}
	data.SetMemoryBudget(n)
	return nil
}

// trainMemory estimates what training allocates beyond the loaded data:
// the scaled copy of the rows (dense: the rows again, and the 8-bit codes
// with sgd; sparse: the values with maxabs scaling), the model and its
// copies (the trainer's weights and velocities, the saved model, the
// sparse rows' feature-major copy, the certificate's float64 gradient) and
// L-BFGS's history of 2·memory + 4 float64 vectors of the size of the
// model, with a float64 gradient per worker on sparse rows.
func trainMemory(d *data.Dataset, lbfgs bool, pairs, workers int, scaled bool) (need int64, what string) {
	n, m, k := int64(d.Len()), int64(d.Features()), int64(len(d.Labels))
	model := 4 * k * (m + 1)
	if d.Sparse != nil {
		if scaled {
			need += 4 * int64(d.Sparse.NNZ())
		}
		need += 5 * model // model, V, the feature-major copy, the certificate's gradient (2)
		if lbfgs {
			need += 2 * int64(workers) * model
		}
	} else {
		need += data.DenseBytes(int(n), int(m)) + 6*model
		if !lbfgs {
			need += n * m // codes
		}
	}
	if lbfgs {
		need += int64(2*pairs+4) * 2 * model
	}
	return need, fmt.Sprintf("training %d classes × %d features on %d rows (the model is %s; %s)",
		k, m, n, data.FormatBytes(model), map[bool]string{true: "L-BFGS keeps 2·memory+4 float64 copies", false: "SGD"}[lbfgs])
}

// checkTrainMemory returns an error before training when trainMemory's
// estimate exceeds the memory budget.
func checkTrainMemory(d *data.Dataset, lbfgs bool, pairs, workers int, scaled bool) error {
	need, what := trainMemory(d, lbfgs, pairs, workers, scaled)
	err := data.CheckMemory(need, what)
	if err == nil {
		return nil
	}
	hint := "use fewer features (fewer hashed bits, or columns numbered without gaps)"
	if d.Sparse == nil {
		hint += ", sparse rows (-sparse on, for LIBSVM files)"
	}
	if lbfgs {
		hint += ", -solver sgd or a smaller -memory"
	}
	return fmt.Errorf("%w: %s, or raise -max-memory if the machine has more", err, hint)
}
