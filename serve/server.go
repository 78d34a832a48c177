package serve

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/convnet/convnet/data/mnist"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// Defaults of Options.
const (
	DefaultQueue             = 64
	DefaultMaxBodyBytes      = 2 << 20
	DefaultMaxImagePixels    = 2048 * 2048
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 15 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultShutdownTimeout   = 30 * time.Second
)

// Options configure a Server. The zero value of every field means its
// default.
type Options struct {
	// Workers is how many inferences run at once; 0 means GOMAXPROCS.
	Workers int
	// Queue is how many more requests may wait for a worker; beyond them
	// a request is answered 503 at once. 0 means DefaultQueue; a negative
	// value means none may wait.
	Queue int
	// MaxBodyBytes caps a request body (413 beyond it).
	MaxBodyBytes int64
	// MaxImagePixels caps the declared width × height of an image (400
	// beyond it), checked before the image is decoded: a PNG of 70 bytes
	// can declare a canvas whose decoding would take gigabytes.
	MaxImagePixels int
	// The timeouts of HTTPServer's http.Server.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds how long Serve waits for the requests in
	// flight once its context ends; then it closes their connections.
	ShutdownTimeout time.Duration
	// ErrorLog receives the http.Server's errors and recovered panics;
	// nil means the log package's standard logger.
	ErrorLog *log.Logger
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	switch {
	case o.Queue == 0:
		o.Queue = DefaultQueue
	case o.Queue < 0:
		o.Queue = 0
	}
	setDefault(&o.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&o.MaxImagePixels, DefaultMaxImagePixels)
	setDefault(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&o.ReadTimeout, DefaultReadTimeout)
	setDefault(&o.WriteTimeout, DefaultWriteTimeout)
	setDefault(&o.IdleTimeout, DefaultIdleTimeout)
	setDefault(&o.ShutdownTimeout, DefaultShutdownTimeout)
	return o
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Info describes the model served, as GET /v1/models shows it.
type Info struct {
	// Name is the model's registry name: "lenet5" or "lenet5-32".
	Name string
	// Epoch is how many epochs it was trained (0 if unknown).
	Epoch int
	// Checkpoint names where its weights came from (shown, never opened).
	Checkpoint string
}

// Server answers the API and serves the demo page. Its methods are safe for
// concurrent use.
type Server struct {
	model   *nn.Sequential
	info    Info
	desc    models.ModelInfo
	side    int   // the network's input side: 28, or 32 for lenet5-32
	classes int   // outputs of the last layer
	params  int   // parameters of the model
	taps    []tap // the layers whose outputs the page shows
	opts    Options

	admit   chan struct{} // a slot per request being served or waiting: Workers + Queue
	workers chan struct{} // a slot per inference running
	metrics *metrics
	handler http.Handler

	// hook, when set (by tests), runs in a worker slot before each
	// inference.
	hook func()
}

// tap is a layer whose output the page shows: the ReLU after a convolution.
type tap struct {
	index int    // in the Sequential
	name  string // "conv1", "conv2"
	shape []int  // C, H, W of its output for one image
}

//go:embed static
var static embed.FS

// New returns a server for model, an MNIST classifier of the registry's
// LeNet family ("lenet5", "lenet5-32", named by info.Name) built as an
// nn.Sequential. It puts the model in evaluation mode and freezes its
// parameters, so that concurrent requests record no graph and share no
// mutable state; the caller must not train it while it is served.
func New(model nn.Module, info Info, o Options) (*Server, error) {
	desc, err := models.Info(info.Name)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if desc.Family != "lenet" || desc.Input[0] != 1 || desc.Input[1] < mnist.Side || desc.Input[1] != desc.Input[2] {
		return nil, fmt.Errorf("serve: model %q takes %v images; the server serves the LeNet-5 digit classifiers (1×28×28 or 1×32×32)", info.Name, desc.Input)
	}
	seq, ok := model.(*nn.Sequential)
	if !ok {
		return nil, fmt.Errorf("serve: model %q is a %T, not an *nn.Sequential whose layers the page can show", info.Name, model)
	}
	nn.Eval(seq)
	nn.Freeze(seq)
	s := &Server{model: seq, info: info, desc: desc, side: desc.Input[1], opts: o.withDefaults()}
	s.params, _ = nn.CountParameters(seq)
	for i, l := range seq.Layers {
		if _, relu := l.(*nn.ReLU); relu && i > 0 && len(s.taps) < 2 {
			if _, conv := seq.Layers[i-1].(*nn.Conv2d); conv {
				s.taps = append(s.taps, tap{index: i, name: fmt.Sprintf("conv%d", len(s.taps)+1)})
			}
		}
	}
	if err := s.probe(); err != nil {
		return nil, err
	}
	s.admit = make(chan struct{}, s.opts.Workers+s.opts.Queue)
	s.workers = make(chan struct{}, s.opts.Workers)
	s.metrics = newMetrics(s)
	s.handler = s.routes()
	return s, nil
}

// probe runs the model once on a blank image to learn the shapes of its
// output and of the tapped layers, and to turn a model that does not fit
// its name into an error rather than a panic at the first request.
func (s *Server) probe() (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("serve: model %q fails on a 1×1×%d×%d input: %v", s.info.Name, s.side, s.side, v)
		}
	}()
	out, maps := s.forward(make([]float32, mnist.Side*mnist.Side))
	if sh := out.Shape(); len(sh) != 2 || sh[0] != 1 || sh[1] < 2 {
		return fmt.Errorf("serve: model %q gives an output of shape %v; want 1×classes", s.info.Name, sh)
	}
	s.classes = out.Shape()[1]
	for i, m := range maps {
		s.taps[i].shape = m.Shape()[1:]
	}
	return nil
}

