"""``--rooms-per-hour``: how many rooms one user may make, at every door,
for every registry.

:class:`CreationContract` drives a line user and a real IRC client
(``IRCProtocol`` over ``StringTransport``); it runs against the
in-process registry (``tests/backends/local/test_creation.py``, which also moves its
clock past the hour) and the Redis one on a real redis-server
(``tests/backends/redis/test_creation.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from tests.backends.contracts.handler import ContractBase, Looks
from tests.doors.irc.test_irc import IRCClient

CONFIG = ServerConfig(rate=0, rooms=(), rooms_per_hour=2)
REFUSED = "you have made 2 rooms in the last hour: try again in 60 min"


class CreationContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def heard(self, client: IRCClient, word: str) -> Generator[Any, Any, list[str]]:
        """What ``client`` receives up to the first line with `` word `` in
        it (waiting on Redis), that line last."""
        lines: list[str] = []
        looks = Looks()
        while looks.more():
            for line in client.received():
                lines.append(line)
                if f" {word} " in line:
                    return lines
            yield looks.wait(self.wait())
        raise AssertionError(f"no {word} in {lines!r}")

    @defer.inlineCallbacks
    def test_line_user_makes_two_rooms_an_hour(self) -> Generator[Any, Any, None]:
        """lina makes two rooms; the third ``/create`` is ``ERR
        TOO_MANY_ROOMS`` saying when she may again; joining a room that
        exists is not counted, and another user may still make one."""
        lina = yield self.connect("lina")
        for room in ("one", "two"):
            lina.say(f"/create {room}")
            yield self.expect(lina, f"MEMBERS {room} ")
        lina.say("/create three")
        self.assertEqual(
            (yield self.expect(lina, "ERR ")), f"ERR TOO_MANY_ROOMS {REFUSED}"
        )
        bob = yield self.connect("bob")
        bob.say("/create three")
        yield self.expect(bob, "MEMBERS three ")
        lina.say("/join three")
        yield self.expect(lina, "MEMBERS three ")

    @defer.inlineCallbacks
    def test_irc_join_makes_two_channels_an_hour(
        self,
    ) -> Generator[Any, Any, None]:
        """``JOIN #a,#b,#c`` makes #a and #b; #c is ``405`` with the reason,
        and no room #c exists."""
        irc = IRCClient(IRCFactory(self.server))
        irc.send("NICK ian", "USER i 0 * :I", "JOIN #a,#b,#c")
        lines = yield self.heard(irc, "405")
        self.assertEqual(lines[-1], f":chatroom 405 ian #c :{REFUSED}")
        self.assertEqual(
            [line.split(" ")[2] for line in lines if " JOIN " in line], [":#a", ":#b"]
        )
        listing = yield defer.ensureDeferred(self.server.registry.rooms.list_rooms())
        self.assertEqual(sorted(info.name for info in listing.rooms), ["a", "b"])
