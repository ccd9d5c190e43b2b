package onnx

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The few ONNX messages and fields the reader needs (onnx/onnx.proto3,
// IR version ≤ 10), decoded with protowire straight from the file's bytes.
// Unknown fields are skipped, as protobuf does; repeated numbers are read
// packed or unpacked. Every slice grows only with bytes actually present,
// so a hostile length or count costs nothing.

// Field numbers.
const (
	// ModelProto
	fModelIRVersion = 1
	fModelOpset     = 8
	fModelProducer  = 2
	fModelGraph     = 7
	fModelMetadata  = 14
	fModelFunctions = 25
	// OperatorSetIdProto
	fOpsetDomain  = 1
	fOpsetVersion = 2
	// StringStringEntryProto
	fEntryKey   = 1
	fEntryValue = 2
	// GraphProto
	fGraphNode       = 1
	fGraphName       = 2
	fGraphInit       = 5
	fGraphInput      = 11
	fGraphOutput     = 12
	fGraphSparseInit = 15
	// NodeProto
	fNodeInput  = 1
	fNodeOutput = 2
	fNodeName   = 3
	fNodeOp     = 4
	fNodeAttr   = 5
	fNodeDomain = 7
	// AttributeProto
	fAttrName    = 1
	fAttrF       = 2
	fAttrI       = 3
	fAttrS       = 4
	fAttrT       = 5
	fAttrFloats  = 7
	fAttrInts    = 8
	fAttrStrings = 9
	fAttrType    = 20
	fAttrRef     = 21
	// ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto
	fValueName      = 1
	fValueType      = 2
	fTypeTensor     = 1
	fTensorElemType = 1
	fTensorShape    = 2
	fShapeDim       = 1
	fDimValue       = 1
	fDimParam       = 2
	// TensorProto
	fTensorDims     = 1
	fTensorDataType = 2
	fTensorFloats   = 4
	fTensorInt32s   = 5
	fTensorInt64s   = 7
	fTensorName     = 8
	fTensorRaw      = 9
	fTensorDoubles  = 10
	fTensorExternal = 13
	fTensorLocation = 14
)

// AttributeProto.AttributeType and TensorProto.DataType values.
const (
	attrFloat   = 1
	attrInt     = 2
	attrString  = 3
	attrTensor  = 4
	attrFloats  = 6
	attrInts    = 7
	attrStrings = 8

	dtFloat  = 1
	dtInt32  = 6
	dtInt64  = 7
	dtString = 8
	dtDouble = 11
)

type modelProto struct {
	irVersion int64
	opsets    map[string]int64
	producer  string
	graph     *graphProto
	metadata  map[string]string
	functions int
}

type graphProto struct {
	name            string
	nodes           []nodeProto
	inits           []tensorProto
	inputs, outputs []valueInfo
	sparseInits     int
}

type nodeProto struct {
	name, op, domain string
	inputs, outputs  []string
	attrs            []attrProto
}

type attrProto struct {
	name    string
	typ     int64
	ref     string
	f       float32
	i       int64
	s       []byte
	t       *tensorProto
	floats  []float32
	ints    []int64
	strings [][]byte
	// set: which value fields the file holds (bit = field number).
	set uint64
}

type tensorProto struct {
	name     string
	dims     []int64
	dataType int64
	raw      []byte
	floats   []float32
	int32s   []int64
	int64s   []int64
	doubles  []float64
	external bool
}

type valueInfo struct {
	name     string
	isTensor bool
	elemType int64
	hasShape bool
	dims     []dim
}

type dim struct {
	value int64
	param string
	known bool
}

var errProto = errors.New("onnx: not a valid ONNX (protobuf) file")

// field is one decoded field: its number and wire type, and the value as
// an integer (varint, fixed32, fixed64) or bytes.
type field struct {
	num protowire.Number
	typ protowire.Type
	x   uint64
	b   []byte
}

// fields calls f on each field of the message b in order.
func fields(b []byte, what string, f func(field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: bad field tag in %s", errProto, what)
		}
		b = b[n:]
		fl := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			fl.x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			fl.x = uint64(v)
		case protowire.Fixed64Type:
			fl.x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			fl.b, n = protowire.ConsumeBytes(b)
		default: // groups: ONNX has none
			return fmt.Errorf("%w: field %d of %s has wire type %d", errProto, num, what, typ)
		}
		if n < 0 {
			return fmt.Errorf("%w: field %d of %s is truncated", errProto, num, what)
		}
		b = b[n:]
		if err := f(fl); err != nil {
			return err
		}
	}
	return nil
}

// str returns a length-delimited field as a string.
func (f field) str(what string) (string, error) {
	if f.typ != protowire.BytesType {
		return "", fmt.Errorf("%w: %s is not a string", errProto, what)
	}
	return string(f.b), nil
}

