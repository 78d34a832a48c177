package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/convnet/convnet/data/mnist"
	"github.com/convnet/convnet/tensor"
)

// Prediction is the answer of POST /v1/predict.
type Prediction struct {
	Model         string    `json:"model"`
	Class         int       `json:"class"`
	Probabilities []float32 `json:"probabilities"`
	// LatencyMS is the time from the request's arrival to the answer's
	// encoding, body reading, queueing and preprocessing included.
	LatencyMS float64 `json:"latency_ms"`
	// Input is the 28×28 image in [0, 1] (row-major, a light digit on
	// black) that was normalised and given to the network; with ?detail=1.
	Input []float32 `json:"input,omitempty"`
	// Features are the feature maps of conv1 and conv2 after their ReLU;
	// with ?detail=1.
	Features []FeatureMap `json:"features,omitempty"`
}

// FeatureMap is the output of a layer for one image.
type FeatureMap struct {
	Name  string    `json:"name"`           // "conv1", "conv2"
	Layer string    `json:"layer"`          // the layer's index in the Sequential
	Shape []int     `json:"shape"`          // channels, height, width
	Data  []float32 `json:"data,omitempty"` // row-major, channel after channel
}

// ModelDescription is a model as GET /v1/models lists it.
type ModelDescription struct {
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Input       [3]int       `json:"input"` // channels, height, width
	Classes     int          `json:"classes"`
	Parameters  int          `json:"parameters"`
	Epoch       int          `json:"epoch"`
	Checkpoint  string       `json:"checkpoint,omitempty"`
	Features    []FeatureMap `json:"features"` // names and shapes, no data
}

// pixelsRequest is the JSON body of POST /v1/predict.
type pixelsRequest struct {
	Pixels []float64 `json:"pixels"`
}

// httpError is a failure with the status code that answers it.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func errorf(code int, format string, a ...any) *httpError {
	return &httpError{code: code, msg: fmt.Sprintf(format, a...)}
}

// body kinds that POST /v1/predict takes.
const (
	bodyImage = iota
	bodyJSON
)

func (s *Server) handlePredict(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() {
		if v := recover(); v != nil { // validated input should never get here
			s.logf("serve: panic in predict: %v", v)
			s.fail(w, errorf(http.StatusInternalServerError, "internal error"))
		}
	}()
	p, err := s.predictRequest(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	p.LatencyMS = float64(time.Since(start).Microseconds()) / 1000
	writeJSON(w, http.StatusOK, p)
}

// predictRequest checks the request in the order of cost: method and
// content type (by the mux and bodyKind), then size, then a worker slot,
// then the body's content.
func (s *Server) predictRequest(r *http.Request) (*Prediction, error) {
	kind, err := bodyKind(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	detail := false
	if d := r.URL.Query().Get("detail"); d != "" {
		if detail, err = strconv.ParseBool(d); err != nil {
			return nil, errorf(http.StatusBadRequest, "detail=%q: want 1 or 0", d)
		}
	}
	if r.ContentLength > s.opts.MaxBodyBytes {
		return nil, tooLarge(s.opts.MaxBodyBytes)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(s.opts.MaxBodyBytes)
		}
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			return nil, errorf(http.StatusRequestTimeout, "the body did not arrive within %v", s.opts.ReadTimeout)
		}
		return nil, errorf(http.StatusBadRequest, "reading the body: %v", err)
	}
	release, err := s.acquire(r.Context())
	if err != nil {
		return nil, err
	}
	defer release()
	if s.hook != nil {
		s.hook()
	}
	var pix []float32
	if kind == bodyJSON {
		pix, err = decodePixels(body)
	} else if pix, err = mnist.Preprocess(bytes.NewReader(body), s.opts.MaxImagePixels); err != nil {
		err = errorf(http.StatusBadRequest, "%v", err)
	}
	if err != nil {
		return nil, err
	}
	return s.predict(pix, detail), nil
}

func tooLarge(limit int64) error {
	return errorf(http.StatusRequestEntityTooLarge, "the body is over the limit of %d bytes", limit)
}

