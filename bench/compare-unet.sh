#!/usr/bin/env bash
# Runs peer_unet.py and DataPipeline.Bench side by side, alternating (peer, ours, peer, ours, ...),
# under one environment, and keeps each run's JSON line (DESIGN.md §6: only ratios measured in one
# session count). Usage:
#   bench/compare-unet.sh OUT_DIR RUNS CONFIG:MODE [CONFIG:MODE ...] [-- EXTRA ARGS FOR BOTH SIDES]
# e.g. bench/compare-unet.sh /tmp/cmp 2 unet2d-small:train unet2d-small:infer -- --threads 2
# Build first: dotnet build bench/DataPipeline.Bench -c Release
set -euo pipefail
out=$1 runs=$2
shift 2
cells=()
while [[ $# -gt 0 && $1 != -- ]]; do cells+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
extra=("$@")

here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_BENCH:-$here/../shared/bench}
ours=$here/bench/DataPipeline.Bench/bin/Release/net10.0/DataPipeline.Bench
peer=(/usr/bin/python3 "$shared/peer_unet.py")
# glibc's defaults page-fault large blocks back in on every step on both sides (shared/bench/README.md),
# so both run with the same malloc settings; the caller may override them.
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-33554432}
export MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-17179869184}
# Blocks over 32 MiB (the threshold's ceiling) are mapped fresh on every step unless mmap is off;
# our process turns it off and pads the heap's top itself (TorchRuntime, issue 13), so the peer gets the same.
export MALLOC_MMAP_MAX_=${MALLOC_MMAP_MAX_:-0}
export MALLOC_TOP_PAD_=${MALLOC_TOP_PAD_:-67108864}

# With threads = every core, another busy process stalls OpenMP's barriers; wait (up to 120 s)
# for 2 s in which the CPUs are at least 85% idle, and log what was seen.
wait_idle() {
    local tries=0 a b
    while :; do
        a=($(head -1 /proc/stat)); sleep 2; b=($(head -1 /proc/stat)); tries=$((tries + 1))
        local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
        for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
        local pct=$(( 100 * idle / (total > 0 ? total : 1) ))
        if (( pct >= 85 || tries >= 60 )); then
            echo "idle ${pct}% in the last 2 s of $((tries * 2)) s; $(uptime | sed 's/.*load/load/')"
            return
        fi
    done
}

mkdir -p "$out"
for cell in "${cells[@]}"; do
    config=${cell%%:*} mode=${cell##*:}
    for run in $(seq 1 "$runs"); do
        for side in peer ours; do
            echo "== $config $mode run $run $side: $(wait_idle)" | tee -a "$out/log.txt"
            if [[ $side == peer ]]; then
                "${peer[@]}" "$shared/configs/$config.toml" --mode "$mode" "${extra[@]}" > "$out/$config.$mode.$run.$side.txt"
            else
                "$ours" "$mode" "$shared/configs/$config.toml" "${extra[@]}" > "$out/$config.$mode.$run.$side.txt"
            fi
            tail -n 1 "$out/$config.$mode.$run.$side.txt" >> "$out/results.jsonl"
            grep -E 'steps, median' "$out/$config.$mode.$run.$side.txt" | tee -a "$out/log.txt"
        done
    done
done
