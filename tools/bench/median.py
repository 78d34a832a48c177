"""Merges the JSON lines of several `convnet bench --json` (or torch_anchor.py) runs into one: per
workload, the median of the runs' medians, the smallest minimum and the runs added up, in the order
the workloads first appear. Used by side_by_side.sh, so that one slow round on a shared machine does
not decide a ratio.

    python3 tools/bench/median.py round1.jsonl round2.jsonl round3.jsonl > merged.jsonl
"""
import json, statistics, sys

order, rows = [], {}
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r["workload"] not in rows:
                order.append(r["workload"])
                rows[r["workload"]] = []
            rows[r["workload"]].append(r)
for name in order:
    rs = rows[name]
    print(json.dumps({"workload": name, "ms": round(statistics.median(r["ms"] for r in rs), 4),
                      "min_ms": min(r["min_ms"] for r in rs), "runs": sum(r["runs"] for r in rs),
                      "rounds": len(rs)}))
