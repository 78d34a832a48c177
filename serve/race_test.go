//go:build race

package serve

// raceEnabled is true under go test -race, which slows the load test ten
// times: it then sends fewer requests.
const raceEnabled = true
