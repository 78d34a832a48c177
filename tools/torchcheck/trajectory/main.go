// Command trajectory trains a CIFAR ResNet (or its plain twin) for a few
// SGD steps on fixed random batches and prints the loss of every step,
// after writing the initial weights and the batches for
// tools/torchcheck/trajectory.py, which runs the same steps in PyTorch:
//
//	go run ./tools/torchcheck/trajectory -model resnet56 -out /tmp/traj
//	/usr/bin/python3 tools/torchcheck/trajectory.py /tmp/traj
//
// Two correct implementations agree step by step until rounding, amplified
// by training, parts them.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/optim"
	"github.com/convnet/convnet/tensor"
	"github.com/convnet/convnet/weights"
)

func main() {
	model := flag.String("model", "resnet56", "a CIFAR network of the zoo")
	steps := flag.Int("steps", 30, "SGD steps")
	batch := flag.Int("batch", 128, "images a step")
	lr := flag.Float64("lr", 0.1, "learning rate")
	out := flag.String("out", "traj", "folder for init.pth, x.f32, y.i64 and config.txt")
	flag.Parse()
	if err := run(*model, *steps, *batch, *lr, *out); err != nil {
		log.Fatal(err)
	}
}

func run(model string, steps, batch int, lr float64, out string) error {
	m, err := models.New(model, models.Options{Seed: 1})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := weights.WritePyTorch(filepath.Join(out, "init.pth"), weights.FromModule(m)); err != nil {
		return err
	}
	rng := tensor.NewRNG(5)
	per := 3 * 32 * 32
	x := tensor.RandN(rng, 0, 1, steps*batch*per).Data()
	y := make([]int64, steps*batch)
	for i := range y {
		y[i] = int64(rng.IntN(10))
	}
	if err := writeBinary(filepath.Join(out, "x.f32"), x); err != nil {
		return err
	}
	if err := writeBinary(filepath.Join(out, "y.i64"), y); err != nil {
		return err
	}
	cfg := fmt.Sprintf("%s %d %d %g\n", model, steps, batch, lr)
	if err := os.WriteFile(filepath.Join(out, "config.txt"), []byte(cfg), 0o644); err != nil {
		return err
	}
	opt := optim.NewSGD(nn.ParameterTensors(m), optim.SGDConfig{LR: lr, Momentum: 0.9, WeightDecay: 1e-4})
	labels := make([]int, batch)
	for s := 0; s < steps; s++ {
		for i := range labels {
			labels[i] = int(y[s*batch+i])
		}
		opt.ZeroGrad()
		logits := m.Forward(tensor.FromSlice(x[s*batch*per:(s+1)*batch*per], batch, 3, 32, 32))
		loss, err := tensor.CrossEntropy(logits, labels, tensor.CrossEntropyOptions{})
		if err != nil {
			return err
		}
		fmt.Printf("step %d loss %.6f\n", s+1, loss.Data()[0])
		loss.Backward()
		opt.Step()
	}
	return nil
}

func writeBinary(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := binary.Write(f, binary.LittleEndian, v); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