// bodyKind reads the Content-Type of a predict request.
func bodyKind(contentType string) (int, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil && contentType != "":
		return 0, errorf(http.StatusUnsupportedMediaType, "Content-Type %q: %v", contentType, err)
	case mt == "image/png", mt == "image/jpeg":
		return bodyImage, nil
	case mt == "application/json":
		return bodyJSON, nil
	}
	return 0, errorf(http.StatusUnsupportedMediaType, "Content-Type %q: send image/png, image/jpeg or application/json", contentType)
}

// decodePixels reads {"pixels": [784 numbers in [0, 1]]}.
func decodePixels(body []byte) ([]float32, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req pixelsRequest
	if err := dec.Decode(&req); err != nil {
		return nil, errorf(http.StatusBadRequest, "JSON body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf(http.StatusBadRequest, "JSON body: more data after the object")
	}
	const n = mnist.Side * mnist.Side
	if len(req.Pixels) != n {
		return nil, errorf(http.StatusBadRequest, `"pixels" has %d values; want %d (a 28×28 image, row-major)`, len(req.Pixels), n)
	}
	pix := make([]float32, n)
	for i, v := range req.Pixels {
		if !(v >= 0 && v <= 1) { // also NaN
			return nil, errorf(http.StatusBadRequest, `"pixels"[%d] = %v is outside [0, 1]`, i, v)
		}
		pix[i] = float32(v)
	}
	return pix, nil
}

// acquire takes a place for a request, or answers 503 at once when
// Workers + Queue requests hold one; then it waits for a worker.
func (s *Server) acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.admit <- struct{}{}:
	default:
		return nil, errorf(http.StatusServiceUnavailable, "busy: %d requests are running or waiting; retry shortly", cap(s.admit))
	}
	select {
	case s.workers <- struct{}{}:
	case <-ctx.Done():
		<-s.admit
		return nil, errorf(http.StatusServiceUnavailable, "request cancelled while waiting: %v", ctx.Err())
	}
	return func() { <-s.workers; <-s.admit }, nil
}

// predict classifies the 28×28 image pix.
func (s *Server) predict(pix []float32, detail bool) *Prediction {
	logits, maps := s.forward(pix)
	probs := tensor.Softmax(logits, 1).Data()
	best := 0
	for c, v := range probs {
		if v > probs[best] {
			best = c
		}
	}
	p := &Prediction{Model: s.info.Name, Class: best, Probabilities: probs}
	if detail {
		p.Input = pix
		p.Features = s.featureMaps(maps)
	}
	return p
}

// featureMaps describes the tapped layers, with their outputs when maps is
// not nil.
func (s *Server) featureMaps(maps []*tensor.Tensor) []FeatureMap {
	fm := make([]FeatureMap, len(s.taps))
	for i, t := range s.taps {
		fm[i] = FeatureMap{Name: t.name, Layer: strconv.Itoa(t.index), Shape: t.shape}
		if maps != nil {
			fm[i].Data = maps[i].Data()
		}
	}
	return fm
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	d := ModelDescription{
		Name: s.info.Name, Description: s.desc.Description, Input: s.desc.Input, Classes: s.classes,
		Parameters: s.params, Epoch: s.info.Epoch, Checkpoint: s.info.Checkpoint, Features: s.featureMaps(nil),
	}
	writeJSON(w, http.StatusOK, map[string][]ModelDescription{"models": {d}})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// fail answers err: its status code and {"error": message}.
func (s *Server) fail(w http.ResponseWriter, err error) {
	he, ok := errors.AsType[*httpError](err)
	if !ok {
		he = errorf(http.StatusInternalServerError, "%v", err)
	}
	if he.code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, he.code, map[string]string{"error": he.msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v) // a write error means the client has gone
}

func (s *Server) logf(format string, a ...any) {
	if s.opts.ErrorLog != nil {
		s.opts.ErrorLog.Printf(format, a...)
		return
	}
	log.Printf(format, a...)
}
