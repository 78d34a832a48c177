package train

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// BatchStatus is the running state of an epoch after a batch.
type BatchStatus struct {
	Batch, Batches int
	Loss, Acc      float64 // running means over the epoch so far
	Images         int
	Elapsed        time.Duration
}

// ImagesPerSecond is the epoch's throughput so far.
func (s BatchStatus) ImagesPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Images) / s.Elapsed.Seconds()
}

// Remaining estimates the time left in the epoch.
func (s BatchStatus) Remaining() time.Duration {
	if s.Batch == 0 {
		return 0
	}
	return time.Duration(float64(s.Elapsed) * float64(s.Batches-s.Batch) / float64(s.Batch))
}

// Progress receives a run's events: a bar on a terminal, log lines elsewhere.
type Progress interface {
	Message(msg string)
	StartEpoch(epoch, epochs, batches int)
	Batch(BatchStatus)
	EndEpoch(EpochMetrics)
}

type silent struct{}

func (silent) Message(string)           {}
func (silent) StartEpoch(int, int, int) {}
func (silent) Batch(BatchStatus)        {}
func (silent) EndEpoch(EpochMetrics)    {}

// LogProgress writes plain lines: a few per epoch and one at its end, for
// logs and pipes.
type LogProgress struct {
	W     io.Writer
	Every int // batches between lines; 0 means about 4 lines an epoch
	epoch int
	every int
}

// Message prints msg.
func (p *LogProgress) Message(msg string) { fmt.Fprintln(p.W, msg) }

// StartEpoch notes the epoch.
func (p *LogProgress) StartEpoch(epoch, _, batches int) {
	p.epoch, p.every = epoch, p.Every
	if p.every <= 0 {
		p.every = max(1, batches/4)
	}
}

// Batch prints every p.Every batches.
func (p *LogProgress) Batch(s BatchStatus) {
	if s.Batch%p.every != 0 && s.Batch != s.Batches {
		return
	}
	fmt.Fprintf(p.W, "epoch %d batch %d/%d loss %.4f acc %.2f%% %.0f img/s left %s\n", p.epoch, s.Batch, s.Batches,
		s.Loss, 100*s.Acc, s.ImagesPerSecond(), s.Remaining().Round(time.Second))
}

// EndEpoch prints the epoch's figures.
func (p *LogProgress) EndEpoch(m EpochMetrics) { fmt.Fprintln(p.W, FormatEpoch(m)) }

// FormatEpoch is the one-line summary of an epoch.
func FormatEpoch(m EpochMetrics) string {
	return fmt.Sprintf("epoch %d: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%% | lr %.3g | %.1fs",
		m.Epoch, m.TrainLoss, 100*m.TrainAcc, m.TestLoss, 100*m.TestAcc, m.LR, m.Seconds)
}

// BarProgress draws a progress bar on a terminal.
type BarProgress struct {
	W   io.Writer
	bar *progressbar.ProgressBar
}

// Message prints msg on its own line.
func (p *BarProgress) Message(msg string) { fmt.Fprintln(p.W, msg) }

// StartEpoch opens a bar for the epoch.
func (p *BarProgress) StartEpoch(epoch, epochs, batches int) {
	p.bar = progressbar.NewOptions(batches,
		progressbar.OptionSetWriter(p.W),
		progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", epoch, epochs)),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionClearOnFinish(),
	)
}

// Batch advances the bar and shows loss, accuracy, speed and time left.
func (p *BarProgress) Batch(s BatchStatus) {
	p.bar.Describe(fmt.Sprintf("loss %.4f acc %.2f%% %.0f img/s left %s", s.Loss, 100*s.Acc,
		s.ImagesPerSecond(), s.Remaining().Round(time.Second)))
	_ = p.bar.Set(s.Batch)
}

// EndEpoch closes the bar and prints the epoch's figures.
func (p *BarProgress) EndEpoch(m EpochMetrics) {
	_ = p.bar.Finish()
	fmt.Fprintln(p.W, FormatEpoch(m))
}
