"""What a timer wake costs a bare Twisted epoll reactor: ``wake.py HZ``
runs a LoopingCall HZ times a second for 10 s and prints the CPU taken."""

from __future__ import annotations

import sys
import time

from twisted.internet import epollreactor

epollreactor.install()

from twisted.internet import reactor, task  # noqa: E402 (after install)

hz = float(sys.argv[1])
ticks = [0]


def tick() -> None:
    ticks[0] += 1


if hz:
    task.LoopingCall(tick).start(1 / hz)
started = time.process_time()


def done() -> None:
    cpu = time.process_time() - started
    print(
        f"{hz:g}/s: {ticks[0]} ticks, cpu {cpu * 1000:.1f} ms in 10 s -> "
        f"{cpu / max(ticks[0], 1) * 1e6:.1f} us per wake"
    )
    reactor.stop()  # type: ignore[attr-defined]


reactor.callLater(10, done)  # type: ignore[attr-defined]
reactor.run()  # type: ignore[attr-defined]
