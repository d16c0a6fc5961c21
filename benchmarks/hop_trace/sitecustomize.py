"""Time a message's hops inside chatroom's servers (a diagnostic, not the product).

Put this directory on ``PYTHONPATH`` beside the project and set
``CHATROOM_HOP_TRACE=DIR``: every Python process started so (the bench's
servers and nodes) records, on the wall clock the C generator stamps its
messages with (``CLOCK_REALTIME``):

- ``C``: a client connection's read, with the generator's message ids in it
  (the sender's line; ``scheduled_us sender n`` opens each text);
- ``R``: a Redis link's read with ids in it (the subscriber link's events);
- ``W``: a Redis link's turn of commands sent (``TurnWriter.flush``), with ids
  and the bytes sent before and not yet acknowledged (``TIOCOUTQ``: with
  Nagle's algorithm on, a small send waits for them; ``CHATROOM_HOP_NODELAY=1``
  sets ``TCP_NODELAY`` on the links first);
- ``F``: the doors' flush of a turn (``Flusher._flush``), its start and end;
- ``P``: each reactor poll, its start, end and number of events.

and writes them to ``DIR/PID.pickle`` at exit. ``hops.py DIR`` reads them.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import pickle
import re
import socket
import struct
import sys
import termios
import time

_DIR = os.environ.get("CHATROOM_HOP_TRACE")


def _install(directory: str) -> None:
    from twisted.internet import tcp

    from chatroom.doors.base import sendq
    from chatroom.net import pollcap, tcpdirect

    clock = time.time
    ids = re.compile(rb"(\d{16}) \d+ (\d+)x").findall
    records: list[tuple] = []
    add = records.append

    received = tcp.Connection._dataReceived

    def _dataReceived(self, data):  # type: ignore[no-untyped-def]
        now = clock()
        if data:
            found = ids(data)
            if found:
                kind = "R" if isinstance(self, tcp.Client) else "C"
                add((kind, now, found))
        return received(self, data)

    tcp.Connection._dataReceived = _dataReceived

    flush = tcpdirect.TurnWriter.flush

    nodelay = os.environ.get("CHATROOM_HOP_NODELAY") == "1"

    def _turn_flush(self):  # type: ignore[no-untyped-def]
        if self._pending:
            sock = self._transport.socket
            if nodelay:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            found = ids(b"".join(self._pending))
            if found:
                # Bytes sent before and not yet acknowledged: with Nagle on,
                # a small send waits for them.
                unacked = struct.unpack(
                    "i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4)
                )[0]
                add(("W", clock(), found, unacked))
        return flush(self)

    tcpdirect.TurnWriter.flush = _turn_flush

    doors_flush = sendq.Flusher._flush

    def _doors_flush(self):  # type: ignore[no-untyped-def]
        start = clock()
        doors_flush(self)
        add(("F", start, clock()))

    sendq.Flusher._flush = _doors_flush

    poll = pollcap.CappedPoller.poll

    def _poll(self, timeout=-1, maxevents=-1):  # type: ignore[no-untyped-def]
        start = clock()
        events = poll(self, timeout, maxevents)
        add(("P", start, clock(), len(events)))
        return events

    pollcap.CappedPoller.poll = _poll

    def _dump() -> None:
        if not records:
            return
        path = os.path.join(directory, f"{os.getpid()}.pickle")
        with open(path, "wb") as out:
            pickle.dump({"argv": sys.argv, "records": records}, out)

    atexit.register(_dump)


if _DIR:
    with contextlib.suppress(ImportError):  # a process without the project
        _install(_DIR)
