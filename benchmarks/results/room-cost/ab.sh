#!/bin/bash
# A/B alternated: main (a128d736) and this branch, rounds of room_probe --say
cd /tmp/plancost-new
for round in 1 2 3; do
  for rev in main new; do
    echo "== round $round $rev $(date -u +%H:%M:%S)"
    PYTHONPATH=/tmp/plancost-$rev timeout 1200 /work/main/.venv/bin/python /tmp/plancost-new/benchmarks/room_probe.py --rooms 2000 --say --root /tmp/plancost-$rev --out /tmp/plancost-runs/p-$rev-$round 2>&1
  done
done
echo "== done $(date -u +%H:%M:%S)"
