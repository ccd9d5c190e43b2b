//go:build !amd64 || purego

package benchsuite

func streamSparse([]int, []int32, []float32, int, int, int, int, bool) float32 {
	panic("benchsuite: no limit kernels")
}
