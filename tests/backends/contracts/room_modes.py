"""A room's member limit, voices and moderation, for every registry.

:class:`RoomModesContract` drives line users (``/set limit``, ``/set
moderated``, ``/voice``, ``/devoice``) and checks what each one sees. It
runs against the in-process registry
(``tests/backends/local/test_room_modes.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_room_modes.py``):
the settings live in the room's policy, which both back-ends store, and the
limit and the right to speak are checked where the seat is taken and where
the message is numbered.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from tests.backends.contracts.handler import ContractBase, User
from tests.doors.irc.test_irc import IRCClient

#: The server-wide capacity is 5: a room's own limit is at most that.
CONFIG = ServerConfig(rate=0, room_capacity=5, max_rooms=5, history=2)


class RoomModesContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def refused(self, user: User, line: str, code: str) -> Generator[Any, Any, str]:
        user.say(line)
        reply = yield self.expect(user, "ERR ")
        self.assertTrue(reply.startswith(f"ERR {code} "), (line, reply))
        return reply

    @defer.inlineCallbacks
    def heard(self, client: IRCClient, word: str) -> Generator[Any, Any, list[str]]:
        """What ``client`` receives up to the first line with `` word `` in
        it (waiting on Redis), that line last."""
        lines: list[str] = []
        for _ in range(500):
            for line in client.received():
                lines.append(line)
                if f" {word} " in line:
                    return lines
            yield self.wait()
        raise AssertionError(f"no {word} in {lines!r}")

    @defer.inlineCallbacks
    def test_a_room_takes_messages_from_outside_only_when_told(
        self,
    ) -> Generator[Any, Any, None]:
        """By default (``+n``) a ``PRIVMSG`` from an IRC user outside the
        room is 404 and nobody hears it; with ``/set external on`` (``-n``)
        the room's members get it, and a moderated room still refuses it."""
        (lina,) = yield self.in_room("tea", "lina")
        ian = IRCClient(IRCFactory(self.server))
        ian.send("NICK ian", "USER i 0 * :I")
        yield self.heard(ian, "376")
        ian.send("PRIVMSG #tea :knock knock")
        refusal = yield self.heard(ian, "404")
        self.assertIn(":chatroom 404 ian #tea :", refusal[-1])
        lina.say("/set external on")
        yield self.expect(lina, "SET tea external on lina")
        ian.send("PRIVMSG #tea :hello from outside")
        said = yield self.expect(lina, "MSG tea ian ")
        self.assertTrue(said.endswith(" hello from outside"), said)
        lina.say("/set moderated on")
        yield self.expect(lina, "SET tea moderated on lina")
        ian.send("PRIVMSG #tea :and now?")
        refusal = yield self.heard(ian, "404")
        self.assertIn("(+m)", refusal[-1])
        self.assertIsNone(lina.take("MSG tea ian"))

    @defer.inlineCallbacks
    def test_a_full_room_refuses_joins_until_its_limit_goes(
        self,
    ) -> Generator[Any, Any, None]:
        """With ``/set limit 2`` a third user gets ``ROOM_FULL``; once a
        member leaves, or the limit is lifted, they get in."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/set limit 2")
        self.assertEqual((yield self.expect(bob, "SET ")), "SET tea limit 2 alice")
        carol = yield self.connect("carol")
        reply = yield self.refused(carol, "/join tea", "ROOM_FULL")
        self.assertIn("tea is full (2)", reply)
        bob.say("/leave")
        yield self.expect(alice, "PART tea bob")
        carol.say("/join tea")
        yield self.expect(carol, "MEMBERS tea ")
        dave = yield self.connect("dave")
        yield self.refused(dave, "/join tea", "ROOM_FULL")
        alice.say("/set limit off")
        self.assertEqual((yield self.expect(carol, "SET ")), "SET tea limit off alice")
        dave.say("/join tea")
        yield self.expect(dave, "MEMBERS tea ")

    @defer.inlineCallbacks
    def test_an_invitation_passes_the_limit(self) -> Generator[Any, Any, None]:
        """An invited user joins a room at its limit, as Modern IRC says."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/set limit 1")
        yield self.expect(alice, "SET tea limit 1 alice")
        bob = yield self.connect("bob")
        yield self.refused(bob, "/join tea", "ROOM_FULL")
        alice.say("/invite bob")
        yield self.expect(bob, "INVITED tea alice")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea ")

    @defer.inlineCallbacks
    def test_limits_are_whole_numbers_under_the_capacity(
        self,
    ) -> Generator[Any, Any, None]:
        """0, a negative, a word or more than ``--room-capacity`` is
        ``BAD_ARGS``; only owner and operators set a limit."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        for value in ("0", "-1", "many", "6"):
            reply = yield self.refused(alice, f"/set limit {value}", "BAD_ARGS")
            self.assertIn("N from 1 to 5", reply)
        yield self.refused(bob, "/set limit 3", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_a_moderated_room_hears_only_operators_and_voices(
        self,
    ) -> Generator[Any, Any, None]:
        """``/set moderated on``: a member without a voice is refused
        ``MODERATED`` and nobody hears them; ``/voice`` lets them speak,
        ``/devoice`` silences them again; the owner always speaks."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/set moderated on")
        self.assertEqual((yield self.expect(bob, "SET ")), "SET tea moderated on alice")
        reply = yield self.refused(bob, "hello?", "MODERATED")
        self.assertIn("tea is moderated", reply)
        alice.say("still me")
        yield self.expect(bob, "MSG tea alice ")
        self.assertEqual(alice.take("MSG tea bob"), None)
        yield self.refused(bob, "/voice bob", "NOT_ALLOWED")
        alice.say("/voice bob")
        self.assertEqual((yield self.expect(bob, "VOICE ")), "VOICE tea bob alice")
        bob.say("now I may")
        line = yield self.expect(alice, "MSG tea bob ")
        self.assertTrue(line.endswith("now I may"), line)
        alice.say("/info")
        self.assertEqual(
            (yield self.expect(alice, "INFO tea moderated")), "INFO tea moderated on"
        )
        self.assertEqual(
            (yield self.expect(alice, "INFO tea voiced")), "INFO tea voiced bob"
        )
        alice.say("/devoice bob")
        yield self.expect(bob, "DEVOICE tea bob alice")
        yield self.refused(bob, "and now?", "MODERATED")
        alice.say("/set moderated off")
        yield self.expect(bob, "SET tea moderated off alice")
        bob.say("free again")
        yield self.expect(alice, "MSG tea bob ")

    @defer.inlineCallbacks
    def test_a_voice_is_given_to_members_and_given_up_by_them(
        self,
    ) -> Generator[Any, Any, None]:
        """``/voice`` names a member (``NO_SUCH_USER`` otherwise), not twice;
        a voiced member may ``/devoice`` themself; the moderation log keeps
        both."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.refused(alice, "/voice nobody", "NO_SUCH_USER")
        alice.say("/voice bob")
        yield self.expect(bob, "VOICE tea bob alice")
        yield self.refused(alice, "/voice bob", "BAD_ARGS")
        bob.say("/devoice bob")
        yield self.expect(alice, "DEVOICE tea bob bob")
        yield self.refused(bob, "/devoice bob", "BAD_ARGS")
        alice.say("/modlog")
        first = yield self.expect(alice, "MODLOG tea ")
        second = yield self.expect(alice, "MODLOG tea ")
        self.assertIn(" alice voice bob ", first)
        self.assertIn(" bob devoice bob ", second)

    @defer.inlineCallbacks
    def test_the_owner_gives_up_operator_status_and_takes_it_back(
        self,
    ) -> Generator[Any, Any, None]:
        """``/deop`` of themself: the owner no longer moderates (``/invite``
        into an invite-only room is ``NOT_ALLOWED``) but stays the owner:
        nobody kicks them, and ``/op`` of themself gives it back."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/set invite-only on")
        yield self.expect(bob, "SET tea invite-only on alice")
        alice.say("/deop alice")
        self.assertEqual((yield self.expect(bob, "DEOP ")), "DEOP tea alice alice")
        yield self.refused(alice, "/deop alice", "BAD_ARGS")
        carol = yield self.connect("carol")
        yield self.refused(alice, "/invite carol", "NOT_ALLOWED")
        yield self.refused(alice, "/kick bob", "NOT_ALLOWED")
        alice.say("/op alice")
        self.assertEqual((yield self.expect(bob, "OP ")), "OP tea alice alice")
        alice.say("/invite carol")
        yield self.expect(carol, "INVITED tea alice")
