"""A room's history kept by age (``--retention-age``), for every registry.

The core decides what a room keeps by age once
(:func:`chatroom.core.policy.rules.oldest_kept`) and hands it with each message
(:attr:`Append.oldest <chatroom.core.model.changes.messages.Append.oldest>`); a back-end
applies it: every stored event said before it goes, whatever its kind, and
none said after it, whatever comes before it. A sweep
(:mod:`chatroom.core.messages.retention`) hands the same time to every room at
once, spoken in or not (:class:`~chatroom.core.model.changes.messages.AgeOut`).
:class:`RetentionContract` runs on the in-process registry with its SQLite store
(``tests/backends/local/test_retention.py``) and on the Redis one on a real
redis-server (``tests/backends/redis/test_retention.py``), each on a clock
the test moves on.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.messages.life import amended, reacted
from chatroom.core.messages.retention import swept
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import Message, Reaction, Redacted
from chatroom.core.policy.reactions import REACTIONS_PER_MESSAGE, ReactionFacts
from chatroom.wire.lines import parse_event
from tests.backends.contracts.handler import IRCContractBase, User
from tests.backends.contracts.rich import RichRoom
from tests.backends.contracts.tag_history import HISTORY_CAPS, in_tea, played
from tests.support import chat_core, seat_named

#: Events are kept a hundred seconds (IRC's keepalive asks nothing meanwhile).
AGE = 100.0
RETENTION_CONFIG = ServerConfig(
    rate=0, rooms=(), history=10, retention_age=AGE, ping_interval=3600
)

#: A second past the age of the events said before it.
LATER = AGE + 1

#: More reactions in a row than one trim by age looks at on Redis (the
#: prelude's ``AGE_LOOKS``, 100).
MANY = 120


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
        """The core's sweep, as this node decides it now (its own sweeper
        may hold the lease already: the clock moved past its interval),
        applied through the back-end's one write."""
        core = chat_core(self.server)
        change = swept(AGE, core.clock.seconds(), core.retention.holder)
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

    @defer.inlineCallbacks
    def replayed_after_the_front(
        self, carol: User, alice: User
    ) -> Generator[Any, Any, None]:
        """Past the age of what the room holds, alice says "new" (still
        young at the sweep): the sweep leaves only it. ``/history`` shows
        rich carol that alone, a joiner is replayed that alone, and the
        next message takes the next id."""
        self.moved_on(AGE / 2)
        newest = int((yield self.said(alice, carol, "new")))
        self.moved_on(AGE / 2 + 1)
        yield self.sweep()
        self.stored()
        carol.poll()
        before = len(carol.lines)
        carol.say("/history 200")
        end = yield self.expect(carol, "HISTORY_END ")
        shown = carol.lines[before : carol.lines.index(end, before)]
        self.assertEqual([line.rpartition(" ")[2] for line in shown], ["new"], shown)
        self.assertEqual(end, "HISTORY_END tea 1")
        _dave, replayed = yield self.joiner_sees("dave", "tea", 1)
        self.assertEqual(replayed, ["new"])
        self.assertEqual(int((yield self.said(alice, carol, "newer"))), newest + 1)

    @defer.inlineCallbacks
    def test_reactions_and_a_redaction_at_the_front_age_out(
        self,
    ) -> Generator[Any, Any, None]:
        """Past the room's first message, its oldest entries are more
        reactions in a row than a trim looks at in one go, a deleted
        message and the deletion: each carries the time it was accepted,
        and the sweep takes them all."""
        alice, _bob, carol = yield self.rich_room()
        hello = yield self.said(alice, carol, "hello")
        for number in range(MANY):
            carol.say(f"/{'un' if number % 2 else ''}react {hello} x")
            yield self.expect(carol, "@")
        bye = yield self.said(alice, carol, "bye")
        alice.say(f"/redact {bye}")
        yield self.expect(carol, "@")
        yield self.replayed_after_the_front(carol, alice)

    @defer.inlineCallbacks
    def test_an_older_stores_undated_entries_do_not_block(
        self,
    ) -> Generator[Any, Any, None]:
        """Reactions and a deletion as an older version stored them, with
        no time (the core's own changes, their events undated), more in a
        row than a trim looks at in one go, then a message: each goes with
        the first dated entry after it that goes (the message), and the
        sweep gets past them."""
        alice, _bob, carol = yield self.rich_room()
        hello = yield self.said(alice, carol, "hello")
        target = yield self.stored_message("carol", int(hello))
        for number in range(MANY):
            adding = number % 2 == 0
            reaction = Reaction("tea", hello, "carol", "x", adding, account="")
            facts = ReactionFacts(not adding, not adding, 0 if adding else 1)
            now = chat_core(self.server).clock.seconds()
            change = reacted(
                target, reaction, "carol", facts, now, REACTIONS_PER_MESSAGE
            )
            yield self.applied("carol", change)
            yield self.expect(carol, "@")
        bye = yield self.said(alice, carol, "bye")
        deleted = yield self.stored_message("alice", int(bye))
        redaction = Redacted("tea", bye, "alice")
        now = chat_core(self.server).clock.seconds()
        yield self.applied("alice", amended(deleted, None, redaction, now))
        yield self.expect(carol, "@")
        yield self.said(alice, carol, "later")
        yield self.replayed_after_the_front(carol, alice)

    @defer.inlineCallbacks
    def stored_message(self, name: str, number: int) -> Generator[Any, Any, Message]:
        """Message ``number`` of tea as the back-end gives it to ``name``."""
        member, session = seat_named(self.server, name)
        found = yield defer.ensureDeferred(
            chat_core(self.server).backend.messages.history(
                member, session, "tea", 1, number + 1
            )
        )
        (message,) = found
        assert isinstance(message, Message), message
        return message

    @defer.inlineCallbacks
    def applied(self, name: str, change: Any) -> Generator[Any, Any, None]:
        """``change`` applied through the back-end's one write, as
        ``name``'s."""
        member, session = seat_named(self.server, name)
        backend = chat_core(self.server).backend
        yield defer.ensureDeferred(backend.apply(change, member, session))
