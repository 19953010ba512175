#!/usr/bin/env python3
"""Prints the results table of the last `cargo bench -p mqttspec-benches` run.

Reads criterion's estimates under target/criterion (or the directory given as the
first argument) and prints, per group, each codec's median throughput of the input
bytes in MiB/s with criterion's confidence interval of the median, and mqttspec's
ratio to the fastest peer measured in the same run. Standard library only.
"""

import json
import pathlib
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
OURS = ("mqttspec", "mqttspec-borrowed")
FLOOR = "memcpy"


def mib_per_s(nbytes, ns):
    return nbytes / (ns / 1e9) / 2**20


def groups():
    out = {}
    for est in sorted(ROOT.glob("*/*/new/estimates.json")):
        bench_dir = est.parent
        meta = json.loads((bench_dir / "benchmark.json").read_text())
        nbytes = (meta.get("throughput") or {}).get("Bytes")
        if not nbytes:
            continue
        median = json.loads(est.read_text())["median"]
        ci = median["confidence_interval"]
        row = (
            mib_per_s(nbytes, median["point_estimate"]),
            mib_per_s(nbytes, ci["upper_bound"]),
            mib_per_s(nbytes, ci["lower_bound"]),
        )
        out.setdefault(meta["group_id"], {})[meta["function_id"]] = row
    return out


def main():
    found = groups()
    if not found:
        sys.exit(f"no criterion estimates under {ROOT}: run cargo bench -p mqttspec-benches first")
    for group, rows in sorted(found.items()):
        peers = {k: v for k, v in rows.items() if k not in OURS and k != FLOOR}
        print(f"\n{group}")
        for name, (med, lo, hi) in sorted(rows.items(), key=lambda kv: -kv[1][0]):
            print(f"  {name:18} {med:9.0f} MiB/s  ({lo:.0f}-{hi:.0f})")
        if peers:
            best_name, (best, _, _) = max(peers.items(), key=lambda kv: kv[1][0])
            for ours in OURS:
                if ours in rows:
                    print(f"  {ours} / {best_name}: {rows[ours][0] / best:.2f}x")
        if FLOOR in rows:
            for ours in OURS:
                if ours in rows:
                    print(f"  {FLOOR} / {ours}: {rows[FLOOR][0] / rows[ours][0]:.2f}x")


if __name__ == "__main__":
    main()
