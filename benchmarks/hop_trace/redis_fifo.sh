#!/bin/bash
# Usage (from the worktree root, under the bench lock): flock /work/wt/bench.lock benchmarks/hop_trace/redis_fifo.sh single-a plain-a fifo-a plain-b fifo-b single-b
# Each NAME: a traced 100,000/s sweep (cluster2; "single*" the single server; "fifo*" with its redis-server at SCHED_FIFO 1, a diagnostic), records in ${HOP_DIR:-/tmp/hops}/NAME.
# traced runs: single, cluster2 plain, cluster2 with its redis-server at SCHED_FIFO 1, alternated
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD:$PWD/benchmarks/hop_trace
for v in "$@"; do
  d=${HOP_DIR:-/tmp/hops}/$v; rm -rf $d; mkdir -p $d
  echo "== $v $(date -u +%T) $(uptime | sed 's/.*load/load/')"
  case $v in single*) srv=chatroom;; *) srv=chatroom-cluster2;; esac
  CHATROOM_HOP_TRACE=$d ${PYTHON:-.venv/bin/python} -m chatroom.bench sweep --duration 10 --warmup 2 --sweep 100000 --ceiling-steps 0 --c-servers $srv > $d.out 2>&1 &
  bench=$!
  if [[ $v == fifo* ]]; then
    for i in $(seq 1 120); do
      r=$(pgrep -P $bench -x redis-server)
      if [ -n "$r" ]; then chrt -f -p 1 $r && echo "redis $r: $(chrt -p $r | tail -1)"; break; fi
      sleep 0.5
    done
  fi
  wait $bench
  grep -A1 -E "server  offered" $d.out
  ${PYTHON:-.venv/bin/python} benchmarks/hop_trace/hops.py $d
done
echo "== end $(date -u +%T) $(uptime | sed 's/.*load/load/')"
