package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/convnet/convnet/serve"
	"github.com/convnet/convnet/train"
)

// defaultServeModel is the checkpoint that `convnet train lenet5` writes.
var defaultServeModel = filepath.Join("runs", "lenet5", train.CheckpointFile)

func newServeCmd() *cobra.Command {
	var (
		addr, model    string
		workers, queue int
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a LeNet-5 checkpoint over HTTP, with a page to draw digits on",
		Long: `Serve a trained LeNet-5 over HTTP: a page to draw a digit on, which shows
the class probabilities, the 28×28 image the network received and the feature
maps of conv1 and conv2 while you draw; and an API:

  POST /v1/predict   a PNG or JPEG body, or JSON {"pixels": [784 numbers in [0, 1]]}
                     (?detail=1 adds the network's input and the feature maps)
  GET  /v1/models    the model served
  GET  /healthz      liveness
  GET  /metrics      Prometheus metrics

The server listens on 127.0.0.1 unless --addr says otherwise, and stops
gracefully on SIGINT or SIGTERM, finishing the requests in flight.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(model); errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("no checkpoint at %s: train one with `go run ./cmd/convnet train lenet5`, or name one with --model", model)
			}
			m, ck, err := loadCheckpointModel(model)
			if err != nil {
				return err
			}
			s, err := serve.New(m, serve.Info{Name: ck.Model, Epoch: ck.Epoch, Checkpoint: model},
				serve.Options{Workers: workers, Queue: queue})
			if err != nil {
				return fmt.Errorf("%s: %w", model, err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "serving %s (%s, epoch %d) on http://%s/\n", model, ck.Model, ck.Epoch, ln.Addr())
			if err := s.Serve(cmd.Context(), ln); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on; 0.0.0.0:8080 reaches beyond this machine")
	f.StringVar(&model, "model", defaultServeModel, "checkpoint to serve (lenet5 or lenet5-32)")
	f.IntVar(&workers, "workers", 0, "inferences run at once (default GOMAXPROCS)")
	f.IntVar(&queue, "queue", 0, fmt.Sprintf("requests that may wait for a worker before the server answers 503 (default %d)", serve.DefaultQueue))
	return cmd
}
