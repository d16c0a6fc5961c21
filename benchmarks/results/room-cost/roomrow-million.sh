#!/bin/bash
# One locked million run at 30k on 56 nodes per tree: main (af504592), then roomrow.
for side in main new; do
  echo "=== $side $(git -C /tmp/roomrow-$side log --oneline -1 | cut -c1-8) $(date -u +%T)"
  (cd /tmp/roomrow-$side && PYTHONPATH=/tmp/roomrow-$side /work/main/.venv/bin/python -m chatroom.bench million --million 30k --million-nodes 56 --million-hold 10 --million-rest 3)
done
echo "=== done $(date -u +%T)"
