#!/bin/sh
# Disaster-recovery drill (seed 4.2): deletes the service's namespace in the DR environment, restores it from the
# last Velero backup, waits until the health endpoints pass, and reports the recovery time (RTO). MUTATING.
# Streams its progress; the last line is "Total recovery time: N seconds", also written to dr_test_results.log
# (or $DR_LOG).
#   DR_RECOVERY_SECONDS=420   simulated RTO reported (demo / tests)
#   DR_STEP=0.5               real seconds per phase (the drill takes ~10 × DR_STEP)
#   DR_FAIL=restore           make the restore end PartiallyFailed (exit 1)
set -u
log="${DR_LOG:-dr_test_results.log}"
rto="${DR_RECOVERY_SECONDS:-420}"
step="${DR_STEP:-0.5}"
: > "$log" || { echo "cannot write $log" >&2; exit 2; }
out() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$log"; sleep "$step"; }
out "DR drill started (namespace detektor-dr, backup detektor-daily-20261127)"
out "disaster: kubectl delete namespace detektor-dr --wait=false"
out "namespace detektor-dr terminating… gone"
out "velero restore create dr-drill --from-backup detektor-daily-20261127"
out "restore phase: InProgress (items 112/348)"
out "restore phase: InProgress (items 348/348)"
if [ "${DR_FAIL:-}" = "restore" ]; then
  out "restore phase: PartiallyFailed (errors: 3) — see velero restore logs dr-drill"
  exit 1
fi
out "restore phase: WaitingForPluginOperations (PV snapshots)"
out "restore phase: Completed (errors: 0, warnings: 2)"
out "waiting for pods Ready: 9/9"
out "health checks: /health 200, /ready 200"
echo "Total recovery time: $rto seconds" | tee -a "$log"
