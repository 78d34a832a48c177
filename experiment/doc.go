// Package experiment reruns the experiments of the lecture's papers end to
// end, from the zoo's models and the train package's loop, and reports them
// as the papers do.
//
// # Degradation
//
// Degradation is the experiment of He et al., "Deep residual learning for
// image recognition" (CVPR 2016), §4.2 and Figure 6: on CIFAR-10, a deeper
// plain network trains to a higher training error than a shallower one
// (the degradation problem), while the same networks with identity
// shortcuts (ResNets) get better with depth. For each depth 6n+2 it trains
// plain<depth> and resnet<depth> with one recipe, one seed and the same
// data, each run in its own folder with a checkpoint after every epoch, and
// writes
//
//   - degradation.jsonl: one JSON object per net and epoch (net, depth,
//     residual, epoch, train_error, test_error, losses, learning rate,
//     seconds), rewritten after every epoch;
//   - degradation.png and degradation.svg: Figure 6's layout, plain nets
//     on the left and ResNets on the right, error (%) against epochs, one
//     colour per depth, training error thin and dashed, test error bold and
//     solid;
//   - experiment.json: the settings the runs were made with.
//
// A killed experiment resumes where it stopped: finished runs are read back
// from their checkpoints without training, and the unfinished one
// continues from its last epoch (train.Config.Resume). An output folder
// made with other settings (recipe, seed, training images) is refused
// rather than mixed.
//
// # Errors
//
// Everything here takes outside input (settings, datasets, files) and
// returns errors; nothing panics on it.
package experiment
