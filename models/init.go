package models

import "math/rand/v2"

// skipInit returns a generator for a layer whose parameters the model
// initialises itself right after building it. nn's constructors always draw
// torch's default initialisation first; drawn from this generator it costs
// little (for VGG's 123M classifier weights it would cost about as much as
// the initialisation kept) and takes nothing from the model's own stream,
// which is what torch.nn.utils.skip_init is for. The values it leaves are
// not random and must all be overwritten.
func skipInit() *rand.Rand { return rand.New(zeroSource{}) }

// zeroSource is a rand.Source that always yields 0.
type zeroSource struct{}

func (zeroSource) Uint64() uint64 { return 0 }
