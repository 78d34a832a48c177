package weights

import (
	"encoding/json"
	"fmt"
	"slices"
)

// jsonScanner reads the safetensors header: a JSON object of objects. It is
// a small scanner over the header bytes rather than encoding/json for two
// reasons. encoding/json keeps the last of two equal keys without a word,
// and a header that names a tensor twice must be refused. And its token
// stream allocates about 100 bytes per number, so a header of "0,0,0,…"
// would cost 60 times its size; here only the strings and integers that are
// kept allocate, and each is charged to the decoding budget first.
//
// The grammar is RFC 8259's. Escaped strings are handed to encoding/json to
// unescape, so that the rules for \u escapes and surrogates are the
// standard library's.
type jsonScanner struct {
	b   []byte
	i   int
	bud *budget
	off int64 // offset of b in the file, for error messages
}

const maxJSONDepth = 64

func (s *jsonScanner) errorf(format string, args ...any) error {
	return &FormatError{Format: "safetensors", Offset: s.off + int64(s.i), Msg: "header: " + fmt.Sprintf(format, args...)}
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (s *jsonScanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *jsonScanner) expect(c byte) error {
	if got := s.peek(); got != c {
		if got == 0 {
			return s.errorf("expected %q, found the end of the header", c)
		}
		return s.errorf("expected %q, found %q", c, got)
	}
	s.i++
	return nil
}

// object reads an object, calling member for each key with the scanner at
// its value; member must consume the value. Keys given twice are refused.
func (s *jsonScanner) object(depth int, member func(key string) error) error {
	if depth > maxJSONDepth {
		return s.errorf("nested more than %d deep", maxJSONDepth)
	}
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	// Keys seen so far: the first few in an array on the stack (a tensor's
	// object has three), the rest in a map.
	var small [8]string
	keys := small[:0]
	var seen map[string]struct{}
	for {
		at := s.i
		key, err := s.str()
		if err != nil {
			return err
		}
		dup := slices.Contains(keys, key)
		if seen != nil {
			_, dup = seen[key]
		}
		if dup {
			s.i = at
			return s.errorf("key %q given twice", key)
		}
		switch {
		case seen == nil && len(keys) < len(small):
			keys = append(keys, key)
		case seen == nil:
			if err := s.bud.charge(mapCost+int64(len(keys))*mapEntry16, "safetensors header"); err != nil {
				return err
			}
			seen = make(map[string]struct{}, len(keys))
			for _, k := range keys {
				seen[k] = struct{}{}
			}
			fallthrough
		default:
			if err := s.bud.charge(mapEntry16, "safetensors header"); err != nil {
				return err
			}
			seen[key] = struct{}{}
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errorf("expected ',' or '}' in object")
		}
	}
}

// array reads an array, calling elem with the scanner at each element.
func (s *jsonScanner) array(depth int, elem func() error) error {
	if depth > maxJSONDepth {
		return s.errorf("nested more than %d deep", maxJSONDepth)
	}
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.errorf("expected ',' or ']' in array")
		}
	}
}

// str reads a string. The header's UTF-8 validity is checked as a whole
// by the caller.
func (s *jsonScanner) str() (string, error) {
	if err := s.expect('"'); err != nil {
		return "", err
	}
	start := s.i - 1
	escaped := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			cost := int64(s.i-start) + 16
			if escaped {
				cost += 2*int64(s.i-start) + 1024 // encoding/json's decoder state
			}
			if err := s.bud.charge(cost, "safetensors header"); err != nil {
				return "", err
			}
			if !escaped {
				return string(s.b[start+1 : s.i-1]), nil
			}
			var out string
			if err := json.Unmarshal(s.b[start:s.i], &out); err != nil {
				s.i = start
				return "", s.errorf("bad string: %v", err)
			}
			return out, nil
		case c == '\\':
			escaped = true
			s.i += 2
		case c < 0x20:
			return "", s.errorf("control character in string")
		default:
			s.i++
		}
	}
	s.i = start
	return "", s.errorf("unterminated string")
}

// uint reads a non-negative integer no larger than max.
func (s *jsonScanner) uint(max uint64) (uint64, error) {
	s.ws()
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	digits := s.b[start:s.i]
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') || len(digits) == 0 {
		s.i = start
		return 0, s.errorf("expected a non-negative integer")
	}
	if len(digits) > 1 && digits[0] == '0' {
		s.i = start
		return 0, s.errorf("integer with a leading zero")
	}
	var v uint64
	for _, d := range digits {
		if uint64(d-'0') > max || v > (max-uint64(d-'0'))/10 {
			s.i = start
			return 0, s.errorf("integer %s out of range (at most %d)", digits, max)
		}
		v = v*10 + uint64(d-'0')
	}
	return v, nil
}

// skip reads and discards any value, checking its syntax.
func (s *jsonScanner) skip(depth int) error {
	switch c := s.peek(); {
	case c == '{':
		return s.object(depth+1, func(string) error { return s.skip(depth + 1) })
	case c == '[':
		return s.array(depth+1, func() error { return s.skip(depth + 1) })
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == 0:
		return s.errorf("expected a value, found the end of the header")
	default:
		return s.errorf("unexpected %q", c)
	}
}

func (s *jsonScanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.errorf("expected %s", word)
	}
	s.i += len(word)
	return nil
}

// number checks RFC 8259's number grammar:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func (s *jsonScanner) number() error {
	start := s.i
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	bad := func() error { s.i = start; return s.errorf("malformed number") }
	if s.b[s.i] == '-' {
		s.i++
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		return bad()
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return bad()
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return bad()
		}
	}
	return nil
}
