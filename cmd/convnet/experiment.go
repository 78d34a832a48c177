package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/convnet/convnet/experiment"
	"github.com/convnet/convnet/train"
)

func newExperimentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "experiment",
		Short: "Rerun an experiment of the papers (degradation: ResNet paper, Figure 6)",
	}
	cmd.AddCommand(newDegradationCmd())
	return cmd
}

func newDegradationCmd() *cobra.Command {
	var (
		dataFlag string
		download bool
		depths   []int
		epochs   int
		subset   int
		seed     uint64
		initFlag string
		zeroInit bool
		out      string
		nets     []string
	)
	cmd := &cobra.Command{
		Use:   "degradation",
		Short: "Plain nets against ResNets on CIFAR-10 at several depths (He et al. 2016, §4.2, Figure 6)",
		Long: `Train plain<depth> and resnet<depth> on CIFAR-10 for every depth of --depths
(each 6n+2), all with the same recipe, seed and images, as §4.2 of He et al.,
"Deep residual learning for image recognition" (2016) does to show the
degradation problem: deeper plain nets train to a higher error, deeper ResNets
to a lower one.

The recipe is the paper's scaled to --epochs: SGD with learning rate 0.1,
momentum 0.9, weight decay 1e-4, batch 128, the rate divided by 10 at 50% and
75% of the run; random crops (padding 4) and horizontal flips. --subset trains
on that many training images, the same number from each class; the test set
is always used whole. --data is as for train. --init torch starts every net
from PyTorch's default initialisation instead of the paper's kaiming-normal:
how a CIFAR ResNet written in PyTorch without an init of its own starts, and
at learning rate 0.1 a deep ResNet learns much sooner from it.
--zero-init-residual starts the ResNets' residual branches with the weight of
their last batch norm at 0, as torchvision's zero_init_residual: every block
starts as its shortcut, and a deep ResNet as a shallow one.

Each net trains in its own folder of --out with a checkpoint after every
epoch; run the same command again to resume a stopped experiment (finished
nets are not trained again). The experiment writes degradation.jsonl (train
and test error per net and epoch), degradation.png and degradation.svg
(Figure 6's layout: plain nets left, ResNets right, training error dashed,
test error solid) and prints a table of the final errors. --nets resnet (or
plain) trains one family only; the other can be added to the same folder
later.`,
		Example: `  convnet experiment degradation --data cifar10:../shared/data/cifar10-jpeg.tar.gz --depths 20,56 --epochs 10
  convnet experiment degradation --depths 8,14 --epochs 2 --subset 2000 --out runs/degradation-small`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			torchInit, err := parseInit(initFlag)
			if err != nil {
				return err
			}
			skipPlain, skipResidual, err := parseNets(nets)
			if err != nil {
				return err
			}
			set, err := openCIFAR(cmd, dataFlag, download)
			if err != nil {
				return err
			}
			logw := cmd.ErrOrStderr()
			res, err := experiment.Degradation(cmd.Context(), experiment.Config{
				Depths: depths, Train: set.Train, Test: set.Test, Subset: subset,
				Recipe: train.ResNetCIFARRecipe(epochs), Seed: seed, OutDir: out, Progress: progressFor(logw),
				TorchInit: torchInit, ZeroInitResidual: zeroInit, SkipPlain: skipPlain, SkipResidual: skipResidual,
			})
			if res != nil && len(res.Runs) > 0 {
				w := cmd.OutOrStdout()
				fmt.Fprintln(w)
				if werr := res.WriteTable(w); werr != nil {
					return errors.Join(err, werr)
				}
				fmt.Fprintf(w, "\nlog %s; figure %s.png and .svg\n", res.Log, res.Plot)
			}
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("stopped; run the same command again to resume: %w", err)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataFlag, "data", "cifar10", "cifar10 or cifar10:PATH, as for train")
	f.BoolVar(&download, "download", false, "download the official archive (170 MB) into the cache folder when no copy is found")
	f.IntSliceVar(&depths, "depths", []int{20, 56}, "depths 6n+2, comma-separated (the paper's: 20,32,44,56)")
	f.IntVar(&epochs, "epochs", cifarEpochs, "epochs per net")
	f.IntVar(&subset, "subset", 0, "train on N images only, the same number from each class (0: all 50,000)")
	f.Uint64Var(&seed, "seed", 1, "random seed of every net's weights, the data order, augmentation and subset")
	f.StringVar(&initFlag, "init", "paper", initUsage)
	f.BoolVar(&zeroInit, "zero-init-residual", false, zeroInitUsage+" (the ResNets; the plain nets have no shortcut)")
	f.StringVar(&out, "out", filepath.Join("runs", "degradation"), "folder for the runs, the log and the figure")
	f.StringSliceVar(&nets, "nets", []string{"plain", "resnet"}, "the families to train at each depth: plain, resnet or both")
	return cmd
}

// parseNets reads --nets into the families left out.
func parseNets(nets []string) (skipPlain, skipResidual bool, err error) {
	skipPlain, skipResidual = true, true
	for _, n := range nets {
		switch n {
		case "plain":
			skipPlain = false
		case "resnet":
			skipResidual = false
		default:
			return false, false, fmt.Errorf("--nets: %q is neither plain nor resnet", n)
		}
	}
	if skipPlain && skipResidual {
		return false, false, errors.New("--nets: name plain, resnet or both")
	}
	return skipPlain, skipResidual, nil
}
