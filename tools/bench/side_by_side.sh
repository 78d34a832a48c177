#!/bin/sh
# Times every workload of ../shared/bench/WORKLOADS.md with `convnet bench` and with PyTorch
# (../shared/bench/torch_anchor.py), one after the other, ROUNDS times (default 3), then prints
# compare.py's table of the median over the rounds for both. Run it from the repository root on a
# quiet machine:
#
#	tools/bench/side_by_side.sh [ROUNDS]
#
# The rounds' files stay in $OUT (default bench-rounds), with distance.txt: the round trip between
# CPUs 0 and 1 (tools/cpudistance) before and after each run, which tells the rounds where the host
# had placed the two far apart, when work shared between two threads slows.
#
# Each run starts $SETTLE seconds (default 10) after the one before ends: the exit of a process that
# held gigabytes (VGG-16 at batch 32) keeps a core of a small machine busy for some seconds after,
# which doubles the time of a sub-millisecond workload run then (conv/alexnet1/b1 on 2 cores: a
# median of 1.1 ms started at once, 0.62 ms started 8 s later, 3 tries each). PyTorch's import takes
# that long by itself; the pause gives both sides the same quiet start.
set -eu
rounds=${1:-3}
out=${OUT:-bench-rounds}
shared=${SHARED:-../shared/bench}
mkdir -p "$out"
go build -o "$out/convnet" ./cmd/convnet
go build -o "$out/cpudistance" ./tools/cpudistance
: >"$out/distance.txt"
distance() { echo "$1: $("$out/cpudistance" 2>&1)" >>"$out/distance.txt"; }
r=1
while [ "$r" -le "$rounds" ]; do
	sleep "${SETTLE:-10}"
	distance "ours $r"
	"$out/convnet" bench --json >"$out/ours.$r.jsonl"
	distance "ours $r, after"
	sleep "${SETTLE:-10}"
	distance "torch $r"
	/usr/bin/python3 "$shared/torch_anchor.py" >"$out/torch.$r.jsonl"
	distance "torch $r, after"
	r=$((r + 1))
done
python3 tools/bench/median.py "$out"/ours.[0-9]*.jsonl >"$out/ours.jsonl"
python3 tools/bench/median.py "$out"/torch.[0-9]*.jsonl >"$out/torch.jsonl"
python3 "$shared/compare.py" "$out/ours.jsonl" "$out/torch.jsonl"
cat "$out/distance.txt"
