#!/usr/bin/env bash
# Python figures (tools/bench_python.py): Fixer.fix against zhfix --jsonl on
# 100-character records, 4 threads against 1, Dask with one and two
# workers.  Run by `make bench` with the package installed in
# $BUILD/venv (make python).  Reports; asserts nothing.
set -euo pipefail
venv=${BUILD:-build}/venv
[ -x "$venv/bin/python" ] || { echo "bench: $venv missing (make python)"; exit 1; }
exec nice -n 0 "$venv/bin/python" "$(dirname "$0")/bench_python.py" "$@"
