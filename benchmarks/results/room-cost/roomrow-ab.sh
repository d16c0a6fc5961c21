#!/bin/bash
# A/B of room_probe, traced: main (af504592) and roomrow, alternated, two rounds.
# Roots are detached worktrees /tmp/roomrow-{main,new} (removed after).
cd /work/wt/roomrow
export PYTHONPATH=$PWD
PY=/work/main/.venv/bin/python
for round in 1 2; do
  for side in main new; do
    echo "=== round $round $side $(git -C /tmp/roomrow-$side log --oneline -1 | cut -c1-8) $(date -u +%T)"
    $PY benchmarks/room_probe.py --rooms 1000 --tracemalloc 1 --say --root /tmp/roomrow-$side --out /tmp/roomrow-p-$side
  done
done
echo "=== done $(date -u +%T)"
