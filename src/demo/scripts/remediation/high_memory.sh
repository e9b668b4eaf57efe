#!/bin/sh
# Auto-remediation for HighMemoryUsage: restart the leaking worker pods one at a time (rolling), test mode only.
set -u
. "$(dirname "$0")/_remediate.sh"
remediate high_memory HighMemoryUsage "allocate 1.8 GiB in detection-worker-0 (limit 2 GiB)" \
  "kubectl rollout restart deployment/detection-worker --namespace detektor (maxUnavailable=1)" "${1:-}"
