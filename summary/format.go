package summary

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText writes the summary as a table in the manner of torchinfo's,
// one row per module call, indented by depth, then the totals. maxDepth
// hides the rows deeper than it (their totals stay in the rows above);
// 0 shows every row.
func (s *Summary) WriteText(w io.Writer, maxDepth int) error {
	header := []string{"Layer", "Type", "Output shape", "Params", "Mult-adds"}
	rows := [][]string{header}
	for _, l := range s.Layers {
		if maxDepth > 0 && l.Depth > maxDepth {
			continue
		}
		name := l.Path
		if name == "" {
			name = s.Model
		}
		name = strings.Repeat("  ", max(0, l.Depth-1)) + name
		out := "--"
		switch {
		case l.NotRun:
			out = "(not run)"
		case l.Output != nil:
			out = bracketShape(l.Output)
		}
		params := count(l.Params)
		if l.Repeat {
			params = "(reused)"
		}
		rows = append(rows, []string{name, l.Type, out, params, count(l.MultAdds)})
	}
	widths := make([]int, len(header))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	total := len(widths) - 1
	for _, wd := range widths {
		total += 2 + wd
	}
	rule := strings.Repeat("=", total-2)

	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s\n%s\n", s.Model, shapeString(s.Input), rule)
	for i, r := range rows {
		for j, c := range r {
			pad := strings.Repeat(" ", widths[j]-len([]rune(c)))
			if j >= 3 { // numbers, right-aligned
				b.WriteString("  " + pad + c)
			} else {
				b.WriteString(c + pad + "  ")
			}
		}
		b.WriteString("\n")
		if i == 0 {
			b.WriteString(rule + "\n")
		}
	}
	fmt.Fprintf(&b, "%s\n", rule)
	fmt.Fprintf(&b, "Total params: %s\n", Thousands(s.TotalParams))
	fmt.Fprintf(&b, "Trainable params: %s\n", Thousands(s.TrainableParams))
	fmt.Fprintf(&b, "Non-trainable params: %s\n", Thousands(s.NonTrainableParams()))
	fmt.Fprintf(&b, "Total mult-adds: %s (%s)\n", Thousands(s.MultAdds), Readable(s.MultAdds))
	fmt.Fprintf(&b, "%s\n", rule)
	fmt.Fprintf(&b, "Input size (MB): %.2f\n", megabytes(s.InputBytes))
	fmt.Fprintf(&b, "Forward/backward pass size (MB): %.2f\n", megabytes(s.ForwardBackwardBytes))
	fmt.Fprintf(&b, "Params size (MB): %.2f\n", megabytes(s.ParamBytes))
	fmt.Fprintf(&b, "Estimated total size (MB): %.2f\n", megabytes(s.TotalBytes()))
	fmt.Fprintf(&b, "%s\n", rule)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the summary as indented JSON; json.Unmarshal reads it
// back into an equal Summary.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// Readable writes a count with torchinfo's units: "15.48 G", "148.57 M",
// "61.71 k", or the count itself below a thousand.
func Readable(n int64) string {
	f := float64(n)
	switch {
	case f >= 1e12:
		return fmt.Sprintf("%.2f T", f/1e12)
	case f >= 1e9:
		return fmt.Sprintf("%.2f G", f/1e9)
	case f >= 1e6:
		return fmt.Sprintf("%.2f M", f/1e6)
	case f >= 1e3:
		return fmt.Sprintf("%.2f k", f/1e3)
	}
	return strconv.FormatInt(n, 10)
}

func megabytes(b int64) float64 { return float64(b) / 1e6 }

// count writes n with thousands separators, "--" for zero, as torchinfo.
func count(n int64) string {
	if n == 0 {
		return "--"
	}
	return Thousands(n)
}

// Thousands writes n with commas between groups of three digits.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// bracketShape writes a shape as torch prints a size: "[1, 64, 224, 224]".
func bracketShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
