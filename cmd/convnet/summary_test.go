package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/convnet/convnet/summary"
)

func TestParseImageShape(t *testing.T) {
	for in, want := range map[string][3]int{"3x224x224": {3, 224, 224}, "1×28×28": {1, 28, 28}, "3X32X32": {3, 32, 32}, "3,64,64": {3, 64, 64}} {
		if got, err := parseImageShape(in); err != nil || got != want {
			t.Errorf("%q: %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "224", "3x224", "3x224x224x1", "3x0x5", "3x-1x5", "axbxc"} {
		if _, err := parseImageShape(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestSummaryCommand(t *testing.T) {
	out, err := run(t, "summary", "lenet5")
	if err != nil || !strings.Contains(out, "lenet5 on 1×1×28×28") || !strings.Contains(out, "Total mult-adds: 423,038") {
		t.Errorf("summary lenet5: %v\n%s", err, out)
	}
	out, err = run(t, "summary", "lenet5-32", "--batch", "4", "--json")
	var s summary.Summary
	if err != nil || json.Unmarshal([]byte(out), &s) != nil || s.Model != "lenet5-32" || s.Input[0] != 4 {
		t.Errorf("summary --json: %v\n%s", err, out)
	}
	_, err = run(t, "summary", "lenet5-32", "--input", "1x8x8")
	if err == nil || !strings.Contains(err.Error(), "⌊(2 − 5 + 2·0)/1⌋ + 1 = −2") || !strings.Contains(err.Error(), "built for 1×32×32") {
		t.Errorf("summary of a too small input: %v", err)
	}
	if _, err = run(t, "summary", "lenet5", "--batch", "0"); err == nil {
		t.Error("summary --batch 0: no error")
	}
}

func TestModelsAndExplainCommands(t *testing.T) {
	out, err := run(t, "models", "--no-macs")
	if err != nil || !strings.Contains(out, "resnet50       3×224×224     25,557,032") {
		t.Errorf("models --no-macs: %v\n%s", err, out)
	}
	out, err = run(t, "explain", "--channels", "8", "--size", "8")
	if err != nil || !strings.Contains(out, "3,136  = 49C²") || !strings.Contains(out, "1,728  = 27C²") || !strings.Contains(out, "128,049,152") {
		t.Errorf("explain: %v\n%s", err, out)
	}
}
