package weights_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/weights"
)

func ExampleLoadIntoModule() {
	bn := nn.NewBatchNorm2d(2)
	f := &weights.File{Tensors: weights.FromModule(bn)}
	f.Tensors[0].Shape, f.Tensors[0].Data = []int{3}, []float32{1, 2, 3} // "weight" of the wrong size

	err := weights.LoadIntoModule(bn, f, true)
	fmt.Println(err)
	// Output:
	// weights: Error(s) in loading state_dict for BatchNorm2d:
	// 	size mismatch for weight: copying a param with shape torch.Size([3]) from checkpoint, the shape in current model is torch.Size([2]).
}

func ExampleWriteSafetensors() {
	dir, err := os.MkdirTemp("", "weights")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bn.safetensors")

	bn := nn.NewBatchNorm2d(2)
	if err := weights.WriteSafetensors(path, weights.FromModule(bn), map[string]string{"model": "bn"}); err != nil {
		log.Fatal(err)
	}
	f, err := weights.Read(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range f.Tensors {
		fmt.Println(t.Name, t.Shape, t.Data)
	}
	fmt.Println(f.Metadata["model"], weights.LoadIntoModule(nn.NewBatchNorm2d(2), f, true))
	// Output:
	// weight [2] [1 1]
	// bias [2] [0 0]
	// running_mean [2] [0 0]
	// running_var [2] [1 1]
	// num_batches_tracked [] [0]
	// bn <nil>
}

func ExampleReadPyTorch() {
	// A checkpoint saved by torch.save({"model": model.state_dict(),
	// "epoch": 3, "optimizer": …}): the state dict is found under "model".
	f, err := weights.ReadPyTorch("testdata/torch_checkpoint.pth")
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range f.Tensors[:3] {
		fmt.Println(t.Name, t.Shape)
	}
	// Output:
	// 0.weight [2 1 3 3]
	// 0.bias [2]
	// 1.weight [2]
}
