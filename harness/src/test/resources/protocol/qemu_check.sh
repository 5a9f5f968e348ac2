#!/bin/sh
# The protocol's 'check' request answered by qemu-img check: its exit code (0 clean,
# 1 cannot check, 2 corruptions, 3 leaks) goes into the JSON; exit 69 for the rest.
case "$1" in
  capabilities) echo '["check"]' ;;
  check)
    qemu-img check -f qcow2 "$2" >/dev/null 2>&1
    rc=$?
    if [ "$rc" -le 3 ]; then echo "{\"exitCode\": $rc, \"findings\": []}"; exit 0; fi
    exit "$rc" ;;
  garbled) echo 'not json' ;;
  *) echo "$1 is not supported" >&2; exit 69 ;;
esac
