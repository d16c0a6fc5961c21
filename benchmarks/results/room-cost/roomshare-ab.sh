#!/bin/bash
# A/B of room_probe: main (13fce1cc) and roomshare, alternated, one locked session.
cd /work/wt/roomshare
export PYTHONPATH=$PWD
PY=/work/main/.venv/bin/python
for round in 1 2; do
  for side in main new; do
    echo "=== round $round $side $(date -u +%T)"
    $PY benchmarks/room_probe.py --rooms 2000 --root /tmp/roomshare-$side --out /tmp/roomshare-p-$side
  done
done
for side in main new; do
  echo "=== traced $side $(date -u +%T)"
  $PY benchmarks/room_probe.py --rooms 1000 --tracemalloc 1 --root /tmp/roomshare-$side --out /tmp/roomshare-t-$side
done
echo "=== done $(date -u +%T)"
