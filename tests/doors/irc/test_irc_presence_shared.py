"""The IRC door answers a change of a user's presence only once it is
shared: ``305``/``306``, the ``SETNAME`` echo and the ``MODE`` echo of
``+i``/``+B`` wait for the core's ``set_presence``
(:meth:`chatroom.doors.irc.session.IRCSession.share_presence`), and the
welcome for the nick's claim, which carries the first presence (kept in
the claim's step: the back-end's write of it is held here as Redis's
round trip would hold it).

On two nodes the other node's ``WHO`` and ``WHOIS`` read what was shared
(:mod:`chatroom.core.model.presence`): a client that hears the answer and asks
there at once (irctest does) must find it. Here the in-process back-end
keeps its presence where its test holds each write
(:class:`HeldPresence`, the Redis back-end's round trip made one the test
ends): nothing of the answer is sent before the write is done. With
nothing held (the in-process back-end as it is) the answers are the ones
every other IRC test reads, byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from twisted.internet import defer
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure

from chatroom.core.model import errors
from chatroom.core.model.presence import Presence
from tests.doors.irc.test_irc import IRCClient, IRCTestCase
from tests.support import local_backend, log_lines


class HeldPresence:
    """Presence kept once its test lets each write finish (or fail)."""

    def __init__(self) -> None:
        self.kept: dict[str, Presence] = {}
        self.writes: list[tuple[str, Presence, defer.Deferred[None]]] = []

    async def publish(self, key: str, token: str, facts: Presence) -> None:
        done: defer.Deferred[None] = defer.Deferred()
        self.writes.append((key, facts, done))
        await done
        self.kept[key] = facts

    async def publish_metadata(
        self, key: str, token: str, metadata: tuple[tuple[str, str], ...]
    ) -> None:
        """Not held: these tests share no metadata."""

    async def read(self, keys: Sequence[str]) -> dict[str, Presence]:
        return {key: self.kept[key] for key in keys if key in self.kept}

    def finish(self) -> Presence:
        """The oldest write in flight is done; its facts."""
        _key, facts, done = self.writes.pop(0)
        done.callback(None)
        return facts

    def fail(self) -> None:
        """The oldest write in flight fails as Redis down fails it."""
        _key, _facts, done = self.writes.pop(0)
        done.errback(errors.unavailable())


class PresenceSharedBeforeAnswerTests(IRCTestCase):
    """Each answer waits for its presence to be kept."""

    def setUp(self) -> None:
        super().setUp()
        self.presence = HeldPresence()
        backend = cast(Any, local_backend(self.server))
        backend.server.presence = self.presence
        backend.bus.publish_presence = self.presence.publish

    def registered(self, nick: str) -> IRCClient:
        """``nick`` registered, its first presence kept."""
        client = IRCClient(self.factory)
        client.send(f"NICK {nick}", f"USER u{nick} 0 * :Real {nick}")
        self.presence.finish()
        client.received()
        return client

    def test_welcome_waits_for_the_presence(self) -> None:
        """No 001 before the user's USER name and realname are kept; the
        whole welcome once they are."""
        client = IRCClient(self.factory)
        client.send("NICK ivy", "USER uivy 0 * :Real ivy")
        self.assertEqual(client.received(), [])
        facts = self.presence.finish()
        self.assertEqual(
            (facts.name, facts.user, facts.realname), ("ivy", "uivy", "Real ivy")
        )
        self.assertEqual(client.numerics()[:2], ["001", "002"])

    def test_away_answers_after_the_away_message_is_kept(self) -> None:
        """306 once the away message is kept, 305 once its end is."""
        client = self.registered("ivy")
        client.send("AWAY :lunch")
        self.assertEqual(client.received(), [])
        self.assertEqual(self.presence.finish().away, "lunch")
        self.assertEqual(client.numerics(), ["306"])
        client.send("AWAY")
        self.assertEqual(client.received(), [])
        self.assertEqual(self.presence.finish().away, "")
        self.assertEqual(client.numerics(), ["305"])

    def test_setname_echo_after_the_realname_is_kept(self) -> None:
        """The SETNAME echo once the new realname is kept."""
        client = self.registered("ivy")
        client.send("CAP REQ setname")
        client.received()
        client.send("SETNAME :Ivy Anew")
        self.assertEqual(client.received(), [])
        self.assertEqual(self.presence.finish().realname, "Ivy Anew")
        self.assertEqual(client.received(), [":ivy!ivy@chatroom SETNAME :Ivy Anew"])

    def test_mode_echo_after_bot_and_invisible_are_kept(self) -> None:
        """MODE +B and +i are echoed once kept; +w, which nobody else is
        shown, at once."""
        client = self.registered("ivy")
        client.send("MODE ivy +Bi")
        self.assertEqual(client.received(), [])
        facts = self.presence.finish()
        self.assertEqual((facts.bot, facts.invisible), (True, True))
        self.assertEqual(client.received(), [":ivy!ivy@chatroom MODE ivy :+B+i"])
        client.send("MODE ivy +w")
        self.assertEqual(client.received(), [":ivy!ivy@chatroom MODE ivy :+w"])
        self.assertEqual(self.presence.writes, [])

    def test_a_failed_write_does_not_stop_the_answer(self) -> None:
        """An away message that cannot be kept (Redis down) is logged, and
        306 goes out all the same."""
        logged = log_lines(self)
        client = self.registered("ivy")
        client.send("AWAY :lunch")
        self.presence.fail()
        self.assertEqual(client.numerics(), ["306"])
        self.assertTrue(
            [
                line
                for line in logged
                if "presence of ivy not shared: UNAVAILABLE" in line
            ],
            logged,
        )

    def test_a_client_gone_meanwhile_is_sent_nothing(self) -> None:
        """A client whose connection ends while its presence is written
        gets no welcome after it (nor does the door fail)."""
        client = IRCClient(self.factory)
        client.send("NICK ivy", "USER uivy 0 * :Real ivy")
        client.session.connectionLost(Failure(ConnectionLost()))
        client.transport.clear()
        self.presence.finish()
        self.assertEqual(client.received(), [])