// msg returns a length-delimited field's bytes.
func (f field) msg(what string) ([]byte, error) {
	if f.typ != protowire.BytesType {
		return nil, fmt.Errorf("%w: %s is not a message", errProto, what)
	}
	return f.b, nil
}

// int returns a varint field as an int64.
func (f field) int(what string) (int64, error) {
	if f.typ != protowire.VarintType {
		return 0, fmt.Errorf("%w: %s is not a varint", errProto, what)
	}
	return int64(f.x), nil
}

// appendInts appends a repeated varint field, packed or not.
func (f field) appendInts(dst []int64, what string) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, int64(f.x)), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, fmt.Errorf("%w: packed %s is truncated", errProto, what)
			}
			dst = append(dst, int64(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, fmt.Errorf("%w: %s are not varints", errProto, what)
}

// appendFloats appends a repeated float field, packed or not.
func (f field) appendFloats(dst []float32, what string) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.x))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return nil, fmt.Errorf("%w: packed %s have %d bytes", errProto, what, len(f.b))
		}
		dst = growFloats(dst, len(f.b)/4)
		for i := 0; i < len(f.b); i += 4 {
			dst = append(dst, math.Float32frombits(protowireLE32(f.b[i:])))
		}
		return dst, nil
	}
	return nil, fmt.Errorf("%w: %s are not floats", errProto, what)
}

// appendDoubles appends a repeated double field, packed or not.
func (f field) appendDoubles(dst []float64, what string) ([]float64, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		return append(dst, math.Float64frombits(f.x)), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return nil, fmt.Errorf("%w: packed %s have %d bytes", errProto, what, len(f.b))
		}
		for i := 0; i < len(f.b); i += 8 {
			dst = append(dst, math.Float64frombits(uint64(protowireLE32(f.b[i:]))|uint64(protowireLE32(f.b[i+4:]))<<32))
		}
		return dst, nil
	}
	return nil, fmt.Errorf("%w: %s are not doubles", errProto, what)
}

func growFloats(dst []float32, n int) []float32 {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	return append(make([]float32, 0, len(dst)+n), dst...)
}

func protowireLE32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func parseModel(b []byte) (*modelProto, error) {
	m := &modelProto{opsets: map[string]int64{}, metadata: map[string]string{}}
	err := fields(b, "ModelProto", func(f field) error {
		var err error
		switch f.num {
		case fModelIRVersion:
			m.irVersion, err = f.int("ir_version")
		case fModelProducer:
			m.producer, err = f.str("producer_name")
		case fModelOpset:
			var b []byte
			if b, err = f.msg("opset_import"); err == nil {
				var domain string
				var version int64
				err = fields(b, "OperatorSetIdProto", func(f field) error {
					var err error
					switch f.num {
					case fOpsetDomain:
						domain, err = f.str("opset domain")
					case fOpsetVersion:
						version, err = f.int("opset version")
					}
					return err
				})
				m.opsets[domain] = version
			}
		case fModelGraph:
			var b []byte
			if b, err = f.msg("graph"); err == nil {
				m.graph, err = parseGraph(b)
			}
		case fModelMetadata:
			var b []byte
			if b, err = f.msg("metadata_props"); err == nil {
				var k, v string
				err = fields(b, "StringStringEntryProto", func(f field) error {
					var err error
					switch f.num {
					case fEntryKey:
						k, err = f.str("metadata key")
					case fEntryValue:
						v, err = f.str("metadata value")
					}
					return err
				})
				m.metadata[k] = v
			}
		case fModelFunctions:
			m.functions++
		}
		return err
	})
	return m, err
}

func parseGraph(b []byte) (*graphProto, error) {
	g := &graphProto{}
	err := fields(b, "GraphProto", func(f field) error {
		var err error
		var b []byte
		switch f.num {
		case fGraphName:
			g.name, err = f.str("graph name")
		case fGraphNode:
			if b, err = f.msg("node"); err == nil {
				var n nodeProto
				n, err = parseNode(b)
				g.nodes = append(g.nodes, n)
			}
		case fGraphInit:
			if b, err = f.msg("initializer"); err == nil {
				var t tensorProto
				t, err = parseTensor(b)
				g.inits = append(g.inits, t)
			}
		case fGraphInput, fGraphOutput:
			if b, err = f.msg("graph input or output"); err == nil {
				var v valueInfo
				v, err = parseValueInfo(b)
				if f.num == fGraphInput {
					g.inputs = append(g.inputs, v)
				} else {
					g.outputs = append(g.outputs, v)
				}
			}
		case fGraphSparseInit:
			g.sparseInits++
		}
		return err
	})
	return g, err
}

