package serve

import (
	"bytes"
	"image/jpeg"
	"net/http"
	"testing"
)

// FuzzPredict posts arbitrary bodies as PNG, JPEG or JSON: every answer
// must be 200 or 400 with a message, never a panic (which the handler
// would turn into 500).
//
//	go test -fuzz FuzzPredict -fuzztime 1m ./serve/
func FuzzPredict(f *testing.F) {
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, digitImage(28), nil); err != nil {
		f.Fatal(err)
	}
	f.Add(encodePNG(f, digitImage(28)), uint8(0))
	f.Add(hugePNG(f, 100000), uint8(0))
	f.Add(jpg.Bytes(), uint8(1))
	f.Add([]byte(pixelsJSON("1", "0.25")), uint8(2))
	f.Add([]byte(`{"pixels": [1e400]}`), uint8(2))
	s := newTestServer(f, "lenet5", Options{MaxImagePixels: 256 * 256, ErrorLog: discardLog()})
	types := []string{"image/png", "image/jpeg", "application/json"}
	f.Fuzz(func(t *testing.T, body []byte, kind uint8) {
		w := request(s.Handler(), "POST", "/v1/predict?detail=1", types[int(kind)%len(types)], body)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
}
