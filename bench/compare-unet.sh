#!/usr/bin/env bash
# Runs DataPipeline.Bench and the two PyTorch peers side by side, alternating (ours, torch 1.13,
# torch 2.6, ours, ...), under one environment, keeps each run's JSON line (DESIGN.md §6: only ratios
# measured in one session count) and ends with issue 13's table (summarize-unet.py). Usage:
#   bench/compare-unet.sh OUT_DIR RUNS CELL [CELL ...] [-- EXTRA ARGS FOR EVERY SIDE]
# A cell is CONFIG:MODE[:ARG...], its own extra arguments after the mode, e.g.
#   bench/compare-unet.sh /tmp/cmp 2 unet2d-small:train unet2d-seed:train:--warmup=5:--steps=12 -- --threads 2
# Sides: "ours" (bench/DataPipeline.Bench), "torch113" (/usr/bin/python3: Debian 12's python3-torch),
# "torch26" (shared/bench/peer-torch26.sh: Debian 13's, in a chroot; --setup it once). SIDES="ours torch113"
# runs a subset. Build first: dotnet build bench/DataPipeline.Bench -c Release
set -euo pipefail
out=$1 runs=$2
shift 2
cells=()
while [[ $# -gt 0 && $1 != -- ]]; do cells+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
extra=("$@")

here=$(cd "$(dirname "$0")/.." && pwd)
# Canonical: peer-torch26.sh sees the shared folder at its real path only, inside its chroot.
shared=$(cd "${SHARED_BENCH:-$here/../shared/bench}" && pwd -P)
ours=$here/bench/DataPipeline.Bench/bin/Release/net10.0/DataPipeline.Bench
read -r -a sides <<< "${SIDES:-ours torch113 torch26}"
# glibc's defaults page-fault large blocks back in on every step on both sides (shared/bench/README.md),
# so every side runs with the same malloc settings; the caller may override them.
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-33554432}
export MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-17179869184}
# Blocks over 32 MiB (the threshold's ceiling) are mapped fresh on every step unless mmap is off;
# our process turns it off and pads the heap's top itself (TorchRuntime, issue 13), so the peers get the same.
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

run_side() { # side config mode args...
    local side=$1 config=$2 mode=$3
    shift 3
    case $side in
        ours) "$ours" "$mode" "$shared/configs/$config.toml" "$@" ;;
        torch113) /usr/bin/python3 "$shared/peer_unet.py" "$shared/configs/$config.toml" --mode "$mode" "$@" ;;
        torch26) "$shared/peer-torch26.sh" peer_unet.py "$shared/configs/$config.toml" --mode "$mode" "$@" ;;
        *) echo "compare-unet: unknown side '$side'" >&2; return 2 ;;
    esac
}

mkdir -p "$out"
for cell in "${cells[@]}"; do
    IFS=: read -r -a fields <<< "$cell"
    config=${fields[0]} mode=${fields[1]}
    cell_args=("${fields[@]:2}")
    for run in $(seq 1 "$runs"); do
        for side in "${sides[@]}"; do
            file="$out/$config.$mode.$run.$side.txt"
            echo "== $config $mode ${cell_args[*]} run $run $side: $(wait_idle)" | tee -a "$out/log.txt"
            if run_side "$side" "$config" "$mode" "${cell_args[@]}" "${extra[@]}" > "$file"; then
                tail -n 1 "$file" >> "$out/results.jsonl"
                grep -E 'steps, median' "$file" | tee -a "$out/log.txt" || true
            else
                echo "   $side failed (exit $?): see $file" | tee -a "$out/log.txt"
            fi
        done
    done
done
"$here/bench/summarize-unet.py" "$out/results.jsonl" | tee "$out/table.md"
