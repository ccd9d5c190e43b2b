package main

// SoftmaxNEON and MaxExpSumNEON: MaxNEON, ExpShiftSumNEON and ScaleNEON
// fused in one call. They emit the very loops of those kernels (maxLoop,
// expShiftSumSetup/expShiftSumPath/expShiftSumReduce, mapLoop with
// scaleOp), one after the other, so their results are bit for bit those of
// the composition.

// softmaxKernel emits SoftmaxNEON.
func softmaxKernel() *Func {
	return fusedKernel(true)
}

// maxExpSumKernel emits MaxExpSumNEON.
func maxExpSumKernel() *Func {
	return fusedKernel(false)
}

// fusedKernel emits SoftmaxNEON (store: the exponentials stored in dst and
// scaled by float32(1/sum)) or MaxExpSumNEON (no output).
//
//	max:     R0 = src, R1 = len(src)                  (maxLoop)
//	exp-sum: R0 = dst, R1 = src, R2 = len(src), R4    (expShiftSumPath)
//	scale:   R0 = R1 = dst, R2 = len(src), V31 = s    (mapLoop)
func fusedKernel(store bool) *Func {
	var f *Func
	var src, srcLen, retM, retSum, name string
	if store {
		name = "Softmax"
		f = NewFunc("SoftmaxNEON", "$0-64",
			"func SoftmaxNEON(dst, src []float32) (m float32, sum float64)")
		src, srcLen, retM, retSum = "src_base+24(FP)", "src_len+32(FP)", "m+48(FP)", "sum+56(FP)"
	} else {
		name = "MaxExpSum"
		f = NewFunc("MaxExpSumNEON", "$0-40",
			"func MaxExpSumNEON(src []float32) (m float32, sum float64)")
		src, srcLen, retM, retSum = "src_base+0(FP)", "src_len+8(FP)", "m+24(FP)", "sum+32(FP)"
	}

	// m = MaxNEON(src).
	f.I("MOVD", src, "R0")
	f.I("MOVD", srcLen, "R1")
	m := maxLoop(f, "mx", name+" (max)")
	f.I("FMOVS", m.F(), retM)
	// ±Inf (also −Inf of an empty src): return (m, 0), dst untouched.
	f.I("FMOVS", m.F(), "R3")
	f.I("ANDW", "$0x7fffffff", "R3", "R3")
	f.I("MOVW", "$0x7f800000", "R4")
	f.I("CMPW", "R4", "R3")
	f.I("BEQ", "special")

	// sum = ExpShiftSumNEON(dst or nil, src, m).
	if store {
		f.I("MOVD", "dst_base+0(FP)", "R0")
	}
	f.I("MOVD", src, "R1")
	f.I("MOVD", srcLen, "R2")
	k := expShiftSumSetup(f, m)
	expShiftSumPath(f, k, store, "es", name+" (exp-sum)", "sum")
	f.Label("sum")
	expShiftSumReduce(f)
	f.I("FMOVD", "F0", retSum)
	if !store {
		f.I("RET")
	} else {
		// ScaleNEON(dst, float32(1/sum)): the float64 division, then one
		// rounding to float32, as Go's float32(1/sum).
		f.I("FMOVD", "$1.0", "F1")
		f.I("FDIVD", "F0", "F1", "F1")
		f.I("FCVTDS", "F1", "F1")
		f.dup(31, 1, 0)
		f.I("MOVD", "dst_base+0(FP)", "R0")
		f.I("MOVD", "R0", "R1")
		f.I("MOVD", srcLen, "R2")
		mapLoop(f, "sc", name+" (scale)", scaleOp(31))
		f.I("RET")
	}

	f.Label("special")
	f.I("MOVD", "ZR", retSum)
	f.I("RET")
	return f
}
