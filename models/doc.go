// Package models is the zoo of the lecture's networks — LeNet-5, AlexNet,
// VGG, GoogLeNet (Inception v1) and ResNet, for ImageNet and for CIFAR-10 —
// built so that, wherever torchvision has the same model, the state dict
// matches torchvision's one to one: the same keys ("features.0.weight",
// "layer1.0.bn1.running_mean"), the same shapes, in the same order. A
// torchvision checkpoint therefore loads by name with no renaming.
//
// Every model is reachable by name through a registry:
//
//	m, err := models.New("resnet18", models.Options{Classes: 10, Seed: 1})
//
// Names lists the names, Info describes one (input shape, default classes,
// parameter count). The CIFAR ResNets and their plain twins exist at every
// depth 6n+2 (resnet8, resnet14, plain8, …, up to resnet1202); Names lists
// the paper's depths only. Where the paper and torchvision differ, both are offered
// and named plainly: "alexnet" is torchvision's single-GPU AlexNet,
// "alexnet-paper" the 2012 paper's two-GPU net with grouped convolutions and
// local response normalisation.
//
// Families are built from tables, as their papers describe them: VGG from
// the configurations A–E of Simonyan & Zisserman's Table 1, ResNets from a
// block type and four block counts, GoogLeNet from seven numbers per
// Inception module, the CIFAR ResNets of He et al. §4.2 from their depth
// 6n+2. Module names come from struct fields (registered under torchvision's
// names) and Sequential indexes only.
//
// Initialisation follows each family's torchvision code (or, where
// torchvision has no such model, its paper), drawn from a generator seeded
// with Options.Seed, so the same options build the same network, bit for
// bit. Dropout layers get their own streams, derived from the same seed
// (nn.SeedDropout).
//
// Errors and panics: New and Info return an error for an unknown name (it
// lists the known ones) and for options the model cannot take. A model is
// an nn.Module: feeding it an input of the wrong shape is a programmer error
// and panics, as every nn layer does; Info gives the input shape each model
// is built for.
package models
