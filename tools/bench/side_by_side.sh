#!/bin/sh
# Times every workload of ../shared/bench/WORKLOADS.md with `convnet bench` and with PyTorch
# (../shared/bench/torch_anchor.py), one after the other, ROUNDS times (default 3), then prints
# compare.py's table of the median over the rounds for both. Run it from the repository root on a
# quiet machine:
#
#	tools/bench/side_by_side.sh [ROUNDS]
#
# The rounds' files stay in $OUT (default bench-rounds).
set -eu
rounds=${1:-3}
out=${OUT:-bench-rounds}
shared=${SHARED:-../shared/bench}
mkdir -p "$out"
go build -o "$out/convnet" ./cmd/convnet
r=1
while [ "$r" -le "$rounds" ]; do
	"$out/convnet" bench --json >"$out/ours.$r.jsonl"
	/usr/bin/python3 "$shared/torch_anchor.py" >"$out/torch.$r.jsonl"
	r=$((r + 1))
done
python3 tools/bench/median.py "$out"/ours.[0-9]*.jsonl >"$out/ours.jsonl"
python3 tools/bench/median.py "$out"/torch.[0-9]*.jsonl >"$out/torch.jsonl"
python3 "$shared/compare.py" "$out/ours.jsonl" "$out/torch.jsonl"
