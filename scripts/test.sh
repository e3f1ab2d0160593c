#!/usr/bin/env bash
# Sets up the machine (idempotent) and runs every test; ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export CONFIGURATION=Release
scripts/setup.sh || { echo "setup failed" >&2; echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
dotnet test --solution VidSearch.slnx --no-build -c Release --no-progress --output Detailed 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Microsoft.Testing.Platform prints one summary per run: "total: N", "failed: N", "succeeded: N", "skipped: N".
passed=$(grep -E '^\s*succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s*failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
skipped=$(grep -E '^\s*skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
rm -f "$log"
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
  failed=1  # the run failed without a failing test (a crash, a build error): never report it as green
fi
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
[ "$status" -eq 0 ]
