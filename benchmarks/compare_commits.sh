#!/usr/bin/env bash
# Before/after: run benchmarks of an older commit and of this tree back to back, so both see
# the same machine load; each prints its own peer/ours ratios (one process per side).
#
#   benchmarks/compare_commits.sh cf94984                 # training import views attribution maximize server
#   benchmarks/compare_commits.sh cf94984 attribution     # only benchmarks/bench_attribution.py
#
# Outputs go to benchmarks/results/compare/<bench>_{before,after}.txt. The older tree is a
# temporary git worktree, removed at the end; both sides use this tree's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?give the commit to compare with}; shift
benches=${*:-training import views attribution maximize server}
py=${PY:-.venv/bin/python}
py="$(cd "$(dirname "$py")" && pwd)/$(basename "$py")"  # absolute, symlink kept (the venv)
out=benchmarks/results/compare; mkdir -p "$out"
before=$(mktemp -d)
git worktree add --detach --quiet "$before" "$rev"
trap 'git worktree remove --force "$before"' EXIT
for b in $benches; do
  for side in before after; do
    dir=$([ "$side" = before ] && echo "$before" || pwd)
    echo "== bench_$b, $side ($(date +%T))"
    (cd "$dir" && PYTHONPATH=src "$py" "benchmarks/bench_$b.py") > "$out/${b}_$side.txt" 2>&1 \
      || echo "   bench_$b failed on the $side side: see $out/${b}_$side.txt"
    grep -E "[0-9]x( |$)" "$out/${b}_$side.txt" || true  # the rows with a ratio
  done
done