func parseNode(b []byte) (nodeProto, error) {
	var n nodeProto
	err := fields(b, "NodeProto", func(f field) error {
		var err error
		var s string
		switch f.num {
		case fNodeInput:
			s, err = f.str("node input")
			n.inputs = append(n.inputs, s)
		case fNodeOutput:
			s, err = f.str("node output")
			n.outputs = append(n.outputs, s)
		case fNodeName:
			n.name, err = f.str("node name")
		case fNodeOp:
			n.op, err = f.str("op_type")
		case fNodeDomain:
			n.domain, err = f.str("node domain")
		case fNodeAttr:
			var b []byte
			if b, err = f.msg("attribute"); err == nil {
				var a attrProto
				a, err = parseAttr(b)
				n.attrs = append(n.attrs, a)
			}
		}
		return err
	})
	return n, err
}

func parseAttr(b []byte) (attrProto, error) {
	var a attrProto
	err := fields(b, "AttributeProto", func(f field) error {
		var err error
		if f.num < 64 {
			a.set |= 1 << f.num
		}
		switch f.num {
		case fAttrName:
			a.name, err = f.str("attribute name")
		case fAttrType:
			a.typ, err = f.int("attribute type")
		case fAttrRef:
			a.ref, err = f.str("ref_attr_name")
		case fAttrF:
			if f.typ != protowire.Fixed32Type {
				return fmt.Errorf("%w: attribute f is not a float", errProto)
			}
			a.f = math.Float32frombits(uint32(f.x))
		case fAttrI:
			a.i, err = f.int("attribute i")
		case fAttrS:
			a.s, err = f.msg("attribute s")
		case fAttrT:
			var b []byte
			if b, err = f.msg("attribute t"); err == nil {
				var t tensorProto
				t, err = parseTensor(b)
				a.t = &t
			}
		case fAttrFloats:
			a.floats, err = f.appendFloats(a.floats, "attribute floats")
		case fAttrInts:
			a.ints, err = f.appendInts(a.ints, "attribute ints")
		case fAttrStrings:
			var b []byte
			b, err = f.msg("attribute strings")
			a.strings = append(a.strings, b)
		}
		return err
	})
	return a, err
}

func parseTensor(b []byte) (tensorProto, error) {
	var t tensorProto
	err := fields(b, "TensorProto", func(f field) error {
		var err error
		switch f.num {
		case fTensorDims:
			t.dims, err = f.appendInts(t.dims, "tensor dims")
		case fTensorDataType:
			t.dataType, err = f.int("tensor data_type")
		case fTensorFloats:
			t.floats, err = f.appendFloats(t.floats, "tensor float_data")
		case fTensorInt32s:
			t.int32s, err = f.appendInts(t.int32s, "tensor int32_data")
		case fTensorInt64s:
			t.int64s, err = f.appendInts(t.int64s, "tensor int64_data")
		case fTensorDoubles:
			t.doubles, err = f.appendDoubles(t.doubles, "tensor double_data")
		case fTensorName:
			t.name, err = f.str("tensor name")
		case fTensorRaw:
			t.raw, err = f.msg("tensor raw_data")
		case fTensorExternal:
			t.external = true
		case fTensorLocation:
			var loc int64
			loc, err = f.int("tensor data_location")
			t.external = t.external || loc != 0
		}
		return err
	})
	return t, err
}

func parseValueInfo(b []byte) (valueInfo, error) {
	var v valueInfo
	err := fields(b, "ValueInfoProto", func(f field) error {
		var err error
		switch f.num {
		case fValueName:
			v.name, err = f.str("value name")
		case fValueType:
			var b []byte
			if b, err = f.msg("value type"); err != nil {
				return err
			}
			err = fields(b, "TypeProto", func(f field) error {
				if f.num != fTypeTensor {
					return nil
				}
				v.isTensor = true
				b, err := f.msg("tensor_type")
				if err != nil {
					return err
				}
				return fields(b, "TypeProto.Tensor", func(f field) error {
					var err error
					switch f.num {
					case fTensorElemType:
						v.elemType, err = f.int("elem_type")
					case fTensorShape:
						v.hasShape = true
						var b []byte
						if b, err = f.msg("shape"); err == nil {
							err = fields(b, "TensorShapeProto", func(f field) error {
								if f.num != fShapeDim {
									return nil
								}
								b, err := f.msg("dim")
								if err != nil {
									return err
								}
								var d dim
								err = fields(b, "Dimension", func(f field) error {
									var err error
									switch f.num {
									case fDimValue:
										d.value, err = f.int("dim_value")
										d.known = true
									case fDimParam:
										d.param, err = f.str("dim_param")
									}
									return err
								})
								v.dims = append(v.dims, d)
								return err
							})
						}
					}
					return err
				})
			})
		}
		return err
	})
	return v, err
}
