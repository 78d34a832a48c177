package serve

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are a server's Prometheus metrics, in a registry of its own so
// that several servers (tests) can live in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // route, code
	errors   *prometheus.CounterVec   // route, code ≥ 400
	latency  *prometheus.HistogramVec // route
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "convnet_http_requests_total",
			Help: "HTTP requests answered, by route and status code.",
		}, []string{"route", "code"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "convnet_http_errors_total",
			Help: "HTTP requests answered with a status code of 400 or more, by route and code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "convnet_http_request_duration_seconds",
			Help: "Time from a request's arrival to its answer, by route.",
			// 0.25 ms to 4 s: an answer from LeNet-5 takes about a
			// millisecond, one queued behind a full queue a few tens.
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 15),
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.requests, m.errors, m.latency,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "convnet_predict_in_flight",
			Help: "Predict requests running or waiting for a worker.",
		}, func() float64 { return float64(len(s.admit)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "convnet_predict_running",
			Help: "Inferences running.",
		}, func() float64 { return float64(len(s.workers)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "convnet_predict_capacity",
			Help: "Predict requests that may run or wait at once; beyond them the answer is 503.",
		}, func() float64 { return float64(cap(s.admit)) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// instrument counts and times every request, labelled with the route
// pattern that the mux matched (without its method), or "unmatched": the
// labels' values come from a fixed set, never from the request's path.
func (m *metrics) instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		route := "unmatched"
		if r.Pattern != "" {
			f := strings.Fields(r.Pattern)
			route = strings.TrimSuffix(f[len(f)-1], "{$}") // "/{$}" is "/"
		}
		code := strconv.Itoa(rec.code)
		m.requests.WithLabelValues(route, code).Inc()
		if rec.code >= 400 {
			m.errors.WithLabelValues(route, code).Inc()
		}
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// recorder keeps the status code that a handler answers with.
type recorder struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.code, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
