package models

import "github.com/convnet/convnet/nn"

// hasResidualBranches reports whether the model's blocks add a residual
// branch to a shortcut: the ImageNet ResNets and the CIFAR ResNets, not
// their plain twins.
func hasResidualBranches(info ModelInfo) bool {
	if info.Family == "cifar-resnet" {
		_, residual, _ := parseCIFARName(info.Name)
		return residual
	}
	return info.Family == "resnet"
}

// zeroInitResidual sets the weight of the last batch norm of every residual
// branch to 0, as torchvision's ResNet does with zero_init_residual (bn2 of
// a basic block, bn3 of a bottleneck): every block then passes its shortcut
// on unchanged until training moves that weight.
func zeroInitResidual(m nn.Module) {
	nn.Walk(m, func(_ string, l nn.Module) {
		switch b := l.(type) {
		case *BasicBlock:
			b.BN2.Weight.Fill(0)
		case *Bottleneck:
			b.BN3.Weight.Fill(0)
		case *CIFARBlock:
			if b.Residual {
				b.BN2.Weight.Fill(0)
			}
		}
	})
}
