package experiment_test

import (
	"os"

	"github.com/convnet/convnet/experiment"
	"github.com/convnet/convnet/train"
)

// The table Degradation's result prints: the final errors of each net, in
// Figure 6's order.
func ExampleResult_WriteTable() {
	last := func(epoch int, trainErr, testErr, seconds float64) []train.EpochMetrics {
		return []train.EpochMetrics{{Epoch: epoch, TrainAcc: 1 - trainErr, TestAcc: 1 - testErr, Seconds: seconds}}
	}
	res := &experiment.Result{Runs: []*experiment.Run{
		{Model: "plain20", Depth: 20, Params: 269722, History: last(20, 0.189, 0.202, 3600)},
		{Model: "plain56", Depth: 56, Params: 853018, History: last(20, 0.541, 0.520, 9000)},
		{Model: "resnet20", Depth: 20, Residual: true, Params: 269722, History: last(20, 0.134, 0.160, 3700)},
		{Model: "resnet56", Depth: 56, Residual: true, Params: 853018},
	}}
	res.WriteTable(os.Stdout)
	// Output:
	// net         params  epochs  train error  test error     time
	// plain-20   269,722      20        18.9%       20.2%   1h0m0s
	// plain-56   853,018      20        54.1%       52.0%  2h30m0s
	// ResNet-20  269,722      20        13.4%       16.0%  1h1m40s
	// ResNet-56  853,018       0            –           –        –
}
