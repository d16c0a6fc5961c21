"""Run in ``room_probe.py``'s measured node before ``twistd``: on ``SIGUSR2``
it writes what the node holds (RSS, allocated blocks) to
``$ROOM_PROBE_OUT.<tag>.done``, the tag read from ``$ROOM_PROBE_OUT.tag``;
with tracemalloc tracing, a snapshot beside it (``.snap``). A tag
``startN`` starts tracing (N frames) instead: from then on, so that only
what the crowd adds is traced."""

import gc
import json
import os
import signal
import sys
import tracemalloc


def _dump(signum: int, frame: object) -> None:
    out = os.environ["ROOM_PROBE_OUT"]
    with open(out + ".tag") as f:
        tag = f.read().strip()
    result = {}
    if tag.startswith("start"):
        tracemalloc.start(int(tag[5:]))
    else:
        gc.collect()
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    result["rss_kib"] = int(line.split()[1])
        result["blocks"] = sys.getallocatedblocks()
        if tracemalloc.is_tracing():
            tracemalloc.take_snapshot().dump(f"{out}.{tag}.snap")
    # Whole or not there: the probe reads it as soon as it exists.
    with open(f"{out}.{tag}.part", "w") as f:
        json.dump(result, f)
    os.replace(f"{out}.{tag}.part", f"{out}.{tag}.done")


signal.signal(signal.SIGUSR2, _dump)
