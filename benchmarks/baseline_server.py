"""A bare Twisted broadcast server: the most this stack can do at all.

``chatroom-bench baseline`` runs the fan-out scenario against this and
reports chatroom's figures as a ratio to it. It speaks just enough of the
protocol for that: the first line is a name (``WELCOME``), ``/join`` or
``/create`` puts the connection in a room (``JOINED``), and any other line
goes to the room as ``MSG room user time text``, encoded once per message.
No validation, no limits, no history: only what any chat server must do.
"""

from __future__ import annotations

import argparse
import resource
import time

from twisted.internet import reactor
from twisted.internet.protocol import Factory, Protocol

rooms: dict[bytes, list[Baseline]] = {}


class Baseline(Protocol):
    """One client: a name, a room and a partial line."""

    name = b""
    room: bytes | None = None
    buffer = b""

    def connectionMade(self) -> None:
        self.transport.setTcpNoDelay(True)
        self.transport.write(b"HELLO baseline 1 hi\r\n")

    def dataReceived(self, data: bytes) -> None:
        *lines, self.buffer = (self.buffer + data).split(b"\n")
        for line in lines:
            line = line.rstrip(b"\r")
            if not self.name:
                self.name = line
                self.transport.write(b"WELCOME %s\r\n" % line)
            elif line.startswith((b"/join ", b"/create ")):
                self.room = line.split(b" ", 1)[1]
                members = rooms.setdefault(self.room, [])
                members.append(self)
                self.transport.write(b"JOINED %s %d 0\r\n" % (self.room, len(members)))
            elif self.room is not None:
                now = time.time()
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
                out = b"MSG %s %s %s.%03dZ %s\r\n" % (
                    self.room,
                    self.name,
                    stamp.encode(),
                    int(now % 1 * 1000),
                    line,
                )
                for member in rooms[self.room]:
                    member.transport.write(out)

    def connectionLost(self, reason: object = None) -> None:
        if self.room is not None:
            rooms[self.room].remove(self)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    reactor.listenTCP(port, Factory.forProtocol(Baseline), 1024, "127.0.0.1")
    reactor.run()


if __name__ == "__main__":
    main()
