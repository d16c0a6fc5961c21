"""Messages to a room's operators only (IRC's ``STATUSMSG``), run against
every registry: in-process (``tests/backends/local/test_operators.py``) and on a real
``redis-server`` (``tests/backends/redis/test_operators.py``).

The rule is the core's fan-out (:mod:`chatroom.core.messages.operator_messages`), so it
is
checked here with line users, who are the shared side's plainest door: an
``OPMSG`` line reaches the owner and the operators, and nobody else.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.errors import ChatError
from tests.backends.contracts.handler import ContractBase, User


class OperatorsContract(ContractBase):
    """Who hears a message to a room's operators."""

    def to_operators(
        self, user: User, room: str, text: str, notice: bool = False
    ) -> defer.Deferred[None]:
        """``user`` says ``text`` to ``room``'s operators, as the IRC door's
        ``PRIVMSG @#room`` does."""
        registry = self.server.registry
        member = user.client.protocol
        return defer.Deferred.fromCoroutine(
            registry.messages.to_operators(member, room, text, notice)
        )

    @defer.inlineCallbacks
    def test_owner_and_operators_hear_it_others_do_not(
        self,
    ) -> Generator[Any, Any, None]:
        """alice owns tea and made carol an operator; bob asks them for
        help: both get ``OPMSG`` with its audience, bob does not (the next
        message everyone hears comes first for him)."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        alice.say("/op carol")
        for user in (alice, bob, carol):
            yield self.expect(user, "OP tea carol alice")
        yield self.to_operators(bob, "tea", "please kick the spammer")
        for user in (alice, carol):
            said = yield self.expect(user, "OPMSG ")
            self.assertRegex(
                said, r"^OPMSG tea bob \S+ alice,carol please kick the spammer$"
            )
        alice.say("all clear")
        yield self.expect(bob, "MSG tea alice ")
        self.assertFalse([x for x in bob.lines if x.startswith("OPMSG")])

    @defer.inlineCallbacks
    def test_a_line_user_says_it_with_opmsg(self) -> Generator[Any, Any, None]:
        """The line door's ``/opmsg TEXT`` is the same message: the owner
        and operators hear it, the sender (no operator) does not;
        ``/opmsg`` without a text is ``BAD_ARGS``."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        alice.say("/op carol")
        for user in (alice, bob, carol):
            yield self.expect(user, "OP tea carol alice")
        bob.say("/opmsg someone is flooding")
        for user in (alice, carol):
            said = yield self.expect(user, "OPMSG ")
            self.assertRegex(
                said, r"^OPMSG tea bob \S+ alice,carol someone is flooding$"
            )
        bob.say("/opmsg")
        yield self.expect(bob, "ERR BAD_ARGS")
        alice.say("thanks")
        yield self.expect(bob, "MSG tea alice ")
        self.assertFalse([x for x in bob.lines if x.startswith("OPMSG")])

    @defer.inlineCallbacks
    def test_a_notice_and_an_operator_sender(self) -> Generator[Any, Any, None]:
        """An operator's own notice to the operators is ``OPNOTICE``, and
        reaches them all, the sender too (its door decides whether to show
        it back)."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.to_operators(alice, "tea", "note to self", notice=True)
        said = yield self.expect(alice, "OPNOTICE ")
        self.assertRegex(said, r"^OPNOTICE tea alice \S+ alice note to self$")
        alice.say("hello")
        yield self.expect(bob, "MSG tea alice ")
        self.assertFalse([x for x in bob.lines if x.startswith("OPNOTICE")])

    @defer.inlineCallbacks
    def test_only_members_may_say_it(self) -> Generator[Any, Any, None]:
        """Someone not in the room is refused NOT_IN_ROOM; a text with a
        control character BAD_TEXT, as any message."""
        (alice,) = yield self.in_room("tea", "alice")
        bob = yield self.connect("bob")
        with self.assertRaises(ChatError) as outside:
            yield self.to_operators(bob, "tea", "let me in")
        self.assertEqual(outside.exception.code, "NOT_IN_ROOM")
        with self.assertRaises(ChatError) as empty:
            yield self.to_operators(alice, "tea", "ring \x07")
        self.assertEqual(empty.exception.code, "BAD_TEXT")
