//go:build !purego && (amd64 || arm64)

package kernel

// The modes of smallOpsImpl (asm.SmallSoftmax, SmallLogSoftmax,
// SmallLogSumExp, SmallXent).
const (
	smallSoftmax = iota
	smallLogSoftmax
	smallLogSumExp
	smallXent
)

// smallOpsImpl runs Softmax, LogSoftmax, LogSumExp or SoftmaxCrossEntropy
// (mode) of a short row in one assembly call where the backend has one
// (ok = false elsewhere), special values included, with the results
// softmax.go's composition gives but for the log of the sum, computed in
// the kernel (see asm.SmallOpsAVX512 for its bound). The arguments are
// validated.
func smallOpsImpl(dst, src []float32, label, mode int) (lse, loss float32, ok bool) {
	return asmSmallOps(current(), dst, src, label, mode)
}
