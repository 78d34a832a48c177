package models

import (
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// TestFusedInference checks that a frozen network in evaluation, whose
// convolutions run fused with their batch norms and ReLUs (nn.ConvBN),
// gives exactly the logits of the same network run layer by layer (not
// frozen, so that nothing is fused), with random batch-norm statistics.
func TestFusedInference(t *testing.T) {
	names := []string{"lenet5", "resnet20", "plain20", "resnet18", "googlenet", "alexnet", "vgg11_bn"}
	if !testing.Short() {
		names = append(names, "resnet50")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			m, err := New(name, Options{Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			rng := tensor.NewRNG(4)
			nn.Walk(m, func(_ string, sub nn.Module) {
				if bn, ok := sub.(*nn.BatchNorm2d); ok {
					for i := range bn.RunningMean.Data() {
						bn.RunningMean.Data()[i] = float32(rng.NormFloat64() * 0.3)
						bn.RunningVar.Data()[i] = float32(0.5 + rng.Float64())
						bn.Weight.Data()[i] = float32(0.5 + rng.Float64())
						bn.Bias.Data()[i] = float32(rng.NormFloat64() * 0.3)
					}
				}
			})
			info, _ := Info(name)
			x := tensor.RandN(rng, 0, 1, 2, info.Input[0], info.Input[1], info.Input[2])
			nn.Eval(m)
			layered := m.Forward(x).Clone()
			nn.Freeze(m)
			fused := m.Forward(x)
			for i, v := range fused.Data() {
				if v != layered.Data()[i] {
					t.Fatalf("logit %d: fused %v, layer by layer %v", i, v, layered.Data()[i])
				}
			}
		})
	}
}
