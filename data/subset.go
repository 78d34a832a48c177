package data

import (
	"math/rand/v2"
	"slices"
)

// BalancedSubset returns n examples of d drawn at random with the seed,
// as evenly from every class as the classes allow: the first n of a
// round-robin over the classes, each class's examples in a seeded random
// order. It returns d itself when n ≤ 0 or n ≥ d.Len().
//
// A plain prefix (Head) is no sample of a dataset stored class by class,
// as image folders are (CIFAR-10's JPEG copy holds 5,000 airplanes first):
// its first 1,000 images are all airplanes. The examples keep the order
// they have in d; a shuffling Loader reorders them anyway.
func BalancedSubset(d Dataset, n int, seed uint64) Dataset {
	if n <= 0 || n >= d.Len() {
		return d
	}
	order := make([]int, d.Len())
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })

	labels := labelsOf(d)
	var byClass [][]int // the shuffled examples of each class
	for _, i := range order {
		l := labels[i]
		for len(byClass) <= l {
			byClass = append(byClass, nil)
		}
		byClass[l] = append(byClass[l], i)
	}
	picked := make([]int, 0, n)
	for round := 0; len(picked) < n; round++ {
		for _, members := range byClass {
			if round < len(members) && len(picked) < n {
				picked = append(picked, members[round])
			}
		}
	}
	slices.Sort(picked)
	return &Subset{Dataset: d, Indexes: picked}
}

// labelsOf returns the label of every example of d, reading *Bytes's
// labels directly and asking Example of any other dataset.
func labelsOf(d Dataset) []int {
	labels := make([]int, d.Len())
	if b, ok := d.(*Bytes); ok {
		for i, l := range b.Labels {
			labels[i] = int(l)
		}
		return labels
	}
	c, h, w := d.Shape()
	buf := make([]float32, c*h*w)
	for i := range labels {
		labels[i] = max(d.Example(i, buf), 0)
	}
	return labels
}
