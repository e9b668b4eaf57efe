#!/bin/sh
# Auto-remediation for QueueBackup: scale the consumers out until the queue drains, test mode only.
set -u
. "$(dirname "$0")/_remediate.sh"
remediate queue_backup QueueBackup "publish 20000 messages to detections.in with consumers paused" \
  "kubectl scale deployment/detection-consumer --replicas=8 --namespace detektor" "${1:-}"
