#!/bin/sh
# Auto-remediation for SlowQueries: cancel queries running > 30 s and refresh planner statistics, test mode only.
set -u
. "$(dirname "$0")/_remediate.sh"
remediate slow_queries SlowQueries "lock detections table for 45 s from a test session" \
  "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE now() - query_start > interval '30 s'; ANALYZE detections" "${1:-}"
