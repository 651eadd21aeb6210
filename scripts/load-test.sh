#!/usr/bin/env bash
# The load-proof check: run the test suite RUNS times in a row while CPU-bound processes keep
# every core busy, and stop at the first failing run. A test that passes only on an idle
# machine (a race, a deadline too tight, a sleep standing in for an event) fails here.
#
#   scripts/load-test.sh [RUNS] [PYTEST ARGS...]
#
# RUNS defaults to 5; PYTEST ARGS default to the whole suite as `make unit` runs it. The
# number of load processes is LOAD_PROCS (default 2: both cores of the CI machine), each
# pinned to a core of its own when `taskset` is there. No extra dependency: the load is a
# pure Python busy loop, ended when this script ends, however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
shift $(($# > 0 ? 1 : 0))
if (($# == 0)); then
  set -- -n auto --dist loadfile --no-loadscope-reorder
fi
python=${PYTHON:-python3}
load=${LOAD_PROCS:-2}
cores=$(nproc)

pids=()
stop_load() {
  ((${#pids[@]})) || return 0
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
}
trap stop_load EXIT
trap 'exit 130' INT TERM

# Each busy loop also ends by itself once this script is gone (even after a SIGKILL, which
# no trap sees): it checks every few milliseconds that its parent is still this shell.
busy_loop='
import os
parent = os.getppid()
while os.getppid() == parent:
    for _ in range(200_000):
        pass
'
for ((i = 0; i < load; i++)); do
  if command -v taskset >/dev/null 2>&1; then
    taskset -c $((i % cores)) "$python" -c "$busy_loop" &
  else
    "$python" -c "$busy_loop" &
  fi
  pids+=("$!")
done
echo "load: ${#pids[@]} busy loops on $cores cores (pids ${pids[*]})"

for ((run = 1; run <= runs; run++)); do
  echo "== run $run of $runs: pytest $*"
  started=$SECONDS
  if ! .venv/bin/pytest "$@"; then
    echo "== run $run of $runs FAILED after $((SECONDS - started)) s" >&2
    exit 1
  fi
  echo "== run $run of $runs passed in $((SECONDS - started)) s"
done
echo "== all $runs runs passed under load"
