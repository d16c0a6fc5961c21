"""Changes of messages said before, their premises failing between the
decision and the apply, for both back-ends.

The core decides an edit, a redaction or a reaction on the stored message
as read (and, for a reaction, on who reacted with what, as read) and hands
the back-end one :class:`~chatroom.core.model.changes.base.DecidedChange` through
:meth:`~chatroom.core.backend.Backend.apply`.
:class:`MessagePremisesContract` makes such a change as the core would
(:func:`chatroom.core.messages.life.amended`,
:func:`chatroom.core.messages.life.reacted`), lets another user change the
message before it is applied, and checks that the back-end applies nothing
(nobody hears it) and refuses, so the core decides again. It runs against
the in-process back-end (``tests/backends/local/test_message_premises.py``)
and Redis (``tests/backends/redis/test_message_premises.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.messages.life import amended, reacted
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.messages import Append, RoomMessages
from chatroom.core.model.events import Edited, Message, Reaction, Redacted, TagMessage
from chatroom.core.policy.reactions import ReactionFacts
from tests.backends.contracts.handler import User
from tests.backends.contracts.say_premises import PremisesBase

STAMP = "2026-11-26 10:00:00"


class MessagePremisesContract(PremisesBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def rich_room(self, *names: str) -> Generator[Any, Any, list[User]]:
        """``names`` in room tea, each hearing edits and reactions as such."""
        users = yield self.in_room("tea", *names)
        for user in users:
            user.say("/caps rich")
            yield self.expect(user, "CAPS ")
        return users

    @defer.inlineCallbacks
    def stored(
        self, speaker: User, name: str, text: str, *users: User
    ) -> Generator[Any, Any, Message]:
        """``speaker`` (called ``name``) says ``text``, heard by ``users``:
        the message as the room keeps it (as the core reads it)."""
        speaker.say(text)
        for user in (speaker, *users):
            yield self.expect(user, f"MSG tea {name} ")
        member, session = self.seat(name)
        newest = yield self.done(
            self.core().backend.messages.history(member, session, "tea", 1, None)
        )
        (message,) = newest
        assert isinstance(message, Message) and message.text == text, newest
        return message

    def applied_by(self, name: str, change: DecidedChange) -> defer.Deferred[None]:
        member, session = self.seat(name)
        return self.done(self.core().backend.apply(change, member, session))

    @defer.inlineCallbacks
    def test_an_edit_decided_before_a_redaction_brings_nothing_back(
        self,
    ) -> Generator[Any, Any, None]:
        """Bob's edit was decided on his message as read; he redacts it on
        another device before the edit is applied: refused (the message is
        not as read), nobody sees the edit, and the message stays gone."""
        lina, bob = yield self.rich_room("lina", "bob")
        message = yield self.stored(bob, "bob", "tpyo", lina)
        edit = Edited("tea", message.id, "bob", STAMP, "typo")
        change = amended(message, Message("tea", "bob", STAMP, "typo"), edit, 0.0)
        bob.say(f"/redact {message.id}")
        for user in (lina, bob):
            yield self.expect(user, "REDACT tea ")
        yield self.refused(self.applied_by("bob", change))
        yield self.nobody_heard("typo", bob, lina, bob, shown=("EDIT",))
        lina.say(f"/edit {message.id} typo")
        yield self.expect(lina, "ERR NO_SUCH_MESSAGE ")

    @defer.inlineCallbacks
    def test_a_redaction_decided_before_an_edit_keeps_the_edit(
        self,
    ) -> Generator[Any, Any, None]:
        """Lina's redaction of Bob's message was decided on it as read; Bob
        edits it before the redaction is applied: refused, nobody sees it
        redacted, and the edited message stays."""
        lina, bob = yield self.rich_room("lina", "bob")
        message = yield self.stored(bob, "bob", "first words", lina)
        redaction = Redacted("tea", message.id, "lina")
        change = amended(message, None, redaction, 0.0)
        bob.say(f"/edit {message.id} better words")
        for user in (lina, bob):
            yield self.expect(user, "EDIT tea ")
        yield self.refused(self.applied_by("lina", change))
        yield self.nobody_heard("REDACT", bob, lina, bob, shown=("REDACT",))
        member, session = self.seat("lina")
        kept = yield self.done(
            self.core().messages.life.message(member, session, "tea", int(message.id))
        )
        self.assertEqual(kept.text, "better words")

    @defer.inlineCallbacks
    def test_a_reaction_given_meanwhile_is_not_given_twice(
        self,
    ) -> Generator[Any, Any, None]:
        """Bob's reaction was decided on his not having given it; he gives
        it from another device before it is applied: refused (his reaction
        is not as read), so the room hears it once, and taking it back once
        takes it away."""
        lina, bob = yield self.rich_room("lina", "bob")
        message = yield self.stored(lina, "lina", "tea?", bob)
        event = Reaction("tea", message.id, "bob", "+1")
        facts = ReactionFacts(mine=False, given=False, distinct=0)
        change = reacted(message, event, "bob", facts, 0.0, 20)
        bob.say(f"/react {message.id} +1")
        for user in (lina, bob):
            yield self.expect(user, "REACT tea ")
        yield self.refused(self.applied_by("bob", change))
        yield self.nobody_heard("REACT", lina, lina, bob, shown=("REACT",))
        bob.say(f"/unreact {message.id} +1")
        yield self.expect(lina, "UNREACT tea ")
        bob.say(f"/unreact {message.id} +1")  # nothing left to take back
        lina.say("after the second")
        heard = yield self.expect(lina, "MSG tea lina ")
        self.assertTrue(heard.endswith(" after the second"), heard)
        self.assertFalse([line for line in lina.unread() if "UNREACT" in line])

    @defer.inlineCallbacks
    def test_a_reaction_past_the_most_allowed_meanwhile_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """Bob's new reaction was decided on the message carrying one
        distinct reaction, under a most of two (the operand the core
        computed); Cid adds a second before it is applied: the message would
        carry three, so it is refused and nobody hears it."""
        lina, bob, cid = yield self.rich_room("lina", "bob", "cid")
        message = yield self.stored(lina, "lina", "tea?", bob, cid)
        lina.say(f"/react {message.id} a")
        for user in (lina, bob, cid):
            yield self.expect(user, "REACT tea ")
        event = Reaction("tea", message.id, "bob", "b")
        facts = ReactionFacts(mine=False, given=False, distinct=1)
        change = reacted(message, event, "bob", facts, 0.0, 2)
        cid.say(f"/react {message.id} c")
        for user in (lina, bob, cid):
            yield self.expect(user, "REACT tea ")
        yield self.refused(self.applied_by("bob", change))
        yield self.nobody_heard("REACT", lina, lina, cid, shown=("REACT",))

    @defer.inlineCallbacks
    def test_a_tags_only_message_from_one_who_left_is_not_kept(
        self,
    ) -> Generator[Any, Any, None]:
        """A tags-only message by Bob, applied after he left the room, is
        refused (``NOT_IN_ROOM``): the room hears nothing of it."""
        lina, bob = yield self.rich_room("lina", "bob")
        event = TagMessage("tea", "bob", (("+example", "1"),), STAMP)
        change = DecidedChange(RoomMessages("tea"), (), (Append(event, 0.0),))
        bob.say("/leave")
        yield self.expect(lina, "PART tea bob")
        failure = yield self.assertFailure(
            self.applied_by("bob", change), errors.ChatError
        )
        self.assertEqual(failure.code, "NOT_IN_ROOM")
        self.assertEqual(event.id, "")  # never numbered
        yield self.nobody_heard("TAGMSG", lina, lina, shown=("TAGMSG",))

    @defer.inlineCallbacks
    def test_a_post_to_a_room_deleted_meanwhile_makes_no_room(
        self,
    ) -> Generator[Any, Any, None]:
        """A webhook's post (an append from outside, by nobody) applied
        after its room was deleted is refused (``NO_SUCH_ROOM``) and makes
        no room; applied to a room that is, its members hear it."""
        lina, bob = yield self.rich_room("lina", "bob")
        said = Append(Message("tea", "hook", STAMP, "from the hook"), 0.0, True)
        yield self.done(
            self.core().backend.apply(DecidedChange(RoomMessages("tea"), (), (said,)))
        )
        heard = yield self.expect(bob, "MSG tea hook ")
        self.assertTrue(heard.endswith(" from the hook"), heard)
        late = Append(Message("tea", "hook", STAMP, "too late"), 0.0, True)
        lina.say("/delete tea")
        yield self.expect(bob, "DELETED tea lina")
        failure = yield self.assertFailure(
            self.done(
                self.core().backend.apply(
                    DecidedChange(RoomMessages("tea"), (), (late,))
                )
            ),
            errors.ChatError,
        )
        self.assertEqual(failure.code, "NO_SUCH_ROOM")
        listing = yield self.done(self.core().backend.rooms.list_rooms())
        self.assertNotIn("tea", [room.name for room in listing.rooms])
