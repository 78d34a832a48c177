package train

import (
	"fmt"
	"math"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// Evaluation holds a classifier's results on a dataset.
type Evaluation struct {
	Loss      float64
	Accuracy  float64
	Confusion [][]int // [true class][predicted class]
}

// PerClass returns the accuracy of each true class (NaN for a class with no
// examples).
func (e *Evaluation) PerClass() []float64 {
	out := make([]float64, len(e.Confusion))
	for i, row := range e.Confusion {
		total := 0
		for _, v := range row {
			total += v
		}
		out[i] = math.NaN()
		if total > 0 {
			out[i] = float64(row[i]) / float64(total)
		}
	}
	return out
}

// Evaluate runs model in evaluation mode over ds and returns the mean
// cross-entropy, the accuracy and the confusion matrix. It builds no graph
// and leaves the model's parameters as trainable as they were.
func Evaluate(model nn.Module, ds data.Dataset, transforms []data.Transform, batch int) (*Evaluation, error) {
	classes := ds.Classes()
	ev := &Evaluation{Confusion: make([][]int, classes)}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, classes)
	}
	err := eachPrediction(model, ds, transforms, batch, func(logits *tensor.Tensor, labels []int) error {
		loss, err := tensor.CrossEntropy(logits, labels, tensor.CrossEntropyOptions{Reduction: tensor.ReduceSum})
		if err != nil {
			return err
		}
		ev.Loss += float64(loss.Item())
		k := logits.Dim(1)
		for i, l := range labels {
			p := argmax(logits.Data()[i*k : (i+1)*k])
			if p < classes {
				ev.Confusion[l][p]++
			}
			if p == l {
				ev.Accuracy++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n := float64(ds.Len()); n > 0 {
		ev.Loss /= n
		ev.Accuracy /= n
	}
	return ev, nil
}

func evaluateLoss(model nn.Module, ds data.Dataset, transforms []data.Transform, batch int) (loss, acc float64, err error) {
	ev, err := Evaluate(model, ds, transforms, batch)
	if err != nil {
		return 0, 0, err
	}
	return ev.Loss, ev.Accuracy, nil
}

// eachPrediction runs the model over ds in order and hands each batch's
// logits and labels to fn.
func eachPrediction(model nn.Module, ds data.Dataset, transforms []data.Transform, batch int, fn func(*tensor.Tensor, []int) error) error {
	params := nn.ParameterTensors(model)
	was := make([]bool, len(params))
	for i, p := range params {
		was[i] = p.RequiresGrad()
		p.SetRequiresGrad(false)
	}
	defer func() {
		for i, p := range params {
			p.SetRequiresGrad(was[i])
		}
	}()
	nn.Eval(model)
	c, h, w := ds.Shape()
	arena := tensor.NewArena()
	loader := &data.Loader{Dataset: ds, BatchSize: batch, Transforms: transforms}
	for b := range loader.Epoch(0) {
		arena.Reset()
		logits := model.Forward(arena.FromSlice(b.Images, b.N, c, h, w))
		if logits.Rank() != 2 || logits.Dim(0) != b.N {
			return fmt.Errorf("train: model output %v for a batch of %d", logits.Shape(), b.N)
		}
		if err := fn(logits, b.Labels); err != nil {
			return err
		}
	}
	return nil
}
