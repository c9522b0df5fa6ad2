#!/usr/bin/python3
"""Issue 13's table from compare-unet.sh's results.jsonl: per network and mode, the median step of
each side (the better of its runs' medians), ours over each peer, our best step over the best peer
step of torch 1.13, and our spread (p90/median, the worse of our runs). Then each side's run medians.
Usage: summarize-unet.py RESULTS.jsonl [MORE.jsonl ...]"""

import json
import sys
from collections import defaultdict


def side_of(r):
    if r["bench"] != "peer_unet":
        return "ours"
    return "torch113" if r["torch_version"].startswith("1.13") else "torch26" if r["torch_version"].startswith("2.6") else r["torch_version"]


def p90_over_median(times):
    s = sorted(times)
    pos = 0.9 * (len(s) - 1)
    lo = int(pos)
    p90 = s[lo] + (s[min(lo + 1, len(s) - 1)] - s[lo]) * (pos - lo)
    mid = len(s) // 2
    median = s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
    return p90 / median


cells = defaultdict(lambda: defaultdict(list))
for line in (line for path in sys.argv[1:] for line in open(path) if line.strip()):
    r = json.loads(line)
    name = r["config_file"].rsplit("/", 1)[-1].removesuffix(".toml")
    cells[(name, r["mode"], r["warmup"], r["steps"])][side_of(r)].append(r)

ratio = lambda a, b: f"{a / b:.2f}x" if a and b else "n/a"
print("| network | mode | warm-up + steps | median ms: ours / torch 1.13 / torch 2.6 | ours / torch 1.13 | ours / torch 2.6 "
      "| our best step / torch 1.13's best | our p90/median |")
print("|---|---|---|---|---|---|---|---|")
for (name, mode, warmup, steps), sides in cells.items():
    med = {s: min(r["median_ms"] for r in runs) for s, runs in sides.items()}
    best = {s: min(r["min_ms"] for r in runs) for s, runs in sides.items()}
    spread = max((p90_over_median(r["times_ms"]) for r in sides.get("ours", [])), default=float("nan"))
    fmt = lambda s: f"{med[s]:.1f}" if s in med else "-"
    print(f"| {name} | {mode} | {warmup} + {steps} | {fmt('ours')} / {fmt('torch113')} / {fmt('torch26')} "
          f"| **{ratio(med.get('ours'), med.get('torch113'))}** | **{ratio(med.get('ours'), med.get('torch26'))}** "
          f"| {ratio(best.get('ours'), best.get('torch113'))} | {spread:.3f} |")
print()
print("Run medians (ms) and 1-min load at each run's start:")
for (name, mode, warmup, steps), sides in cells.items():
    runs = "; ".join(f"{s} " + ", ".join(f"{r['median_ms']:.1f} (load {r['loadavg_start_end'][0][0]:.2f})" for r in rs)
                     for s, rs in sorted(sides.items()))
    print(f"- {name} {mode}: {runs}")
