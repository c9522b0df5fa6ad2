#!/usr/bin/env bash
# Nightly U-Net training for cron or a systemd timer (see docs/scheduled-training.md).
#
# Runs a study script under pwsh without prompts or progress, appends everything it prints to a
# log named by the date, and exits with pwsh's exit code, so that cron mails and systemd marks
# the unit failed when training fails. Arguments go to the study script.
#
# Settings (environment):
#   PWSH          the pwsh command (default: pwsh on PATH; e.g. "$HOME/.dotnet/tools/pwsh")
#   STUDY_SCRIPT  the .ps1 to run (default: nightly-training.ps1 next to this file)
#   LOG_DIR       where the logs go (default: $HOME/datapipeline/logs)
#
# Example crontab line, every night at 02:30:
#   30 2 * * *  /opt/datapipeline/examples/nightly-training.sh -Config /data/study.toml -DataPath /data/sarus/today
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
study=${STUDY_SCRIPT:-$here/nightly-training.ps1}
log_dir=${LOG_DIR:-$HOME/datapipeline/logs}
read -r -a pwsh <<< "${PWSH:-pwsh}"

mkdir -p "$log_dir" || exit 1
log="$log_dir/nightly-$(date +%Y%m%d).log"

echo "$(date '+%Y-%m-%d %H:%M:%S') start: ${pwsh[*]} -NoProfile -NonInteractive -File $study $*" >> "$log"
"${pwsh[@]}" -NoProfile -NonInteractive -File "$study" "$@" >> "$log" 2>&1
status=$?
echo "$(date '+%Y-%m-%d %H:%M:%S') end: exit code $status" >> "$log"

if [ "$status" -ne 0 ]; then
    # stderr reaches cron's mail and the systemd journal; the details are in the log.
    echo "nightly training failed with exit code $status; see $log" >&2
fi
exit "$status"