// forward runs the 28×28 image pix (in [0, 1]) through the network layer by
// layer, and returns the logits and the outputs of the tapped layers.
func (s *Server) forward(pix []float32) (*tensor.Tensor, []*tensor.Tensor) {
	x := tensor.FromSlice(mnist.Normalized(pix, s.side), 1, 1, s.side, s.side)
	maps := make([]*tensor.Tensor, 0, len(s.taps))
	for i, l := range s.model.Layers {
		x = nn.Call(l, x)
		if len(maps) < len(s.taps) && s.taps[len(maps)].index == i {
			maps = append(maps, x)
		}
	}
	return x, maps
}

// Handler returns the server's routes, for use with any http.Server or
// httptest.Server.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/predict", s.handlePredict)
	mux.HandleFunc("GET /v1/models", s.handleModels)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.Handle("GET /{$}", page(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "index.html")
	})))
	mux.Handle("GET /static/", page(http.StripPrefix("/static/", noListing(http.FileServerFS(files)))))
	return s.limitBody(s.metrics.instrument(mux))
}

// page sets the headers of the demo page's files. Its Content-Security-
// Policy lets the page load nothing but its own files and talk to nothing
// but this server, so that a reference to a CDN fails in every browser,
// and in the end-to-end test, rather than working only when online.
func page(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// noListing answers 404 for a directory instead of listing it.
func noListing(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// limitBody caps every request body at MaxBodyBytes. It wraps the
// ResponseWriter that the server made, so that a body over the cap also
// closes the connection after the 413.
func (s *Server) limitBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
		h.ServeHTTP(w, r)
	})
}

// HTTPServer returns an http.Server for the handler with the timeouts of
// the options set: Go's defaults are none.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          s.opts.ErrorLog,
	}
}

// Serve answers requests on ln until ctx ends, then shuts down gracefully:
// it stops accepting connections and waits up to ShutdownTimeout for the
// requests in flight to finish. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.HTTPServer()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		srv.Close()
		return fmt.Errorf("serve: shutting down: %w", err)
	}
	return nil
}
