package serve

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/convnet/convnet/data/mnist"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// newTestServer serves LeNet-5 with seeded random weights: the server's
// plumbing does not need a trained model.
func newTestServer(t testing.TB, name string, o Options) *Server {
	t.Helper()
	m, err := models.New(name, models.Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(m, Info{Name: name, Epoch: 3, Checkpoint: "test"}, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stroke is a "7" in fractions of the canvas: the page's kind of drawing.
var stroke = [][2]float64{{0.25, 0.22}, {0.75, 0.22}, {0.45, 0.82}}

// digitImage draws stroke with a round brush, black on white, w×w pixels.
func digitImage(w int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, w))
	r := 0.07 * float64(w)
	for y := 0; y < w; y++ {
		for x := 0; x < w; x++ {
			px, py := float64(x)/float64(w), float64(y)/float64(w)
			v := uint8(255)
			for i := 1; i < len(stroke); i++ {
				if segDist(px, py, stroke[i-1], stroke[i])*float64(w) < r {
					v = 0
				}
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	return img
}

func segDist(px, py float64, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := ((px-a[0])*dx + (py-a[1])*dy) / (dx*dx + dy*dy)
	t = max(0, min(1, t))
	return math.Hypot(px-a[0]-t*dx, py-a[1]-t*dy)
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNG is a valid PNG of a few dozen bytes whose header declares
// side×side pixels: decoding it would allocate side² × 4 bytes.
func hugePNG(t testing.TB, side uint32) []byte {
	t.Helper()
	b := encodePNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// IHDR: length (8..12), type (12..16), width (16..20), height (20..24), …, CRC (29..33).
	binary.BigEndian.PutUint32(b[16:], side)
	binary.BigEndian.PutUint32(b[20:], side)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func pixelsJSON(vals ...string) string {
	p := make([]string, 784)
	for i := range p {
		p[i] = "0"
	}
	copy(p, vals)
	return `{"pixels": [` + strings.Join(p, ",") + `]}`
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

func request(h http.Handler, method, target, contentType string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestStatusCodes asks for every status code the server answers with.
func TestStatusCodes(t *testing.T) {
	s := newTestServer(t, "lenet5", Options{MaxBodyBytes: 1 << 20})
	s.hook = func() {}
	digit := encodePNG(t, digitImage(140))
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, digitImage(140), nil); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20+1)
	const js = "application/json"
	for _, c := range []struct {
		name, method, target, ctype string
		body                        []byte
		code                        int
		want                        string // in the body
	}{
		{"png", "POST", "/v1/predict", "image/png", digit, 200, `"probabilities"`},
		{"jpeg", "POST", "/v1/predict", "image/jpeg", jpg.Bytes(), 200, `"class"`},
		{"json", "POST", "/v1/predict", "application/json; charset=utf-8", []byte(pixelsJSON("1", "0.5", "1e-3")), 200, `"latency_ms"`},
		{"detail", "POST", "/v1/predict?detail=1", "image/png", digit, 200, `"features"`},
		{"models", "GET", "/v1/models", "", nil, 200, `"lenet5"`},
		{"healthz", "GET", "/healthz", "", nil, 200, `"ok"`},
		{"metrics", "GET", "/metrics", "", nil, 200, "convnet_http_requests_total"},
		{"page", "GET", "/", "", nil, 200, `<canvas id="pad"`},
		{"script", "GET", "/static/app.js", "", nil, 200, "v1/predict"},
		{"style", "GET", "/static/style.css", "", nil, 200, "#pad"},

		{"not an image", "POST", "/v1/predict", "image/png", []byte("not a png"), 400, "not a PNG or JPEG"},
		{"truncated png", "POST", "/v1/predict", "image/png", digit[:len(digit)/2], 400, "decoding png"},
		{"declared size over the cap", "POST", "/v1/predict", "image/png", hugePNG(t, 100000), 400, "exceeds the limit"},
		{"too few pixels", "POST", "/v1/predict", js, []byte(`{"pixels": [0, 1]}`), 400, "has 2 values; want 784"},
		{"no pixels", "POST", "/v1/predict", js, []byte(`{}`), 400, "has 0 values"},
		{"pixel above 1", "POST", "/v1/predict", js, []byte(pixelsJSON("0", "1.5")), 400, `"pixels"[1] = 1.5 is outside [0, 1]`},
		{"negative pixel", "POST", "/v1/predict", js, []byte(pixelsJSON("-0.1")), 400, "outside [0, 1]"},
		{"NaN", "POST", "/v1/predict", js, []byte(pixelsJSON("NaN")), 400, "JSON body"},
		{"Inf", "POST", "/v1/predict", js, []byte(pixelsJSON("1e999")), 400, "JSON body"},
		{"string pixel", "POST", "/v1/predict", js, []byte(pixelsJSON(`"1"`)), 400, "JSON body"},
		{"unknown field", "POST", "/v1/predict", js, []byte(`{"pixels": [], "model": "/etc/passwd"}`), 400, `unknown field "model"`},
		{"trailing data", "POST", "/v1/predict", js, []byte(pixelsJSON() + "{}"), 400, "more data after"},
		{"not JSON", "POST", "/v1/predict", js, []byte(`pixels=1`), 400, "JSON body"},
		{"bad detail", "POST", "/v1/predict?detail=yes", "image/png", digit, 400, "detail"},

		{"unknown path", "GET", "/v1/train", "", nil, 404, ""},
		{"no such file", "GET", "/static/nope.js", "", nil, 404, ""},
		{"no directory listing", "GET", "/static/", "", nil, 404, ""},

		{"GET predict", "GET", "/v1/predict", "", nil, 405, ""},
		{"POST healthz", "POST", "/healthz", js, []byte(`{}`), 405, ""},

		{"body over the cap", "POST", "/v1/predict", "image/png", big, 413, "over the limit of 1048576 bytes"},

		{"text", "POST", "/v1/predict", "text/plain", digit, 415, "send image/png, image/jpeg or application/json"},
		{"gif", "POST", "/v1/predict", "image/gif", digit, 415, "image/gif"},
		{"no content type", "POST", "/v1/predict", "", digit, 415, "Content-Type"},
		{"bad content type", "POST", "/v1/predict", "image/png; =", digit, 415, "Content-Type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := request(s.Handler(), c.method, c.target, c.ctype, c.body)
			text := w.Body.String()
			var e struct{ Error string }
			if json.Unmarshal(w.Body.Bytes(), &e) == nil && e.Error != "" {
				text = e.Error
			}
			if w.Code != c.code || !strings.Contains(text, c.want) {
				t.Errorf("%s %s: %d %.300q; want %d with %q", c.method, c.target, w.Code, text, c.code, c.want)
			}
			if strings.HasPrefix(c.target, "/v1/predict") && c.code != 405 {
				if ct := w.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				var body map[string]any
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
					t.Errorf("body is not JSON: %v", err)
				}
				if msg, _ := body["error"].(string); (c.code >= 400) != (msg != "") {
					t.Errorf("error message %q for status %d", msg, c.code)
				}
			}
		})
	}

	t.Run("body over the cap, streamed", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/v1/predict", bytes.NewReader(big))
		r.ContentLength = -1 // chunked: the cap is found while reading
		r.Header.Set("Content-Type", "image/png")
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		if w.Code != 413 {
			t.Errorf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("model panics", func(t *testing.T) {
		s := newTestServer(t, "lenet5", Options{ErrorLog: discardLog()})
		s.hook = func() { panic("boom") }
		w := request(s.Handler(), "POST", "/v1/predict", "image/png", digit)
		if w.Code != 500 || !strings.Contains(w.Body.String(), "internal error") {
			t.Errorf("%d %s", w.Code, w.Body)
		}
		// The slot is given back: the next request is served.
		s.hook = nil
		if w := request(s.Handler(), "POST", "/v1/predict", "image/png", digit); w.Code != 200 {
			t.Errorf("after a panic: %d %s", w.Code, w.Body)
		}
	})
}

// TestOverloadAnswers503AtOnce fills the one worker and leaves no room to
// wait: the next request is refused at once, not queued.
func TestOverloadAnswers503AtOnce(t *testing.T) {
	s := newTestServer(t, "lenet5", Options{Workers: 1, Queue: -1})
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.hook = func() {
		once.Do(func() {
			entered <- struct{}{}
			<-release
		})
	}
	body := []byte(pixelsJSON("1"))
	first := make(chan int)
	go func() { first <- request(s.Handler(), "POST", "/v1/predict", "application/json", body).Code }()
	<-entered
	w := request(s.Handler(), "POST", "/v1/predict", "application/json", body)
	if w.Code != 503 || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "busy") {
		t.Errorf("second request: %d %s %v", w.Code, w.Body, w.Header())
	}
	close(release)
	if code := <-first; code != 200 {
		t.Errorf("first request: %d", code)
	}
	// With the worker free again, requests are served.
	if w := request(s.Handler(), "POST", "/v1/predict", "application/json", body); w.Code != 200 {
		t.Errorf("third request: %d %s", w.Code, w.Body)
	}
	m := request(s.Handler(), "GET", "/metrics", "", nil).Body.String()
	for _, want := range []string{
		`convnet_http_errors_total{code="503",route="/v1/predict"} 1`,
		`convnet_http_requests_total{code="200",route="/v1/predict"} 2`,
		`convnet_predict_capacity 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestMetrics(t *testing.T) {
	s := newTestServer(t, "lenet5", Options{})
	h := s.Handler()
	request(h, "POST", "/v1/predict", "application/json", []byte(pixelsJSON()))
	request(h, "POST", "/v1/predict", "text/plain", nil)
	request(h, "POST", "/v1/predict", "text/plain", nil)
	request(h, "GET", "/no/such/page", "", nil)
	m := request(h, "GET", "/metrics", "", nil)
	if ct := m.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{
		"# TYPE convnet_http_requests_total counter",
		`convnet_http_requests_total{code="200",route="/v1/predict"} 1`,
		`convnet_http_requests_total{code="415",route="/v1/predict"} 2`,
		`convnet_http_errors_total{code="415",route="/v1/predict"} 2`,
		`convnet_http_errors_total{code="404",route="unmatched"} 1`,
		"# TYPE convnet_http_request_duration_seconds histogram",
		`convnet_http_request_duration_seconds_bucket{route="/v1/predict",le="+Inf"} 3`,
		`convnet_http_request_duration_seconds_count{route="/v1/predict"} 3`,
		"convnet_predict_in_flight 0",
		"go_goroutines",
	} {
		if !strings.Contains(m.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestPredictDetail checks the answer against the model run directly, and
// the shapes of the feature maps, for both LeNet-5 inputs.
func TestPredictDetail(t *testing.T) {
	for _, name := range []string{"lenet5", "lenet5-32"} {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t, name, Options{})
			w := request(s.Handler(), "POST", "/v1/predict?detail=1", "image/png", encodePNG(t, digitImage(280)))
			if w.Code != 200 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			var p Prediction
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			pix := mnist.PrepareImage(digitImage(280))
			side := s.desc.Input[1]
			want := tensor.Softmax(s.model.Forward(tensor.FromSlice(mnist.Normalized(pix, side), 1, 1, side, side)), 1).Data()
			var sum float32
			for c := range want {
				sum += p.Probabilities[c]
				if d := math.Abs(float64(p.Probabilities[c] - want[c])); d > 1e-6 {
					t.Errorf("p[%d] = %v; the model says %v", c, p.Probabilities[c], want[c])
				}
				if p.Probabilities[c] > p.Probabilities[p.Class] {
					t.Errorf("class %d, but p[%d] > p[%d]", p.Class, c, p.Class)
				}
			}
			if len(p.Probabilities) != 10 || math.Abs(float64(sum-1)) > 1e-5 || p.Model != name || p.LatencyMS <= 0 {
				t.Errorf("answer %+v", p)
			}
			if len(p.Input) != 784 || fmt.Sprint(p.Input) != fmt.Sprint(pix) {
				t.Errorf("input of %d values, not the preprocessed image", len(p.Input))
			}
			if len(p.Features) != 2 {
				t.Fatalf("%d feature maps", len(p.Features))
			}
			for i, f := range []FeatureMap{{Name: "conv1", Layer: "1", Shape: []int{6, 28, 28}}, {Name: "conv2", Layer: "4", Shape: []int{16, 10, 10}}} {
				g := p.Features[i]
				if g.Name != f.Name || g.Layer != f.Layer || fmt.Sprint(g.Shape) != fmt.Sprint(f.Shape) || len(g.Data) != f.Shape[0]*f.Shape[1]*f.Shape[2] {
					t.Errorf("feature map %d: %s %s %v, %d values; want %s %s %v", i, g.Name, g.Layer, g.Shape, len(g.Data), f.Name, f.Layer, f.Shape)
				}
				lit := 0
				for _, v := range g.Data {
					if v < 0 {
						t.Fatalf("%s: %v after ReLU", g.Name, v)
					}
					if v > 0 {
						lit++
					}
				}
				if lit == 0 {
					t.Errorf("%s is all zero", g.Name)
				}
			}
			// Without detail, no maps.
			w = request(s.Handler(), "POST", "/v1/predict", "image/png", encodePNG(t, digitImage(280)))
			if strings.Contains(w.Body.String(), "features") || strings.Contains(w.Body.String(), "input") {
				t.Errorf("maps without detail=1: %.200s", w.Body)
			}
		})
	}
}

func TestModels(t *testing.T) {
	s := newTestServer(t, "lenet5-32", Options{})
	w := request(s.Handler(), "GET", "/v1/models", "", nil)
	var got struct{ Models []ModelDescription }
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || len(got.Models) != 1 {
		t.Fatalf("%v: %s", err, w.Body)
	}
	d := got.Models[0]
	if d.Name != "lenet5-32" || d.Input != [3]int{1, 32, 32} || d.Classes != 10 || d.Parameters != 61706 || d.Epoch != 3 ||
		len(d.Features) != 2 || fmt.Sprint(d.Features[1].Shape) != "[16 10 10]" || d.Features[1].Data != nil {
		t.Errorf("%+v", d)
	}
}

func TestNewRefuses(t *testing.T) {
	lenet, _ := models.New("lenet5", models.Options{})
	resnet, _ := models.New("resnet20", models.Options{})
	for _, c := range []struct {
		name  string
		model nn.Module
		want  string
	}{
		{"vgg99", lenet, "unknown model"},
		{"resnet20", resnet, "LeNet-5"},
		{"lenet5-32", lenet, "fails on a 1×1×32×32 input"}, // padded conv1: 576 features for a Linear of 400
		{"lenet5", nn.NewReLU(), "not an *nn.Sequential"},
	} {
		if _, err := New(c.model, Info{Name: c.name}, Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.name, err, c.want)
		}
	}
}

// TestConcurrentPredictions runs requests from many goroutines on one
// model (go test -race checks that they share no mutable state) and
// compares every answer with the serial one.
func TestConcurrentPredictions(t *testing.T) {
	s := newTestServer(t, "lenet5", Options{Workers: 8})
	bodies := make([][]byte, 4)
	want := make([]string, len(bodies))
	for i := range bodies {
		stroke := make([]string, 784)
		for j := range stroke {
			stroke[j] = "0"
			if j%(28+i) < 5 { // different diagonal stripes
				stroke[j] = "1"
			}
		}
		bodies[i] = []byte(pixelsJSON(stroke...))
		want[i] = probsOf(t, request(s.Handler(), "POST", "/v1/predict?detail=1", "application/json", bodies[i]))
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for k := range 8 {
				i := (g + k) % len(bodies)
				w := request(s.Handler(), "POST", "/v1/predict?detail=1", "application/json", bodies[i])
				if got := probsOf(t, w); got != want[i] {
					t.Errorf("goroutine %d: %s; serially %s", g, got, want[i])
				}
			}
		})
	}
	wg.Wait()
}

func probsOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var p Prediction
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != 200 {
		t.Errorf("%d %v", w.Code, err)
	}
	return fmt.Sprint(p.Class, p.Probabilities, p.Features)
}

// TestPageIsSelfContained checks that the page names no other origin (it
// must work offline) and that its Content-Security-Policy forbids loading
// from one.
func TestPageIsSelfContained(t *testing.T) {
	s := newTestServer(t, "lenet5", Options{})
	for _, path := range []string{"/", "/static/app.js", "/static/style.css"} {
		w := request(s.Handler(), "GET", path, "", nil)
		if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: %d, Content-Security-Policy %q", path, w.Code, w.Header().Get("Content-Security-Policy"))
		}
		for _, ref := range []string{"http:", "https:", "//cdn", "@import"} {
			if strings.Contains(w.Body.String(), ref) {
				t.Errorf("%s refers to %q", path, ref)
			}
		}
	}
}
