"""Python's function calls counted inside a node, for as long as told.

``benchmarks/join_fanout.py --calls`` puts this directory on the nodes'
``PYTHONPATH`` (Python imports ``sitecustomize`` at start-up) and names a
file in ``CHATROOM_NODE_CALLS``: the node then starts ``cProfile`` on
signal ``SIGRTMIN+5`` and on ``SIGRTMIN+6`` stops and writes its stats to
that file, suffixed with its pid. The counts are exact, whatever the
machine's load; the times ``cProfile`` notes are its own, not the node's.
Without the variable this does nothing.
"""

from __future__ import annotations

import os
import signal
from types import FrameType

STARTED = signal.SIGRTMIN + 5
STOPPED = signal.SIGRTMIN + 6

if os.environ.get("CHATROOM_NODE_CALLS"):
    import cProfile

    _profiles: list[cProfile.Profile] = []

    def _start(signum: int, frame: FrameType | None) -> None:
        profile = cProfile.Profile()
        _profiles.append(profile)
        profile.enable()

    def _stop(signum: int, frame: FrameType | None) -> None:
        if _profiles:
            profile = _profiles.pop()
            profile.disable()
            path = f"{os.environ['CHATROOM_NODE_CALLS']}.{os.getpid()}"
            profile.dump_stats(path + ".part")
            os.replace(path + ".part", path)  # whole, once it is there

    signal.signal(STARTED, _start)
    signal.signal(STOPPED, _stop)
