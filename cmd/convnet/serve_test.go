package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/train"
)

func TestServeWithoutCheckpoint(t *testing.T) {
	_, err := run(t, "serve", "--model", filepath.Join(t.TempDir(), "none.safetensors"))
	if err == nil || !strings.Contains(err.Error(), "go run ./cmd/convnet train lenet5") {
		t.Errorf("%v; want how to make a checkpoint", err)
	}
}

// TestServeCommand serves a checkpoint of one epoch on a few blank images,
// asks for /healthz, and stops the server as SIGTERM does.
func TestServeCommand(t *testing.T) {
	dir := t.TempDir()
	m, err := models.New("lenet5", models.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	blank := &data.Bytes{Pixels: make([]uint8, 32*784), Labels: make([]uint8, 32), C: 1, H: 28, W: 28, NumClasses: 10}
	if _, err := train.Run(context.Background(), train.Config{
		ModelName: "lenet5", ModelConfig: map[string]any{"classes": 10}, Model: m, Train: blank, Test: blank,
		Recipe: train.Recipe{Epochs: 1, BatchSize: 16, Optimizer: "adam", LR: 1e-3, Schedule: "constant"},
		OutDir: dir,
	}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	root := newRoot()
	root.SetOut(pw)
	root.SetErr(pw)
	root.SetArgs([]string{"serve", "--model", filepath.Join(dir, train.CheckpointFile), "--addr", "127.0.0.1:0"})
	done := make(chan error, 1)
	go func() {
		done <- root.ExecuteContext(ctx)
		pw.Close()
	}()
	buf := make([]byte, 512)
	n, err := pr.Read(buf)
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(string(buf[:n]))
	if err != nil || url == "" {
		t.Fatalf("%v: %q", err, buf[:n])
	}
	go io.Copy(io.Discard, pr)
	res, err := http.Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("/healthz: %s", res.Status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}
