"""A room's history kept by age (``--retention-age``), for every registry.

The core decides what a room keeps by age once
(:func:`chatroom.core.rules.oldest_kept`) and hands it with each message
(:attr:`Append.oldest <chatroom.core.changes.Append.oldest>`); a back-end
applies it: every stored event said before it goes, whatever its kind, and
none said after it, whatever comes before it. A sweep
(:mod:`chatroom.core.retention`) hands the same time to every room at
once, spoken in or not (:class:`~chatroom.core.changes.AgeOut`).
:class:`RetentionContract` runs on the in-process registry with its SQLite store
(``tests/backends/local/test_retention.py``) and on the Redis one on a real
redis-server (``tests/backends/redis/test_retention.py``), each on a clock
the test moves on.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.config import ServerConfig
from chatroom.core.retention import swept
from chatroom.wire.lines import parse_event
from tests.backends.contracts.handler import IRCContractBase, User
from tests.backends.contracts.rich import RichRoom
from tests.backends.contracts.tag_history import HISTORY_CAPS, in_tea, played
from tests.support import chat_core

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

    @defer.inlineCallbacks
    def sweep(self) -> Generator[Any, Any, None]:
        """The core's sweep, as a node called ``holder`` decides it now,
        applied through the back-end's one write."""
        core = chat_core(self.server)
        change = swept(AGE, core.clock.seconds(), "contract")
        yield defer.ensureDeferred(core.backend.apply(change))

    @defer.inlineCallbacks
    def messages(self, user: User, room: str) -> Generator[Any, Any, list[str]]:
        """The texts of the events ``/history`` shows ``user`` (in
        ``room``, its current one: its messages, as it keeps no joins),
        oldest first, and that the count its end gives is what it showed."""
        user.poll()
        before = len(user.lines)
        user.say("/history 10")
        end = yield self.expect(user, "HISTORY_END ")
        shown = user.lines[before : user.lines.index(end, before)]
        self.assertEqual(end, f"HISTORY_END {room} {len(shown)}")
        return [parse_event(line).text for line in shown]

    @defer.inlineCallbacks
    def test_a_sweep_ages_out_rooms_nobody_speaks_in(
        self,
    ) -> Generator[Any, Any, None]:
        """Nobody speaks after the sweep's time in tea or in coffee: what
        was said before it goes from both (coffee keeps nothing), what
        tea was told since stays; a joiner is replayed only that, and the
        next message takes the next id (ids never go back)."""
        (alice,) = yield self.in_room("tea", "alice")
        (bob,) = yield self.in_room("coffee", "bob")
        for user in (alice, bob):
            user.say("/caps ids")
            yield self.expect(user, "CAPS ")
        alice.say("old tea")
        yield self.expect(alice, "@")
        bob.say("old coffee")
        yield self.expect(bob, "@")
        self.moved_on(AGE / 2)
        alice.say("new tea")
        newest = int((yield self.expect(alice, "@")).split()[0][1:])
        self.moved_on(AGE / 2 + 1)
        self.assertEqual((yield self.messages(alice, "tea")), ["old tea", "new tea"])
        yield self.sweep()
        self.stored()
        self.assertEqual((yield self.messages(alice, "tea")), ["new tea"])
        self.assertEqual((yield self.messages(bob, "coffee")), [])
        _carol, replayed = yield self.joiner_sees("carol", "tea", 1)
        self.assertEqual(replayed, ["tea"])
        alice.say("newer tea")
        line = yield self.expect(alice, "@")
        self.assertEqual(line.split()[0], f"@{newest + 1}")

    @defer.inlineCallbacks
    def test_a_sweep_twice_is_a_sweep_once(self) -> Generator[Any, Any, None]:
        """Two sweeps at the same time (two nodes', or one's cut short and
        run again) leave what one leaves: the newer message."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("old tea")
        yield self.expect(alice, "MSG tea alice ")
        self.moved_on(AGE / 2)
        alice.say("new tea")
        yield self.expect(alice, "MSG tea alice ")
        self.moved_on(AGE / 2 + 1)
        yield self.sweep()
        yield self.sweep()
        self.stored()
        self.assertEqual((yield self.messages(alice, "tea")), ["new tea"])

    @defer.inlineCallbacks
    def test_a_sweep_takes_a_long_run_of_old_events(
        self,
    ) -> Generator[Any, Any, None]:
        """More old messages than one trim looks at in one go (Redis's
        ``AGE_LOOKS``, 100): the sweep takes them all, and leaves the newer."""
        (alice,) = yield self.in_room("tea", "alice")
        for number in range(150):
            alice.say(f"old {number}")
            yield self.expect(alice, "MSG tea alice ")
        self.moved_on(AGE / 2)
        alice.say("new tea")
        yield self.expect(alice, "MSG tea alice ")
        self.moved_on(AGE / 2 + 1)
        yield self.sweep()
        self.stored()
        self.assertEqual((yield self.messages(alice, "tea")), ["new tea"])
