#!/usr/bin/env bash
# Runs test binaries, shows their output, and totals cmocka's counts into one line
# ("LABEL: N passed, N failed", then ", N skipped" when some were).
set -u
flavour=$1
case "$flavour" in */san) label=sanitized ;; postgresql) label=postgresql ;; *) label=plain ;; esac
shift
passed=0
failed=0
skipped=0
bad_bins=()
for bin in "$@"; do
  out=$("$bin" 2>&1)
  rc=$?
  printf '%s\n' "$out"
  p=$(printf '%s\n' "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
  f=$(printf '%s\n' "$out" | sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
  s=$(printf '%s\n' "$out" | sed -n 's/.*\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${s:-0}))
  if [ "$rc" -ne 0 ]; then
    if [ "$rc" -gt 128 ]; then
      echo "$(basename "$bin"): ended by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null))"
    elif [ -z "$f" ]; then
      echo "$(basename "$bin"): exit status $rc without a cmocka summary"
    fi
    bad_bins+=("$(basename "$bin")")
    [ -z "$f" ] && failed=$((failed + 1))
  fi
done
echo
if [ "$skipped" -gt 0 ]; then
  echo "$label: $passed passed, $failed failed, $skipped skipped"
else
  echo "$label: $passed passed, $failed failed"
fi
if [ ${#bad_bins[@]} -gt 0 ]; then
  echo "$label run, failing binaries: ${bad_bins[*]}"
  exit 1
fi
