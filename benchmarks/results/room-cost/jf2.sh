#!/bin/bash
# join_fanout A/B, order reversed (this branch first)
for round in 5 6 7; do
  for tree in /work/wt/plancost /tmp/plancost-main; do
    echo "== round $round $tree $(date -u +%H:%M:%S)"
    PYTHONPATH=/work/wt/plancost timeout 400 /work/main/.venv/bin/python /work/wt/plancost/benchmarks/join_fanout.py --tree $tree --events 10000 2>&1 | tail -8
  done
done
