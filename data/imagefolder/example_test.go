package imagefolder_test

import (
	"fmt"
	"log"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/data/imagefolder"
)

func ExampleOpenSplits() {
	// cifar10-jpeg.tar.gz holds cifar10-jpeg/train/<class>/*.jpg and
	// cifar10-jpeg/test/<class>/*.jpg; both splits are read in one pass,
	// without unpacking anything.
	splits, err := imagefolder.OpenSplits("cifar10-jpeg.tar.gz", []string{"train", "test"}, &imagefolder.Options{
		Progress: func(done, total int) { fmt.Printf("\rdecoded %d/%d", done, total) },
	})
	if err != nil {
		log.Fatal(err)
	}
	train := splits[0]
	fmt.Println(train.Len(), "images of", train.ClassNames)

	loader := &data.Loader{
		Dataset: train, BatchSize: 128, Shuffle: true, Seed: 1,
		Transforms: []data.Transform{data.RandomShift{Max: 4}, data.HorizontalFlip{P: 0.5}},
	}
	for b := range loader.Epoch(0) {
		_ = b // train on b.Images, b.Labels
	}
}
