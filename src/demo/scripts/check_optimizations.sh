#!/bin/sh
# Prerequisite check (seed 0.1): validates the earlier optimisation milestones, prints one PASS/FAIL line per check
# and writes the same lines to optimization_report.txt (or $OPT_REPORT).
#   OPT_FAIL="cache_hit_ratio,db_pool"  make these checks fail (demo / tests)
#   OPT_DELAY=0.2                       seconds between checks
set -u
report="${OPT_REPORT:-optimization_report.txt}"
fail_list=",${OPT_FAIL:-},"
delay="${OPT_DELAY:-0.2}"
: > "$report" || { echo "cannot write $report" >&2; exit 2; }
failed=0
total=0
for check in \
  "query_latency_p95:p95 query latency 184 ms <= 250 ms" \
  "cache_hit_ratio:cache hit ratio 0.93 >= 0.90" \
  "db_pool:connection pool saturation 61% <= 80%" \
  "batch_inference:batch inference throughput 1240/s >= 1000/s" \
  "image_size:container image 182 MB <= 250 MB" \
  "cold_start:cold start 3.1 s <= 5 s"
do
  name="${check%%:*}"
  detail="${check#*:}"
  total=$((total + 1))
  sleep "$delay"
  case "$fail_list" in
    *",$name,"*) line="FAIL $name: ${detail} (regressed)"; failed=$((failed + 1)) ;;
    *) line="PASS $name: $detail" ;;
  esac
  echo "$line"
  echo "$line" >> "$report"
done
echo "$((total - failed))/$total optimisation checks passed (report: $report)"
[ "$failed" -eq 0 ]
