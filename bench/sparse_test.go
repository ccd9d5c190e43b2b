package bench

import "testing"

// The sparse cases of kernel/benchsuite (feature-major weights, 64 CSR
// rows per call).

func BenchmarkSparseMatMul(b *testing.B)      { run(b, "SparseMatMul") }
func BenchmarkSparseAddMatMulTN(b *testing.B) { run(b, "SparseAddMatMulTN") }
