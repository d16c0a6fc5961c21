#!/bin/bash
# join_fanout A/B: a128d736 and this branch, two rounds alternated
for round in 3 4; do
  for tree in /tmp/plancost-main /work/wt/plancost; do
    echo "== round $round $tree $(date -u +%H:%M:%S)"
    PYTHONPATH=/work/wt/plancost timeout 400 /work/main/.venv/bin/python /work/wt/plancost/benchmarks/join_fanout.py --tree $tree --events 10000 2>&1 | tail -8
  done
done
