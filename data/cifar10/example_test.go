package cifar10_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/data/cifar10"
)

func ExampleReadBatch() {
	// Two records: label 3 and label 12, each followed by 3,072 pixels.
	file := make([]byte, 2*cifar10.RecordBytes)
	file[0], file[cifar10.RecordBytes] = 3, 12
	_, err := cifar10.ReadBatch(bytes.NewReader(file), int64(len(file)))
	fmt.Println(err)

	b, err := cifar10.ReadBatch(bytes.NewReader(file[:cifar10.RecordBytes]), cifar10.RecordBytes)
	fmt.Println(b.Len(), cifar10.ClassNames[b.Labels[0]], err)
	// Output:
	// cifar10: record 1 (offset 3073): label 12: expected 0–9
	// 1 cat <nil>
}

func ExampleOpen() {
	// "cifar10" looks in $CONVNET_DATA, the cache folder and
	// ../shared/data/cifar10-jpeg.tar.gz; "cifar10:PATH" reads PATH.
	set, err := cifar10.Open("cifar10")
	if err != nil {
		log.Fatal(err) // says where it looked and how to download
	}
	fmt.Println("CIFAR-10 from", set.Source)
	train := &data.Loader{Dataset: set.Train, BatchSize: 128, Shuffle: true, Seed: 1,
		Transforms: cifar10.TrainTransforms()}
	test := &data.Loader{Dataset: set.Test, BatchSize: 1000, Transforms: cifar10.EvalTransforms()}
	fmt.Println(train.NumBatches(), "training batches,", test.NumBatches(), "test batches")
}
