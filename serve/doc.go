// Package serve is HTTP inference for a trained LeNet-5, with the lecture's
// demo page embedded in the binary: draw a digit with mouse or touch and see,
// live, the ten class probabilities, the 28×28 image the network received
// and the feature maps of its two convolutions.
//
// The server takes one model, frozen (nn.Freeze, nn.Eval) when New is
// called, so that every request runs on the same weights in parallel without
// recording a graph. No request can name a file, a URL or a model to load:
// the caller loads the model (the command line does it from a checkpoint)
// and hands it to New.
//
// # API
//
//	POST /v1/predict    body: a PNG or JPEG image (Content-Type image/png or
//	                    image/jpeg), prepared as MNIST's digits were
//	                    (mnist.Preprocess: a dark digit on light paper is
//	                    inverted), or JSON {"pixels": [784 numbers]}: a
//	                    28×28 row-major image in [0, 1], a white digit on
//	                    black as MNIST stores it, used as it is.
//	                    → {"model", "class", "probabilities", "latency_ms"};
//	                    with ?detail=1 also "input" (the 28×28 image in
//	                    [0, 1] that was normalised and fed to the network)
//	                    and "features" (the outputs of conv1 and conv2 after
//	                    their ReLU: 6×28×28 and 16×10×10 for lenet5).
//	GET  /v1/models     the model served.
//	GET  /healthz       200 while the server runs.
//	GET  /metrics       Prometheus text format: requests by route and code,
//	                    a latency histogram, errors by code, the queue.
//	GET  /              the demo page; its files under /static/.
//
// # Errors
//
// POST /v1/predict answers a failure with its status code and a JSON body
// {"error": "..."} that says what was wrong: 400 for a body that is not a
// decodable image, an image whose declared size exceeds
// Options.MaxImagePixels (checked with image.DecodeConfig before decoding),
// or JSON without exactly 784 finite pixels in [0, 1]; 408 for a body that
// does not arrive within Options.ReadTimeout; 413 for a body over
// Options.MaxBodyBytes; 415 for any content type but image/png, image/jpeg
// and application/json; 503 at once, with Retry-After, when
// Options.Workers inferences are running and Options.Queue more are
// waiting; 500 if the model panics, which validated input should never
// make it do. A wrong method is 405 and an unknown path 404, in plain text.
// New returns an error for a model it cannot serve.
//
// # Robustness
//
// The http.Server of HTTPServer has read-header, read, write and idle
// timeouts (Go's zero values are none: one byte a second would otherwise
// hold a connection for ever), and Serve shuts it down gracefully when its
// context ends: the listener closes, and the requests in flight finish.
package serve
