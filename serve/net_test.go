package serve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// start serves s on a loopback port until the test ends. It returns the
// base URL, and Serve's run: done closes when Serve returns err.
func start(t *testing.T, s *Server, ctx context.Context) (string, *run) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &run{done: make(chan struct{})}
	go func() {
		r.err = s.Serve(ctx, ln)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return "http://" + ln.Addr().String(), r
}

type run struct {
	done chan struct{}
	err  error
}

// TestSlowClientIsCut sends a request one byte a second, in its header or
// in its body: the server must close the connection when ReadHeaderTimeout
// or ReadTimeout has passed, however steadily the bytes come.
func TestSlowClientIsCut(t *testing.T) {
	const timeout = 1500 * time.Millisecond
	for _, c := range []struct {
		name         string
		o            Options
		fast, slow   string // sent at once, then a byte a second
		wantResponse string // in the answer, if any
	}{
		{"header", Options{ReadHeaderTimeout: timeout},
			"", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nUser-Agent: a-very-slow-client\r\n\r\n", ""},
		{"body", Options{ReadTimeout: timeout},
			"POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n",
			`{"pixels": [0, 0, 0, 0, 0, 0, 0, 0, 0]}`, "408 Request Timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.o.ErrorLog = discardLog()
			base, _ := start(t, newTestServer(t, "lenet5", c.o), context.Background())
			conn, err := net.Dial("tcp", base[len("http://"):])
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			began := time.Now()
			if _, err := io.WriteString(conn, c.fast); err != nil {
				t.Fatal(err)
			}
			sent := make(chan int, 1)
			go func() {
				n := 0
				for ; n < len(c.slow); n++ {
					if _, err := io.WriteString(conn, c.slow[n:n+1]); err != nil {
						break
					}
					time.Sleep(time.Second)
				}
				sent <- n
			}()
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			got, err := io.ReadAll(conn) // until the server closes
			elapsed := time.Since(began)
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				t.Fatalf("the connection is still open after %v", elapsed)
			}
			if elapsed < timeout-100*time.Millisecond || elapsed > timeout+2*time.Second {
				t.Errorf("closed after %v; the timeout is %v", elapsed, timeout)
			}
			if bytes.Contains(got, []byte(" 200 OK")) || !bytes.Contains(got, []byte(c.wantResponse)) {
				t.Errorf("answer %q; want %q", got, c.wantResponse)
			}
			conn.Close()
			if n := <-sent; n >= len(c.slow) {
				t.Errorf("the whole request went through")
			}
		})
	}
}

// TestGracefulShutdown ends Serve's context while a request runs: the
// listener closes, the request is answered, and Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	s := newTestServer(t, "lenet5", Options{})
	entered, release := make(chan struct{}), make(chan struct{})
	s.hook = func() {
		close(entered)
		<-release
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, served := start(t, s, ctx)
	answer := make(chan error, 1)
	go func() {
		res, err := http.Post(base+"/v1/predict", "application/json", bytes.NewReader([]byte(pixelsJSON("1"))))
		if err == nil {
			defer res.Body.Close()
			if res.StatusCode != 200 {
				err = errors.New(res.Status)
			}
		}
		answer <- err
	}()
	<-entered
	cancel() // as SIGINT or SIGTERM does through the command's context
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", base[len("http://"):], time.Second)
		if err != nil {
			break // the listener is closed
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts connections")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-served.done:
		t.Fatalf("Serve returned %v with a request in flight", served.err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-answer; err != nil {
		t.Errorf("the request in flight: %v", err)
	}
	<-served.done
	if served.err != nil {
		t.Errorf("Serve: %v", served.err)
	}
}

// TestLoad sends 2,000 requests at concurrency 32 to a server on loopback,
// each a 280×280 PNG as the page sends, and requires that every one is
// answered 200. It logs the latency percentiles and the throughput:
//
//	go test -run TestLoad -v ./serve/
func TestLoad(t *testing.T) {
	n, conc := 2000, 32
	if testing.Short() || raceEnabled {
		n = 320
	}
	s := newTestServer(t, "lenet5", Options{})
	base, _ := start(t, s, context.Background())
	body := encodePNG(t, digitImage(280))
	client := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: conc},
		Timeout:   30 * time.Second,
	}
	defer client.CloseIdleConnections()
	lat := make([]time.Duration, n)
	var (
		mu    sync.Mutex
		fails = map[string]int{}
		next  = make(chan int, n)
		wg    sync.WaitGroup
	)
	for i := range n {
		next <- i
	}
	close(next)
	began := time.Now()
	for range conc {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				res, err := client.Post(base+"/v1/predict", "image/png", bytes.NewReader(body))
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != 200 {
						err = errors.New(res.Status)
					}
				}
				lat[i] = time.Since(t0)
				if err != nil {
					mu.Lock()
					fails[err.Error()]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	if len(fails) > 0 {
		t.Errorf("errors: %v", fails)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(n-1, int(p*float64(n)))] }
	t.Logf("%d requests at concurrency %d in %v: %.0f requests/s, latency p50 %v, p90 %v, p99 %v, max %v",
		n, conc, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(),
		pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond),
		pct(0.99).Round(10*time.Microsecond), lat[n-1].Round(10*time.Microsecond))
}
