package serve

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/weights"
)

// chromium is Debian's browser, which .ci/run installs.
const chromium = "/usr/bin/chromium"

// pageState is what the page shows, read back from its DOM and canvases.
type pageState struct {
	Class  string    `json:"class"`
	Bars   []float64 `json:"bars"`  // the bars' widths, in percent
	Input  float64   `json:"input"` // the sum of the input image's pixels
	Conv1  []float64 `json:"conv1"` // the sum of each map's pixels
	Conv2  []float64 `json:"conv2"`
	Status string    `json:"status"`
}

const readPage = `(() => {
	const lit = c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i]; return s; };
	const maps = id => [...document.querySelectorAll('#' + id + ' canvas')].map(lit);
	return {
		class: document.getElementById('class').textContent,
		bars: [...document.querySelectorAll('#probs .bar div')].map(b => parseFloat(b.style.width) || 0),
		input: lit(document.getElementById('input')),
		conv1: maps('conv1'), conv2: maps('conv2'),
		status: document.getElementById('status').textContent,
	};
})()`

// TestPageInChromium opens the page in headless Chromium, draws a 7 on the
// canvas with the mouse, and checks that the page shows a prediction, the
// network's input and the feature maps of conv1 and conv2; then Clear.
// It saves a screenshot, also to $CONVNET_SCREENSHOT_DIR when set. With
// $CONVNET_SERVE_MODEL naming a checkpoint the page serves it, so that the
// screenshot shows a trained network's answer; else random weights.
func TestPageInChromium(t *testing.T) {
	if _, err := exec.LookPath(chromium); err != nil {
		t.Skipf("Chromium is not installed (%v): apt-get install chromium", err)
	}
	s := newTestServer(t, "lenet5", Options{})
	if path := os.Getenv("CONVNET_SERVE_MODEL"); path != "" {
		s = serverFromCheckpoint(t, path)
	}
	ts := httptest.NewServer(s.Handler()) // on 127.0.0.1
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ctx, cancel = chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// No network here: without these Chromium's own connections fail
		// and slow it down.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 760),
	)
	defer cancel()
	ctx, cancel = chromedp.NewContext(ctx, chromedp.WithLogf(t.Logf))
	defer cancel()

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("opening the page", chromedp.Do(ctx,
		chromedp.EmulateViewport(1200, 760),
		chromedp.Navigate(ts.URL),
		chromedp.WaitVisible("#pad"),
	))
	// /v1/models has answered when the maps' canvases exist.
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('#conv2 canvas').length === 16`,
		chromedp.WithPollingTimeout(20*time.Second)))
	must("waiting for /v1/models", err)

	// Draw the stroke of the load test's 7, as a mouse does: press, move
	// in small steps with the button held, release.
	rect, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](
		`(() => { const r = document.getElementById('pad').getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; })()`))
	must("measuring the canvas", err)
	held := func(p *input.DispatchMouseEventParams) { p.Buttons = 1 }
	xy := func(f [2]float64) (float64, float64) { return rect["x"] + f[0]*rect["w"], rect["y"] + f[1]*rect["h"] }
	x, y := xy(stroke[0])
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, held, chromedp.ClickCount(1))}
	for i := 1; i < len(stroke); i++ {
		for k := 1; k <= 12; k++ {
			f := float64(k) / 12
			x, y = xy([2]float64{stroke[i-1][0] + f*(stroke[i][0]-stroke[i-1][0]), stroke[i-1][1] + f*(stroke[i][1]-stroke[i-1][1])})
			steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x, y, chromedp.ButtonLeft, held), chromedp.Sleep(15*time.Millisecond))
		}
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	must("drawing", chromedp.Do(ctx, steps...))

	// Several answers came while drawing; wait for the last one.
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`+document.body.dataset.predictions > 1 && !busy && !again`,
		chromedp.WithPollingTimeout(20*time.Second)))
	must("waiting for the prediction", err)
	st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
	must("reading the page", err)
	t.Logf("the page shows class %s, bars %.1f", st.Class, st.Bars)
	if !regexp.MustCompile(`^[0-9]$`).MatchString(st.Class) || st.Status != "" {
		t.Errorf("class %q, status %q", st.Class, st.Status)
	}
	var total float64
	for _, b := range st.Bars {
		total += b
	}
	if len(st.Bars) != 10 || total < 99 || total > 101 {
		t.Errorf("bars %v add up to %.2f%%", st.Bars, total)
	}
	if st.Input == 0 {
		t.Error("the network's input is black")
	}
	if len(st.Conv1) != 6 || len(st.Conv2) != 16 || lit(st.Conv1) == 0 || lit(st.Conv2) == 0 {
		t.Errorf("feature maps: conv1 %v, conv2 %v", st.Conv1, st.Conv2)
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must("taking a screenshot", err)
	path := filepath.Join(t.TempDir(), "serve-page.png")
	must("saving the screenshot", os.WriteFile(path, shot, 0o644))
	if dir := os.Getenv("CONVNET_SCREENSHOT_DIR"); dir != "" {
		must("copying the screenshot", os.MkdirAll(dir, 0o755))
		path = filepath.Join(dir, "serve-page.png")
		must("copying the screenshot", os.WriteFile(path, shot, 0o644))
	}
	t.Logf("screenshot: %s", path)

	// Clear empties the canvas and the answer.
	must("clicking Clear", chromedp.Do(ctx, chromedp.Click("#clear")))
	st, err = chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
	must("reading the page", err)
	if st.Class != "–" || st.Input != 0 || lit(st.Conv1) != 0 {
		t.Errorf("after Clear: %+v", st)
	}
}

// lit counts the maps with any light pixel.
func lit(sums []float64) int {
	n := 0
	for _, s := range sums {
		if s > 0 {
			n++
		}
	}
	return n
}

// serverFromCheckpoint serves a checkpoint that `convnet train` wrote,
// read with the weights package (this package knows nothing of training).
func serverFromCheckpoint(t *testing.T, path string) *Server {
	t.Helper()
	f, err := weights.ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	name := f.Metadata["model"]
	m, err := models.New(name, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := weights.LoadIntoModule(m, f, true); err != nil {
		t.Fatal(err)
	}
	epoch, _ := strconv.Atoi(f.Metadata["epoch"])
	s, err := New(m, Info{Name: name, Epoch: epoch, Checkpoint: filepath.Base(path)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
