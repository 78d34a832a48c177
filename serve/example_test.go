package serve_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"

	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/serve"
)

// A request to the API, answered by the handler in process.
func Example() {
	model, err := models.New("lenet5", models.Options{Seed: 1}) // or a trained checkpoint's
	if err != nil {
		log.Fatal(err)
	}
	s, err := serve.New(model, serve.Info{Name: "lenet5"}, serve.Options{})
	if err != nil {
		log.Fatal(err)
	}
	blank := `{"pixels": [` + strings.TrimSuffix(strings.Repeat("0,", 784), ",") + `]}`
	r := httptest.NewRequest("POST", "/v1/predict?detail=1", strings.NewReader(blank))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)

	var p serve.Prediction
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Code, len(p.Probabilities), "probabilities")
	for _, f := range p.Features {
		fmt.Println(f.Name, f.Shape)
	}
	// Output:
	// 200 10 probabilities
	// conv1 [6 28 28]
	// conv2 [16 10 10]
}

// Serving on loopback until an interrupt, which lets the requests in
// flight finish.
func ExampleServer_Serve() {
	model, err := models.New("lenet5", models.Options{})
	if err != nil {
		log.Fatal(err)
	}
	s, err := serve.New(model, serve.Info{Name: "lenet5"}, serve.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:8080")
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := s.Serve(ctx, ln); err != nil {
		log.Fatal(err)
	}
}
