"""A bare Twisted chat server: the most this stack can do at all.

``chatroom-bench`` runs its scenarios against this beside the chatroom
server, on the same interpreter, and reports chatroom's figures beside it.
It does the work any chat server must do, and nothing more:

- the first line is a name: it answers ``WELCOME name`` and the room list
  (``ROOMS n`` and a ``ROOM`` line per room), as chatroom does;
- ``/join`` or ``/create`` puts the connection in a room: ``JOINED`` to the
  joiner and a ``JOIN room name`` notice to every other member, so a
  connect storm costs it what it costs chatroom;
- any other line goes to the room as ``MSG room user time text``, encoded
  once per message and written to each member (a bare broadcast).

No validation, limits, history, logging or member lists. It is a
``LineReceiver`` (the framing a Twisted newcomer would pick) with
TCP_NODELAY. Runs on Python 3.9 too, so PyPy can run it.
"""

from __future__ import annotations

import argparse
import resource
import time

from twisted.internet import reactor
from twisted.internet.protocol import Factory
from twisted.protocols.basic import LineReceiver

#: Room name -> its members, in joining order. (The annotations are never
#: evaluated, so PyPy's Python 3.9 takes them.)
rooms: dict[bytes, list[Baseline]] = {}


def room_list() -> bytes:
    """``ROOMS n`` and one ``ROOM name members capacity topic`` per room."""
    lines = [b"ROOMS %d\r\n" % len(rooms)]
    lines += [b"ROOM %s %d 0 \r\n" % (n, len(m)) for n, m in rooms.items()]
    return b"".join(lines)


class Baseline(LineReceiver):
    """One client: a name and a room."""

    delimiter = b"\n"
    name = b""
    room: bytes | None = None

    def connectionMade(self) -> None:
        self.transport.setTcpNoDelay(True)
        self.transport.write(b"HELLO baseline 1 hi\r\n")

    def lineReceived(self, line: bytes) -> None:
        line = line.rstrip(b"\r")
        if not self.name:
            self.name = line
            self.transport.write(b"WELCOME %s\r\n%s" % (line, room_list()))
        elif line.startswith((b"/join ", b"/create ")):
            self.room = line.split(b" ", 1)[1]
            members = rooms.setdefault(self.room, [])
            notice = b"JOIN %s %s\r\n" % (self.room, self.name)
            for member in members:
                member.transport.write(notice)
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
