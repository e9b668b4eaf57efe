# Shared steps of the auto-remediation scripts (sourced, not run). Test mode walks the closed loop:
# inject the condition, see the alert fire, run the remediation, see the alert resolve.
#   REMEDIATE_FAIL="slow_queries"   scenarios whose remediation does not fix the condition (exit 1)
#   REMEDIATE_SECONDS=1             seconds the remediation takes (default 1)
remediate() {
  scenario="$1"; alert="$2"; inject="$3"; action="$4"
  if [ "${5:-}" != "--test" ]; then
    echo "usage: $0 --test   (only test mode is safe to run from a checklist)" >&2
    exit 2
  fi
  secs="${REMEDIATE_SECONDS:-1}"
  start=$(date +%s)
  echo "[$scenario] test mode: injecting condition: $inject"
  sleep 0.2
  echo "[$scenario] alert $alert FIRING (severity=critical, service=detektor)"
  echo "[$scenario] remediation: $action"
  sleep "$secs"
  case ",${REMEDIATE_FAIL:-}," in
    *",$scenario,"*)
      echo "[$scenario] alert $alert still FIRING after remediation — manual action needed" >&2
      exit 1 ;;
  esac
  echo "[$scenario] alert $alert RESOLVED"
  echo "[$scenario] remediated in $(( $(date +%s) - start )) s"
}
