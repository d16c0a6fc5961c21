"""Offline private messages and private conversations, for every registry.

:class:`PrivateContract` drives real :class:`LineProtocol` connections
(over ``StringTransport``): a ``/msg`` to an account nobody is signed in to
is kept and reaches its next sign-in after the room list, with its
original time; ``/history @USER`` pages back a conversation with ids; the
bound on what waits for one account; and the refusals. It runs against
the in-process registry (``tests/backends/local/test_private.py``) and the
Redis one on a real redis-server (``tests/backends/redis/test_private.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.messages.private import appended, conversation_key, deleted, kept_for
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.moderation import SessionIs
from chatroom.core.model.changes.private import FewerWaitingThan, PrivateKept
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import PrivateMessage
from chatroom.core.server.bus import NO_COPY
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.wire.lines import parse_event
from tests.backends.contracts.handler import IRCContractBase, User
from tests.backends.contracts.moderation import PASSWORD
from tests.backends.contracts.room_times import without_batch
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_ircv3 import tags_of, untagged
from tests.support import FakeClient, chat_core

#: When the messages the tests decide themselves were said.
STAMP = "2026-11-26 10:00:00"

#: Three messages wait for an absent account at most.
CONFIG = ServerConfig(rate=0, history=2, retention=8, kept_private=3)


class PrivateContract(IRCContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def registered(self, name: str) -> Generator[Any, Any, User]:
        """``name`` registered and signed in (as its first device)."""
        user = yield self.connect(name)
        user.say(f"/register {PASSWORD}")
        yield self.expect(user, "REGISTERED")
        return user

    @defer.inlineCallbacks
    def away(self, name: str) -> Generator[Any, Any, None]:
        """Account ``name`` exists and nobody is signed in to it."""
        user = yield self.registered(name)
        user.say("/quit")
        yield self.wait()

    @defer.inlineCallbacks
    def signs_in(self, name: str, *caps: str) -> Generator[Any, Any, User]:
        """A new connection (with ``caps``) signing in to ``name``, up to
        the end of its room list."""
        user = User(FakeClient(self.server))
        if caps:
            user.say(f"/caps {' '.join(caps)}")
            yield self.expect(user, "CAPS")
        user.say(f"/login {name} {PASSWORD}")
        yield self.expect(user, f"WELCOME {name}")
        rooms = yield self.expect(user, "ROOMS ")
        for _ in range(int(rooms.split()[1])):
            yield self.expect(user, "ROOM ")
        return user

    @defer.inlineCallbacks
    def several(
        self, user: User, prefix: str, count: int
    ) -> Generator[Any, Any, list[str]]:
        """The next ``count`` lines of ``user`` that start with ``prefix``."""
        lines = []
        for _ in range(count):
            lines.append((yield self.expect(user, prefix)))
        return lines

    @defer.inlineCallbacks
    def back_again(self, user: User, name: str) -> Generator[Any, Any, User]:
        """``user`` (signed in to ``name``) quits, and a new connection
        signs in to it: everything it was handed at sign-in has come once
        its answer to ``/list`` has."""
        user.say("/quit")
        yield self.wait()
        again = yield self.signs_in(name)
        again.say("/list")
        yield self.expect(again, "ROOMS")
        return again

    @defer.inlineCallbacks
    def refused(self, user: User, line: str, code: str) -> Generator[Any, Any, str]:
        user.say(line)
        reply = yield self.expect(user, "ERR ")
        self.assertTrue(reply.startswith(f"ERR {code} "), (line, reply))
        return reply

    @defer.inlineCallbacks
    def sent(self, user: User, target: str, text: str) -> Generator[Any, Any, str]:
        """``/msg target text``: the sender's own ``PRIVMSG`` copy (lines
        before it are passed over)."""
        user.say(f"/msg {target} {text}")
        reply = yield self.expect(user, "")
        while not reply.startswith("ERR") and not (
            "PRIVMSG" in reply and reply.endswith(f" {text}")
        ):
            reply = yield self.expect(user, "")
        self.assertIn("PRIVMSG", reply, reply)
        return reply

    # -- offline private messages ----------------------------------------------------

    @defer.inlineCallbacks
    def test_kept_for_an_absent_account(self) -> Generator[Any, Any, None]:
        """A ``/msg`` to an account nobody is signed in to is accepted (the
        sender's copy, no ``ERR``) and reaches its next sign-in right after
        the room list, with the time it was sent."""
        yield self.away("alice")
        bob = yield self.connect("bob")
        first = yield self.sent(bob, "alice", "are you there?")
        second = yield self.sent(bob, "ALICE", "call me")
        self.assertTrue(first.startswith("PRIVMSG bob alice "), first)
        self.assertFalse([x for x in bob.unread() if x.startswith("ERR")])
        alice = yield self.signs_in("alice")
        got = yield self.several(alice, "PRIVMSG", 2)
        self.assertEqual(got, [first, second])
        self.assertEqual(parse_event(got[1]).text, "call me")
        self.assertEqual(alice.unread(), [])

    @defer.inlineCallbacks
    def test_delivered_once(self) -> Generator[Any, Any, None]:
        """What was kept goes to one sign-in only: the next has nothing."""
        yield self.away("alice")
        bob = yield self.connect("bob")
        yield self.sent(bob, "alice", "once")
        alice = yield self.signs_in("alice")
        yield self.expect(alice, "PRIVMSG bob alice ")
        again = yield self.back_again(alice, "alice")
        self.assertFalse([x for x in again.lines if "PRIVMSG" in x])

    @defer.inlineCallbacks
    def test_ids_connections_see_the_conversation_id(
        self,
    ) -> Generator[Any, Any, None]:
        """With ``/caps ids`` a kept message comes as ``@ID PRIVMSG``, the
        id of its conversation (numbered from 1, like a room's)."""
        yield self.away("alice")
        bob = yield self.connect("bob")
        bob.say("/caps ids")
        yield self.expect(bob, "CAPS")
        own = yield self.sent(bob, "alice", "first")
        self.assertTrue(own.startswith("@1 PRIVMSG bob alice "), own)
        alice = yield self.signs_in("alice", "ids")
        kept = yield self.expect(alice, "@")
        self.assertEqual(kept, own)
        alice.say("/msg bob welcome back")
        line = yield self.expect(bob, "@")
        self.assertTrue(line.startswith("@2 PRIVMSG alice bob "), line)

    @defer.inlineCallbacks
    def test_unknown_names_are_still_refused(self) -> Generator[Any, Any, None]:
        """A name that is neither connected nor registered is no one."""
        bob = yield self.connect("bob")
        yield self.refused(bob, "/msg nobody hello", "NO_SUCH_USER")
        yield self.refused(bob, "/msg alice", "BAD_ARGS")

    @defer.inlineCallbacks
    def test_what_waits_is_bounded(self) -> Generator[Any, Any, None]:
        """Past ``kept_private`` messages waiting, the sender hears
        ``INBOX_FULL`` and nothing more is kept; once the account has signed
        in, messages flow again."""
        yield self.away("alice")
        bob = yield self.connect("bob")
        for n in range(3):
            yield self.sent(bob, "alice", f"m{n}")
        reply = yield self.refused(bob, "/msg alice m3", "INBOX_FULL")
        self.assertIn("alice", reply)
        alice = yield self.signs_in("alice")
        texts = [parse_event(x).text for x in (yield self.several(alice, "PRIVMSG", 3))]
        self.assertEqual(texts, ["m0", "m1", "m2"])
        yield self.sent(bob, "alice", "m4")
        line = yield self.expect(alice, "PRIVMSG")
        self.assertEqual(parse_event(line).text, "m4")

    @defer.inlineCallbacks
    def decided(self, text: str) -> Generator[Any, Any, DecidedChange]:
        """A message of bob's to alice (an account nobody is signed in to),
        numbered in their conversation and decided to be kept for her under
        the bound, as the core decides it: not yet applied."""
        core = chat_core(self.server)
        found = yield defer.ensureDeferred(core.backend.server.find_user("alice"))
        self.assertFalse(found.online)
        key = conversation_key("~bob", "alice")
        event = PrivateMessage("bob", "alice", STAMP, text)
        yield defer.ensureDeferred(core.backend.apply(appended(key, event, found)))
        return kept_for(found, key, event, CONFIG.kept_private, NO_COPY)

    @defer.inlineCallbacks
    def refused_change(
        self, change: DecidedChange
    ) -> Generator[Any, Any, PremiseFailedError]:
        """``change`` applied and refused, a premise failed."""
        core = chat_core(self.server)
        failure = yield self.assertFailure(
            defer.ensureDeferred(core.backend.apply(change)), PremiseFailedError
        )
        return failure

    @defer.inlineCallbacks
    def test_kept_after_its_account_signed_in_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """A message decided to be kept for alice while nobody was signed in
        to her account; she signs in before it is kept: refused (nobody
        absent any more: the core tells it instead), so it never waits for
        her next sign-in."""
        yield self.away("alice")
        yield self.connect("bob")
        change = yield self.decided("too late to keep")
        alice = yield self.signs_in("alice")
        refusal = yield self.refused_change(change)
        self.assertIsInstance(refusal.premise, SessionIs)
        again = yield self.back_again(alice, "alice")
        self.assertFalse([x for x in again.lines if "too late to keep" in x])

    @defer.inlineCallbacks
    def test_kept_after_the_inbox_filled_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """A message decided to be kept for alice with two of three places
        taken; bob's third fills them before it is kept: refused on the
        bound (``INBOX_FULL`` to its sender), and her sign-in gets the three
        that were kept."""
        yield self.away("alice")
        bob = yield self.connect("bob")
        for n in range(2):
            yield self.sent(bob, "alice", f"m{n}")
        change = yield self.decided("one too many")
        yield self.sent(bob, "alice", "m2")
        refusal = yield self.refused_change(change)
        self.assertIsInstance(refusal.premise, FewerWaitingThan)
        alice = yield self.signs_in("alice")
        texts = [parse_event(x).text for x in (yield self.several(alice, "PRIVMSG", 3))]
        self.assertEqual(texts, ["m0", "m1", "m2"])
        self.assertFalse([x for x in alice.lines if "one too many" in x])

    # -- conversations ---------------------------------------------------------------

    @defer.inlineCallbacks
    def talk(self) -> Generator[Any, Any, tuple[User, User, list[str]]]:
        """Signed-in alice and plain bob (both ``ids``) exchange four
        messages; returns them and bob's copies, in order."""
        alice = yield self.registered("alice")
        alice.say("/caps ids")
        yield self.expect(alice, "CAPS")
        bob = yield self.connect("bob")
        bob.say("/caps ids")
        yield self.expect(bob, "CAPS")
        lines = []
        for n, (user, other) in enumerate([(alice, "bob"), (bob, "alice")] * 2):
            own = yield self.sent(user, other, f"line {n}")
            self.assertTrue(own.startswith(f"@{n + 1} PRIVMSG "), own)
            lines.append(own)
        yield self.expect(alice, "@4 PRIVMSG bob alice ")  # alice has read it all
        return alice, bob, lines

    @defer.inlineCallbacks
    def test_history_pages_a_conversation(self) -> Generator[Any, Any, None]:
        """``/history @USER N [before ID]`` gives the newest N (before ID)
        as the ``PRIVMSG`` lines they were, oldest first, then
        ``HISTORY_END @USER count``; from the lobby too."""
        alice, _bob, lines = yield self.talk()
        alice.say("/history @bob 2")
        got = yield self.several(alice, "@", 2)
        self.assertEqual(got, lines[2:])
        self.assertEqual(
            (yield self.expect(alice, "HISTORY_END")), "HISTORY_END @bob 2"
        )
        alice.say("/history @BOB 10 before 3")
        got = yield self.several(alice, "@", 2)
        self.assertEqual(got, lines[:2])
        self.assertEqual(
            (yield self.expect(alice, "HISTORY_END")), "HISTORY_END @BOB 2"
        )
        alice.say("/history @bob 5 before 1")
        self.assertEqual(
            (yield self.expect(alice, "HISTORY_END")), "HISTORY_END @bob 0"
        )

    @defer.inlineCallbacks
    def test_without_ids_history_has_no_prefix(self) -> Generator[Any, Any, None]:
        """A connection without ``ids`` gets the plain ``PRIVMSG`` lines."""
        _alice, _bob, lines = yield self.talk()
        again = yield self.signs_in("alice")
        again.say("/history @bob 1")
        line = yield self.expect(again, "PRIVMSG")
        self.assertEqual(line, lines[-1].split(" ", 1)[1])
        self.assertEqual(
            (yield self.expect(again, "HISTORY_END")), "HISTORY_END @bob 1"
        )

    @defer.inlineCallbacks
    def test_only_the_two_parties_read_it(self) -> Generator[Any, Any, None]:
        """Another account asking for ``@bob`` gets its own conversation
        with bob (none), never alice's; a plain name keeps none to read."""
        _alice, bob, _lines = yield self.talk()
        carol = yield self.registered("carol")
        carol.say("/history @bob 10")
        self.assertEqual(
            (yield self.expect(carol, "HISTORY_END")), "HISTORY_END @bob 0"
        )
        self.assertFalse([x for x in carol.lines if "PRIVMSG" in x])
        yield self.refused(bob, "/history @alice 10", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_history_refusals(self) -> Generator[Any, Any, None]:
        """Bad counts, ids and names, and unknown users, are clear ``ERR``s;
        ``/history`` of a room still needs a room."""
        alice = yield self.registered("alice")
        yield self.refused(alice, "/history @bob", "BAD_ARGS")
        yield self.refused(alice, "/history @ 5", "BAD_ARGS")
        yield self.refused(alice, "/history @nobody 5", "NO_SUCH_USER")
        yield self.connect("bob")
        yield self.refused(alice, "/history @bob 0", "BAD_ARGS")
        yield self.refused(alice, "/history @bob 201", "BAD_ARGS")
        yield self.refused(alice, "/history @bob x", "BAD_ARGS")
        yield self.refused(alice, "/history @bob 5 before x", "BAD_ARGS")
        yield self.refused(alice, "/history @bob 5 after 3", "BAD_ARGS")
        yield self.refused(alice, "/history @b%b 5", "BAD_NAME")
        yield self.refused(alice, "/history 5", "NOT_IN_ROOM")

    @defer.inlineCallbacks
    def test_a_kept_message_is_in_the_conversation(
        self,
    ) -> Generator[Any, Any, None]:
        """What was kept while the account was away is in its
        conversation's history too, with the same id."""
        yield self.away("alice")
        bob = yield self.connect("bob")
        bob.say("/caps ids")
        yield self.expect(bob, "CAPS")
        own = yield self.sent(bob, "alice", "while you were out")
        alice = yield self.signs_in("alice", "ids")
        yield self.expect(alice, "@1 PRIVMSG")
        alice.say("/history @bob 5")
        self.assertEqual((yield self.expect(alice, "@")), own)
        self.assertEqual(
            (yield self.expect(alice, "HISTORY_END")), "HISTORY_END @bob 1"
        )

    @defer.inlineCallbacks
    def test_targets_are_each_conversations_newest(
        self,
    ) -> Generator[Any, Any, None]:
        """An account's conversations, each by its newest message (what
        IRC's ``CHATHISTORY TARGETS`` lists); a plain name has none."""
        alice, bob, _lines = yield self.talk()
        yield self.connect("carol")
        yield self.sent(alice, "carol", "hi carol")
        registry = self.server.registry
        newest = yield defer.ensureDeferred(
            registry.messages.private_targets(alice.client.protocol)
        )
        self.assertEqual(
            sorted(((event.sender, event.recipient), event.text) for event in newest),
            [(("alice", "carol"), "hi carol"), (("bob", "alice"), "line 3")],
        )
        plain = yield defer.ensureDeferred(
            registry.messages.private_targets(bob.client.protocol)
        )
        self.assertEqual(plain, [])

    @defer.inlineCallbacks
    def test_tags_are_kept_in_the_conversation(
        self,
    ) -> Generator[Any, Any, None]:
        """Account alice's TAGMSG to bob, between two messages, is kept in
        their conversation: CHATHISTORY on bob gives it back to her IRC
        client (event-playback) exactly as echoed, with its msgid and time;
        a typing notice is not kept; her line session's ``/history @bob``
        shows the messages alone."""
        yield self.away("alice")
        bob = yield self.connect("bob")
        caps = "message-tags server-time echo-message batch draft/chathistory"
        irc = IRCClient(IRCFactory(self.server))
        irc.send(f"PASS alice:{PASSWORD}", f"CAP REQ :{caps} draft/event-playback")
        irc.send("NICK alice", "USER a 0 * :A", "CAP END")
        yield self.heard(irc, "001")
        echoes = []
        said = ("PRIVMSG bob :one", "@+x/tag=1 TAGMSG bob", "PRIVMSG bob :two")
        for line in said:
            irc.send(line)
            echoes += yield self.heard(irc, line.split(" ")[-2])
        echoes = [line for line in echoes if " bob" in line]
        irc.send("@+typing=active TAGMSG bob")
        yield self.heard(irc, "TAGMSG")
        yield self.expect(bob, "PRIVMSG alice bob ")
        irc.send("CHATHISTORY LATEST bob * 10")
        yield self.heard(irc, "BATCH")  # its opening
        played = yield self.heard(irc, "BATCH")  # ... up to its end
        self.assertEqual([without_batch(x) for x in played[:-1]], echoes)
        self.assertIn(";msgid=p", echoes[1])
        again = yield self.signs_in("alice")
        again.say("/history @bob 10")
        got = yield self.several(again, "PRIVMSG", 2)
        self.assertEqual([x.rpartition(" ")[2] for x in got], ["one", "two"])
        self.assertEqual(
            (yield self.expect(again, "HISTORY_END")), "HISTORY_END @bob 2"
        )

    @defer.inlineCallbacks
    def test_plain_names_keep_no_conversation(self) -> Generator[Any, Any, None]:
        """Two plain names talk as before: no ids, nothing stored."""
        bob = yield self.connect("bob")
        carol = yield self.connect("carol")
        carol.say("/caps ids")
        yield self.expect(carol, "CAPS")
        yield self.sent(bob, "carol", "hi")
        line = yield self.expect(carol, "PRIVMSG")
        self.assertTrue(line.startswith("PRIVMSG bob carol "), line)

    # -- deleting a private message (IRC's REDACT) ----------------------------------

    @defer.inlineCallbacks
    def irc_signed_in(self, name: str) -> Generator[Any, Any, IRCClient]:
        """An IRC client of account ``name`` with ``draft/message-redaction``
        (and what it takes to see msgids and ask for history), welcomed."""
        caps = "message-tags echo-message batch draft/chathistory"
        client = IRCClient(IRCFactory(self.server))
        client.send(f"CAP REQ :{caps} draft/message-redaction", f"PASS {PASSWORD}")
        client.send(f"NICK {name}", f"USER {name} 0 * :{name}", "CAP END")
        yield self.heard(client, "376")  # the end of the MOTD
        return client

    @defer.inlineCallbacks
    def conversed(self) -> Generator[Any, Any, tuple[IRCClient, IRCClient, str]]:
        """alice and bob, accounts, on IRC; alice has said "keep this" then
        "oops" to bob: the two clients and the msgid of "oops"."""
        yield self.away("alice")
        yield self.away("bob")
        alice = yield self.irc_signed_in("alice")
        bob = yield self.irc_signed_in("bob")
        for text in ("keep this", "oops"):
            alice.send(f"PRIVMSG bob :{text}")
            (echo,) = (yield self.heard(alice, "PRIVMSG"))[-1:]
            yield self.heard(bob, "PRIVMSG")
        return alice, bob, tags_of(echo)["msgid"]

    @defer.inlineCallbacks
    def test_a_private_message_deleted_by_its_sender(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's ``REDACT bob msgid`` deletes her message to bob: both get
        ``:alice REDACT bob msgid`` (irctest testRedactDirectMessage), and
        it is gone from their conversation (``CHATHISTORY`` and the line
        door's ``/history @USER``). bob cannot delete alice's message, and
        a msgid that names nothing of the conversation is unknown."""
        alice, bob, msgid = yield self.conversed()
        unknown = "This message does not exist or is too old"
        bob.send(f"REDACT alice {msgid}")
        (refused,) = (yield self.heard(bob, "FAIL"))[-1:]
        self.assertEqual(
            untagged(refused),
            f":chatroom FAIL REDACT REDACT_FORBIDDEN alice {msgid} "
            ":You are not authorised to delete this message",
        )
        alice.send("REDACT bob p0123")
        (refused,) = (yield self.heard(alice, "FAIL"))[-1:]
        self.assertEqual(
            untagged(refused),
            f":chatroom FAIL REDACT UNKNOWN_MSGID bob p0123 :{unknown}",
        )
        alice.send(f"REDACT bob {msgid}")
        for client in (alice, bob):
            (redact,) = (yield self.heard(client, "REDACT"))[-1:]
            self.assertEqual(
                untagged(redact), f":alice!alice@chatroom REDACT bob {msgid}"
            )
        alice.send("CHATHISTORY LATEST bob * 10")
        played = yield self.heard(alice, "BATCH")  # its opening
        played = (yield self.heard(alice, "BATCH"))[:-1]
        self.assertEqual(
            [untagged(x) for x in played],
            [":alice!alice@chatroom PRIVMSG bob :keep this"],
        )
        line = yield self.signs_in("bob")
        line.say("/history @alice 10")
        kept = yield self.expect(line, "PRIVMSG")
        self.assertTrue(kept.endswith(" keep this"), kept)
        self.assertEqual(
            (yield self.expect(line, "HISTORY_END")), "HISTORY_END @alice 1"
        )

    @defer.inlineCallbacks
    def test_a_private_message_deleted_meanwhile_is_unknown(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's ``REDACT`` was decided on her message kept; it was
        deleted first (by another of her devices): the deletion rests on
        its being kept still, is refused, and she is told it is unknown.
        A deletion of a message no longer kept is refused naming that
        premise, and changes nothing."""
        alice, _, msgid = yield self.conversed()
        backend = chat_core(self.server).backend
        key = conversation_key("alice", "bob")
        newest = yield defer.ensureDeferred(
            backend.messages.conversations.page(key, 1, None)
        )
        event_id = int(newest[-1].id)

        async def deleted_first() -> None:
            await backend.apply(deleted(key, event_id))

        self.race_before("apply", deleted_first)
        alice.send(f"REDACT bob {msgid}")
        (refused,) = (yield self.heard(alice, "FAIL"))[-1:]
        self.assertEqual(
            untagged(refused),
            f":chatroom FAIL REDACT UNKNOWN_MSGID bob {msgid} "
            ":This message does not exist or is too old",
        )
        failed = yield self.refused_change(deleted(key, event_id))
        self.assertEqual(failed.premise, PrivateKept(event_id))
        kept = yield defer.ensureDeferred(
            backend.messages.conversations.page(key, 10, None)
        )
        self.assertEqual([event.text for event in kept], ["keep this"])
