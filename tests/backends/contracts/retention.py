"""A room's history kept by age (``--retention-age``), for every registry.

The core decides what a room keeps by age once
(:func:`chatroom.core.rules.oldest_kept`) and hands it with each message
(:attr:`Append.oldest <chatroom.core.changes.Append.oldest>`); a back-end
applies it: every stored event said before it goes, whatever its kind, and
none said after it, whatever comes before it. :class:`RetentionContract`
runs on the in-process registry with its SQLite store
(``tests/backends/local/test_retention.py``) and on the Redis one on a real
redis-server (``tests/backends/redis/test_retention.py``), each on a clock
the test moves on.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.config import ServerConfig
from tests.backends.contracts.handler import IRCContractBase
from tests.backends.contracts.rich import RichRoom
from tests.backends.contracts.tag_history import HISTORY_CAPS, in_tea, played

#: Events are kept a hundred seconds (IRC's keepalive asks nothing meanwhile).
AGE = 100.0
RETENTION_CONFIG = ServerConfig(
    rate=0, rooms=(), history=10, retention_age=AGE, ping_interval=3600
)

#: A second past the age of the events said before it.
LATER = AGE + 1


class RetentionContract(IRCContractBase, RichRoom):
    """Subclasses mix in a TestCase and provide ``server`` and
    :meth:`moved_on` (its clock: a ``task.Clock``, or the real reactor's
    moved on)."""

    def moved_on(self, seconds: float) -> None:
        """The server's clock moves on ``seconds``."""
        raise NotImplementedError

    def stored(self) -> None:
        """What was said is written and trimmed: nothing to wait for where
        the message's own step trims (Redis)."""

    @defer.inlineCallbacks
    def test_old_events_of_every_kind_go_newer_ones_stay(
        self,
    ) -> Generator[Any, Any, None]:
        """A message, a topic change and a tags-only message said long ago
        all go once a message is said past the age; the topic change said
        since, before that message, stays: IRC's event playback gives back
        the new topic change and the new message, as echoed."""
        ian = yield in_tea(self, "ian", *HISTORY_CAPS.split(), "draft/event-playback")
        for line in ("PRIVMSG #tea :one", "TOPIC #tea :old", "@+x/tag=old TAGMSG #tea"):
            ian.send(line)
            yield self.heard(ian, line.split(" ")[-2])
        self.moved_on(LATER)
        echoes = []
        for line in ("TOPIC #tea :new", "PRIVMSG #tea :two"):
            ian.send(line)
            echoes += yield self.heard(ian, line.split(" ")[0])
        self.stored()
        self.assertEqual((yield played(self, ian)), echoes)

    @defer.inlineCallbacks
    def test_reactions_go_by_their_age_too(self) -> Generator[Any, Any, None]:
        """A reaction (an event that carries no time of its own) said long
        ago goes with the old messages around it; one said since stays,
        though it is now the oldest event kept: carol (``/caps rich``) is
        shown it, and the new message, by ``/history``."""
        alice, _bob, carol = yield self.rich_room()
        hello = yield self.said(alice, carol, "hello")
        carol.say(f"/react {hello} old")
        yield self.expect(carol, "@")
        yield self.said(alice, carol, "bye")
        self.moved_on(LATER)
        carol.say(f"/react {hello} new")
        yield self.expect(carol, "@")
        yield self.said(alice, carol, "again")
        self.stored()
        carol.poll()
        before = len(carol.lines)
        carol.say("/history 10")
        end = yield self.expect(carol, "HISTORY_END ")
        shown = [line for line in carol.lines[before:] if line[0] == "@"]
        self.assertEqual(
            [line.rpartition(" ")[2] for line in shown], ["new", "again"], shown
        )
        self.assertEqual(end, "HISTORY_END tea 2")
