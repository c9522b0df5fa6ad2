#!/usr/bin/python3
"""Table of a compare-unet.sh run: per config and mode, each side's run medians, the median of
those, best steps, and the ratio ours/peer of the medians. Usage: summarize-unet.py RESULTS.jsonl [MORE.jsonl ...]"""

import json
import statistics
import sys
from collections import defaultdict

cells = defaultdict(lambda: {"peer": [], "ours": []})
for line in (line for path in sys.argv[1:] for line in open(path)):
    r = json.loads(line)
    side = "peer" if r["bench"] == "peer_unet" else "ours"
    name = r["config_file"].rsplit("/", 1)[-1].removesuffix(".toml")
    cells[(name, r["mode"], r["warmup"], r["steps"])][side].append(r)

print("| config | mode | warm-up + steps | peer medians (ms) | ours medians (ms) | peer / ours median of runs | "
      "ratio ours/peer | best step peer / ours | 1-min load at start, peer runs / ours runs |")
print("|---|---|---|---|---|---|---|---|---|")
for (name, mode, warmup, steps), sides in cells.items():
    med = {s: statistics.median(r["median_ms"] for r in runs) for s, runs in sides.items() if runs}
    best = {s: min(r["min_ms"] for r in runs) for s, runs in sides.items() if runs}
    if len(med) < 2:
        continue
    runs = lambda s: " / ".join(f"{r['median_ms']:.1f}" for r in sides[s])
    loads = " / ".join(f"{r['loadavg_start_end'][0][0]:.2f}" for s in ("peer", "ours") for r in sides[s])
    print(f"| {name} | {mode} | {warmup} + {steps} | {runs('peer')} | {runs('ours')} | "
          f"{med['peer']:.1f} / {med['ours']:.1f} | **{med['ours'] / med['peer']:.2f}** | "
          f"{best['peer']:.1f} / {best['ours']:.1f} | {loads} |")
