"""When a room was made and who set its topic when, as IRC says it
(``329`` after ``324``, ``333`` after ``332``), for every registry.

:class:`RoomTimesContract` drives a real IRC client (``IRCProtocol`` over
``StringTransport``) and a line user; it runs against the in-process
registry (``tests/backends/local/test_room_times.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_room_times.py``). The SQLite
store keeping the times across a restart is ``tests/backends/local/test_store.py``'s.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from tests.backends.contracts.handler import IRCContractBase
from tests.doors.irc.test_irc import IRCClient

CONFIG = ServerConfig(rate=0, rooms=(), history=2)


def without_batch(line: str) -> str:
    """A tagged line without its ``batch`` tag."""
    head, _, rest = line.partition(" ")
    tags = [tag for tag in head[1:].split(";") if not tag.startswith("batch=")]
    return f"@{';'.join(tags)} {rest}"


class RoomTimesContract(IRCContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    def numeric(self, lines: list[str], number: str) -> list[str]:
        """The parameters after the nick of the line ``number`` in ``lines``."""
        (line,) = [x for x in lines if x.split(" ")[1] == number]
        return line.replace(" :", " ").split(" ")[3:]

    @defer.inlineCallbacks
    def test_creation_and_topic_times(self) -> Generator[Any, Any, None]:
        """An IRC client makes #tea (``MODE #tea``: ``329`` with the time it
        was made, between two readings of the clock); line user lina sets
        the topic: ``TOPIC #tea`` and a later ``JOIN`` answer ``332`` then
        ``333 #tea lina TIME``."""
        before = int(self.server.clock.seconds())
        irc = IRCClient(IRCFactory(self.server))
        irc.send("NICK ian", "USER i 0 * :I", "JOIN #tea")
        yield self.heard(irc, "366")
        after = int(self.server.clock.seconds())
        irc.send("MODE #tea")
        lines = yield self.heard(irc, "329")
        (chan, created) = self.numeric(lines, "329")
        self.assertEqual(chan, "#tea")
        self.assertTrue(before <= int(created) <= after, (before, created, after))
        lina = yield self.connect("lina")
        lina.say("/join tea")
        yield self.expect(lina, "MEMBERS tea ")
        lina.say("/topic oolong")
        yield self.heard(irc, "TOPIC")
        set_at = int(self.server.clock.seconds())
        irc.send("TOPIC #tea")
        lines = yield self.heard(irc, "333")
        self.assertEqual(self.numeric(lines, "332"), ["#tea", "oolong"])
        chan, who, when = self.numeric(lines, "333")
        self.assertEqual((chan, who), ("#tea", "lina"))
        self.assertTrue(after <= int(when) <= set_at)
        other = IRCClient(IRCFactory(self.server))
        other.send("NICK otto", "USER o 0 * :O", "JOIN #tea")
        lines = yield self.heard(other, "366")
        numbers = [line.split(" ")[1] for line in lines]
        self.assertEqual(numbers[numbers.index("332") + 1], "333")
        self.assertEqual(self.numeric(lines, "333"), ["#tea", "lina", when])

    @defer.inlineCallbacks
    def test_topic_changes_push_no_message_out(
        self,
    ) -> Generator[Any, Any, None]:
        """With ``--history 2``, two messages and then two topic changes:
        a line user joining still gets both messages (the changes are kept,
        for IRC's event playback, but do not count)."""
        lina, bob = yield self.in_room("tea", "lina", "bob")
        for line in ("one", "two", "/topic a", "/topic b"):
            lina.say(line)
        yield self.expect(bob, "TOPIC tea lina b")
        carol, said = yield self.joiner_sees("carol", "tea", 2)
        self.assertEqual(said, ["one", "two"])
        self.assertEqual((yield self.expect(carol, "TOPIC")), "TOPIC tea lina b")

    @defer.inlineCallbacks
    def test_topic_change_played_back(self) -> Generator[Any, Any, None]:
        """A topic change is kept among the room's messages: an IRC client
        with ``draft/event-playback`` gets it from ``CHATHISTORY`` with the
        msgid and time its echo had, between the messages around it."""
        caps = "message-tags server-time echo-message batch draft/chathistory"
        irc = IRCClient(IRCFactory(self.server))
        irc.send(f"CAP REQ :{caps} draft/event-playback", "NICK ian", "USER i 0 * :I")
        irc.send("CAP END", "JOIN #tea")
        yield self.heard(irc, "366")
        echoes = []
        for line in ("PRIVMSG #tea :one", "TOPIC #tea :oolong", "PRIVMSG #tea :two"):
            irc.send(line)
            echoes += yield self.heard(irc, line.split(" ")[0])
        irc.send("CHATHISTORY LATEST #tea * 10")
        lines = yield self.heard(irc, "BATCH")  # its opening
        self.assertIn(" chathistory #tea", lines[-1])
        played = yield self.heard(irc, "BATCH")  # ... up to its end
        self.assertEqual([without_batch(line) for line in played[:-1]], echoes)
