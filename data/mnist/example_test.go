package mnist_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/convnet/convnet/data/mnist"
)

func ExampleReadLabels() {
	// An IDX1 label file: magic 0x00000801, count 3, then the labels.
	file := []byte{0, 0, 8, 1, 0, 0, 0, 3, 5, 0, 4}
	labels, err := mnist.ReadLabels(bytes.NewReader(file), int64(len(file)))
	fmt.Println(labels, err)

	// The same header with one label missing.
	_, err = mnist.ReadLabels(bytes.NewReader(file[:10]), 10)
	fmt.Println(err)
	fmt.Println(errors.Is(err, io.ErrUnexpectedEOF))
	// Output:
	// [5 0 4] <nil>
	// mnist: offset 8: header claims 3 labels (3 bytes) but only 2 bytes follow: unexpected EOF
	// true
}

func ExampleLocate() {
	dir, source, err := mnist.Locate("", log.Printf) // "" : use $CONVNET_DATA or look further
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("MNIST from", source)
	train, err := mnist.Load(dir, true)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.Len(), "training examples; the first is a", train.Labels[0])
}
