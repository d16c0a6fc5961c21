#!/bin/bash
# Messages spread over 100 s (20 a second): more than a plan's idle time
cd /tmp/plancost-new
for rev in main new; do
  echo "== slow $rev $(date -u +%H:%M:%S)"
  PYTHONPATH=/tmp/plancost-$rev timeout 1200 /work/main/.venv/bin/python /tmp/plancost-new/benchmarks/room_probe.py --rooms 2000 --say --rate 20 --root /tmp/plancost-$rev --out /tmp/plancost-runs/s-$rev 2>&1
done
echo "== done $(date -u +%H:%M:%S)"
