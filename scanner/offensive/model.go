package offensive

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// Model is the trained classifier: logistic regression heads over hashed
// word features and lexicon features. It is data, produced by
// `go run ./scanner/offensive/train` and embedded in the binary; see
// model/README.md for what trained it and its validation figures.
type Model struct {
	// w holds NumHeads weights per feature, interleaved, so that one
	// feature's weights for all heads share a cache line.
	w    []float32
	bias [NumHeads]float32
	// Threshold per head: the probability at and above which the head
	// counts as firing, chosen on the calibration split (best F1 at a
	// precision of at least 0.8).
	Threshold [NumHeads]float64
	// ShortThreshold is the same at a precision of at least 0.75, for a
	// short body (a note or a post: what the model was trained on), where
	// the scanner's gates add precision of their own.
	ShortThreshold [NumHeads]float64
	// Info is what the training command recorded about itself.
	Info ModelInfo
}

// ModelInfo is the model file's header.
type ModelInfo struct {
	Version   int                 `json:"version"`
	HashBits  int                 `json:"hash_bits"`
	Features  int                 `json:"features"`
	Heads     []string            `json:"heads"`
	Bias      [NumHeads]float32   `json:"bias"`
	Threshold [NumHeads]float64   `json:"threshold"`
	Short     [NumHeads]float64   `json:"short_threshold"`
	Scale     float32             `json:"scale"`
	Sources   []string            `json:"sources"`
	Examples  map[string]int      `json:"examples"`
	Options   FeatureOptions      `json:"options"`
	Extra     map[string]string   `json:"extra,omitempty"`
	Figures   map[string][]string `json:"figures,omitempty"`
}

const modelMagic = "mailward-offensive-model\n"

// NewModel returns an untrained model (all weights zero).
func NewModel() *Model {
	return &Model{w: make([]float32, numFeatures*NumHeads)}
}

// Weights exposes the weight table to the trainer.
func (m *Model) Weights() []float32 { return m.w }

// Bias exposes the biases to the trainer.
func (m *Model) Bias() *[NumHeads]float32 { return &m.bias }

// Prob is the probability of head h for a raw sum of weights.
func (m *Model) Prob(h int, sum float32) float64 {
	return 1 / (1 + math.Exp(-float64(sum+m.bias[h])))
}

// Sum adds the weights of ids for every head.
func (m *Model) Sum(ids []uint32) (s [NumHeads]float32) {
	var hs [NumHeads]float32
	n := 0
	for _, id := range ids {
		w := m.w[int(id)*NumHeads : int(id)*NumHeads+NumHeads]
		if m.Info.Options.Norm && id < denseLex {
			n++
			for h := range hs {
				hs[h] += w[h]
			}
			continue
		}
		for h := range s {
			s[h] += w[h]
		}
	}
	if n > 0 {
		k := m.NormScale(n)
		for h := range s {
			s[h] += hs[h] * k
		}
	}
	return s
}

// NormScale is the factor of the hashed part of a sum over n hashed
// features (1 without normalisation).
func (m *Model) NormScale(n int) float32 {
	if !m.Info.Options.Norm || n == 0 {
		return 1
	}
	return float32(1 / math.Sqrt(float64(n)))
}

// IsHashed says whether feature id is a hashed one (not a dense lexicon
// feature).
func IsHashed(id uint32) bool { return id < denseLex }

// WriteTo writes the model file: a header line of JSON, then the non-zero
// weights as varint index deltas and int16 values, all gzipped with a
// fixed header so that the same weights give the same bytes.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var maxAbs float32
	for _, v := range m.w {
		maxAbs = max(maxAbs, float32(math.Abs(float64(v))))
	}
	scale := maxAbs / 32767
	if scale == 0 {
		scale = 1
	}
	m.Info.Version = 1
	m.Info.HashBits = hashBits
	m.Info.Features = numFeatures
	m.Info.Heads = HeadNames[:]
	m.Info.Bias = m.bias
	m.Info.Threshold = m.Threshold
	m.Info.Short = m.ShortThreshold
	m.Info.Scale = scale
	var raw bytes.Buffer
	raw.WriteString(modelMagic)
	hdr, err := json.Marshal(m.Info)
	if err != nil {
		return 0, err
	}
	raw.Write(hdr)
	raw.WriteByte('\n')
	var buf [binary.MaxVarintLen64]byte
	last := -1
	for f := 0; f < numFeatures; f++ {
		ws := m.w[f*NumHeads : f*NumHeads+NumHeads]
		var q [NumHeads]int16
		zero := true
		for h, v := range ws {
			q[h] = int16(math.Round(float64(v / scale)))
			zero = zero && q[h] == 0
		}
		if zero {
			continue
		}
		n := binary.PutUvarint(buf[:], uint64(f-last))
		raw.Write(buf[:n])
		for _, v := range q {
			binary.Write(&raw, binary.LittleEndian, v)
		}
		last = f
	}
	cw := &countWriter{w: w}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return cw.n, err
	}
	err = zw.Close()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ReadModel reads a model file written by WriteTo.
func ReadModel(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("offensive model: %w", err)
	}
	br := bufio.NewReader(zr)
	magic := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != modelMagic {
		return nil, errors.New("offensive model: not a model file")
	}
	hdr, err := br.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("offensive model header: %w", err)
	}
	m := NewModel()
	if err := json.Unmarshal(hdr, &m.Info); err != nil {
		return nil, fmt.Errorf("offensive model header: %w", err)
	}
	if m.Info.HashBits != hashBits || m.Info.Features != numFeatures || len(m.Info.Heads) != NumHeads {
		return nil, fmt.Errorf("offensive model: built for %d bits, %d features, %d heads; this binary has %d, %d, %d",
			m.Info.HashBits, m.Info.Features, len(m.Info.Heads), hashBits, numFeatures, NumHeads)
	}
	m.bias = m.Info.Bias
	m.Threshold = m.Info.Threshold
	m.ShortThreshold = m.Info.Short
	f := -1
	for {
		d, err := binary.ReadUvarint(br)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("offensive model weights: %w", err)
		}
		f += int(d)
		if d == 0 || f >= numFeatures {
			return nil, fmt.Errorf("offensive model: feature %d out of range", f)
		}
		var q [NumHeads]int16
		if err := binary.Read(br, binary.LittleEndian, &q); err != nil {
			return nil, fmt.Errorf("offensive model weights: %w", err)
		}
		for h, v := range q {
			m.w[f*NumHeads+h] = float32(v) * m.Info.Scale
		}
	}
	return m, nil
}

//go:embed model/model.bin.gz
var embeddedModel []byte

var (
	defaultModel     *Model
	defaultModelErr  error
	defaultModelOnce sync.Once
)

// DefaultModel returns the embedded model, read once.
func DefaultModel() (*Model, error) {
	defaultModelOnce.Do(func() {
		defaultModel, defaultModelErr = ReadModel(bytes.NewReader(embeddedModel))
	})
	return defaultModel, defaultModelErr
}
