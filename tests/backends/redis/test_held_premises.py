"""A keyed message held behind ``--redis-replicas`` whose premises change
before it is published: the room deleted, its sender kicked or banned,
the recipient's or the sender's account deleted between the script that
holds it beside its key and ``publish-held``, which says it once the
node's ``WAIT`` confirmed the hold (docs/scaling.md, *The Sentinel
constraint*).

``publish-held`` checks again, in its own script, what the message rests
on: nothing is published, told or kept, the key is dropped (a refused
line keeps no key), and the sender is answered as the line door answers
the same line refused when first sent (``NOT_IN_ROOM``,
``NO_SUCH_USER``), its repeats alike.

A real ``redis-server`` with no replica (``WAIT 0`` answers at once, as
``tests/backends/redis/test_transactions.py``'s held tests do); the
change lands in the window between the hold and the publish by running
it just before the node's ``PUBLISH_HELD`` call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer, reactor

from chatroom.backends.redis import scripts
from chatroom.backends.redis.replicas import ReplicaWait
from chatroom.core.model.errors import ChatError
from tests.backends.contracts.handler import CONFIG, ContractBase, FakeClient, User
from tests.cluster.support import RedisRegistryTestCase

PASSWORD = "correct horse staple"


class HeldPremisesTests(RedisRegistryTestCase, ContractBase):
    """Each test holds one keyed message, changes what it rests on before
    ``publish-held`` runs, and reads what its sender, the others and
    Redis have then."""

    config = CONFIG
    timeout = 120
    #: What the raced repeat's ``PUBLISH_HELD`` was refused
    #: (:meth:`before_publishing`).
    repeat_refused: ChatError

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        backend = self.registry.backend
        wait = ReplicaWait(backend.calls, reactor, 0, backend.cluster.redis_timeout)
        backend.replication = wait
        backend.conversations.replication = wait

    def before_publishing(
        self, meanwhile: Callable[[], Awaitable[None]], raced: bool = False
    ) -> defer.Deferred[None]:
        """Run ``meanwhile`` once, just before the next ``PUBLISH_HELD``
        (a room's or a private message's): the message is held, its
        ``WAIT`` done. ``raced``: then the same ``PUBLISH_HELD`` once more
        first, as the key's repeat on another node at once calls it,
        which must be refused. Fires once that ``PUBLISH_HELD`` has
        answered."""
        calls: Any = self.registry.backend.calls  # its call, wrapped
        call = calls.call
        publishing = (scripts.PUBLISH_HELD, scripts.PUBLISH_HELD_PRIVATE)
        published: defer.Deferred[None] = defer.Deferred()

        async def calling(script: Any, *args: Any, **kwargs: Any) -> Any:
            if script not in publishing or published.called:
                return await call(script, *args, **kwargs)
            await meanwhile()
            if raced:
                repeat = defer.ensureDeferred(call(script, *args, **kwargs))
                self.repeat_refused = await self.assertFailure(repeat, ChatError)
            try:
                return await call(script, *args, **kwargs)
            finally:
                published.callback(None)

        calls.call = calling
        self.addCleanup(delattr, calls, "call")
        return published

    def record(self, sender: str, key: str, place: str) -> defer.Deferred[Any]:
        """What ``sender``'s ``key`` did, as kept (None: nothing)."""
        read = self.registry.backend.messages.key_record(sender, key, place)
        return defer.ensureDeferred(read)

    @defer.inlineCallbacks
    def registered(self, user: User, name: str) -> Generator[Any, Any, None]:
        user.say(f"/register {PASSWORD}")
        yield self.expect(user, f"REGISTERED {name}")

    @defer.inlineCallbacks
    def refused_twice(
        self, user: User, line: str, code: str
    ) -> Generator[Any, Any, str]:
        """``user``'s ``line`` is refused ``code`` and so is its repeat
        (sent from where the first refusal left it); no ``ACK`` either
        time."""
        first = yield self.refusal(user, line, code)
        yield self.refusal(user, line, code)
        acks = [line for line in user.lines if line.startswith("ACK ")]
        self.assertEqual(acks, [])
        return first

    # -- a room's ----------------------------------------------------------------

    @defer.inlineCallbacks
    def room_changed_meanwhile(
        self, change: Callable[[User, User], Awaitable[None]]
    ) -> Generator[Any, Any, tuple[User, User, User]]:
        """bob owns tea, alice and carol are in it; alice's keyed message
        is held while ``change(bob, alice)`` runs; she is refused
        ``NOT_IN_ROOM``, as is its repeat. Answers bob, alice, carol."""
        bob, alice, carol = yield self.in_room("tea", "bob", "alice", "carol")
        self.before_publishing(lambda: change(bob, alice))
        yield self.refused_twice(alice, "/txn k1 /say tea held hello", "NOT_IN_ROOM")
        self.assertIsNone((yield self.record("~alice", "k1", "tea")))
        return bob, alice, carol

    @defer.inlineCallbacks
    def said_now(self, alice: User, carol: User) -> Generator[Any, Any, None]:
        """alice's repeat, now that she may speak again, is acknowledged
        and heard by carol."""
        alice.say("/txn k1 /say tea held hello")
        yield self.expect(alice, "ACK k1 tea ")
        heard = yield self.expect(carol, "MSG tea alice ")
        self.assertTrue(heard.endswith(" held hello"), heard)

    def nobody_heard(self, *users: User) -> None:
        """None of ``users`` got alice's held message."""
        for user in users:
            heard = [line for line in user.lines if "held hello" in line]
            self.assertEqual(heard, [], user.lines)

    @defer.inlineCallbacks
    def test_a_room_deleted_meanwhile_hears_nothing(
        self,
    ) -> Generator[Any, Any, None]:
        """tea deleted between the hold and the publish: nobody gets the
        message, it is kept nowhere (tea made again has no history), and
        alice is answered ``NOT_IN_ROOM``, as her repeat is."""

        async def delete(bob: User, alice: User) -> None:
            bob.say("/delete tea")
            await self.expect(bob, "DELETED tea")

        bob, alice, carol = yield self.room_changed_meanwhile(delete)
        bob.say("/create tea")
        yield self.expect(bob, "MEMBERS tea")
        bob.say("/history 20")
        yield self.expect(bob, "HISTORY_END tea")
        self.nobody_heard(bob, alice, carol)

    @defer.inlineCallbacks
    def test_a_sender_kicked_meanwhile_is_not_heard(
        self,
    ) -> Generator[Any, Any, None]:
        """alice kicked from tea between the hold and the publish: bob and
        carol never get her message, nor does tea's history hold it;
        alice is answered ``NOT_IN_ROOM``, as her repeat is; back in tea,
        the key is done afresh, once."""

        async def kick(bob: User, alice: User) -> None:
            bob.say("/kick alice")
            await self.expect(alice, "KICKED tea bob")

        bob, alice, carol = yield self.room_changed_meanwhile(kick)
        carol.say("/history 20")
        yield self.expect(carol, "HISTORY_END tea")
        self.nobody_heard(bob, carol)
        alice.say("/join tea")
        yield self.expect(alice, "MEMBERS tea")
        yield self.said_now(alice, carol)

    @defer.inlineCallbacks
    def test_a_repeat_at_once_is_refused_the_same(
        self,
    ) -> Generator[Any, Any, None]:
        """alice kicked while her message is held, and its key's repeat
        on another node publishing it first: that ``PUBLISH_HELD`` is
        refused and drops the key; the send's own, finding the key gone,
        reads the premises still and is refused too (not an ``ACK`` of
        nothing said): alice is answered ``NOT_IN_ROOM``."""
        bob, alice, carol = yield self.in_room("tea", "bob", "alice", "carol")

        async def kick() -> None:
            bob.say("/kick alice")
            await self.expect(alice, "KICKED tea bob")

        published = self.before_publishing(kick, raced=True)
        yield self.refusal(alice, "/txn k1 /say tea held hello", "NOT_IN_ROOM")
        yield published
        self.assertEqual(self.repeat_refused.code, "NOT_IN_ROOM")
        self.assertEqual([x for x in alice.lines if x.startswith("ACK ")], [])
        self.nobody_heard(bob, carol)

    @defer.inlineCallbacks
    def test_a_room_moderated_meanwhile_decides_again(
        self,
    ) -> Generator[Any, Any, None]:
        """tea made moderated while alice's message is held: nobody hears
        it, and the core, deciding again, answers ``MODERATED``, as it
        does her repeat; voiced, her repeat is said, once."""
        bob, alice, carol = yield self.in_room("tea", "bob", "alice", "carol")

        async def moderated() -> None:
            bob.say("/set moderated on")
            await self.expect(bob, "SET tea moderated on")

        self.before_publishing(moderated)
        yield self.refused_twice(alice, "/txn k1 /say tea held hello", "MODERATED")
        self.nobody_heard(bob, carol)
        bob.say("/voice alice")
        yield self.expect(alice, "VOICE")
        yield self.said_now(alice, carol)

    @defer.inlineCallbacks
    def test_a_sender_banned_meanwhile_is_not_heard(
        self,
    ) -> Generator[Any, Any, None]:
        """alice banned (and so kicked) between the hold and the publish:
        nobody gets her message; alice is answered ``NOT_IN_ROOM``, as her
        repeat is."""

        async def ban(bob: User, alice: User) -> None:
            bob.say("/ban alice")
            await self.expect(alice, "KICKED tea bob")

        bob, _alice, carol = yield self.room_changed_meanwhile(ban)
        carol.say("/history 20")
        yield self.expect(carol, "HISTORY_END tea")
        self.nobody_heard(bob, carol)

    # -- a private message's -----------------------------------------------------

    @defer.inlineCallbacks
    def accounts(self) -> Generator[Any, Any, tuple[User, User]]:
        """alice and bob, each signed in to an account of that name."""
        alice = yield self.connect("alice")
        bob = yield self.connect("bob")
        yield self.registered(alice, "alice")
        yield self.registered(bob, "bob")
        return alice, bob

    @defer.inlineCallbacks
    def test_a_private_message_to_an_account_deleted_meanwhile(
        self,
    ) -> Generator[Any, Any, None]:
        """bob deletes his account between the hold of alice's keyed
        message to him and its publish: it is neither told nor kept;
        alice is answered ``NO_SUCH_USER``, as her repeat is and as a
        first send would be; her key keeps nothing. A new account bob
        finds no conversation with alice."""
        alice, bob = yield self.accounts()

        async def deleted() -> None:
            bob.say(f"/delete-account {PASSWORD}")
            await self.expect(bob, "ACCOUNT_DELETED bob")

        self.before_publishing(deleted)
        line = "/txn p1 /msg bob held psst"
        yield self.refused_twice(alice, line, "NO_SUCH_USER")
        self.assertIsNone((yield self.record("alice", "p1", "@bob")))
        heard = [line for line in bob.lines if "held psst" in line]
        self.assertEqual(heard, [])

        again = yield self.connect("bob")
        yield self.registered(again, "bob")
        again.say("/history @alice 20")
        yield self.expect(again, "HISTORY_END @alice")
        self.assertEqual([x for x in again.lines if "held psst" in x], [])
        latest = yield defer.ensureDeferred(
            self.registry.backend.conversations.latest("bob")
        )
        self.assertEqual([e for e in latest if "held psst" in e.text], [])

    @defer.inlineCallbacks
    def test_a_private_message_from_an_account_deleted_meanwhile(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's account deleted (from her other device) between the
        hold of her keyed message to bob and its publish: bob is told
        nothing and keeps nothing from her."""
        alice, bob = yield self.accounts()
        other = User(FakeClient(self.server))
        other.say(f"/login alice {PASSWORD}")
        yield self.expect(other, "WELCOME ")

        async def deleted() -> None:
            other.say(f"/delete-account {PASSWORD}")
            await self.expect(other, "ACCOUNT_DELETED alice")

        published = self.before_publishing(deleted)
        alice.say("/txn p2 /msg bob held psst")
        yield self.expect(alice, "BYE ")
        yield published
        self.assertEqual([x for x in alice.lines if x.startswith("ACK ")], [])
        self.assertIsNone((yield self.record("alice", "p2", "@bob")))
        carol = yield self.connect("carol")
        carol.say("/msg bob after")
        after = yield self.expect(bob, "PRIVMSG carol bob ")
        self.assertTrue(after.endswith(" after"), after)
        self.assertEqual([x for x in bob.lines if "held psst" in x], [])
        latest = yield defer.ensureDeferred(
            self.registry.backend.conversations.latest("bob")
        )
        self.assertEqual([e for e in latest if "held psst" in e.text], [])


class QuietHeldTests(RedisRegistryTestCase, ContractBase):
    """In a big room (``--big-room 2``: joiners from the second on join
    quietly), a quiet member's keyed message is held as any, its JOIN
    shown first by the script that holds it."""

    config = replace(CONFIG, big_room=2)
    timeout = 120

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        backend = self.registry.backend
        wait = ReplicaWait(backend.calls, reactor, 0, backend.cluster.redis_timeout)
        backend.replication = wait

    @defer.inlineCallbacks
    def test_a_quiet_members_keyed_message_is_said_once(
        self,
    ) -> Generator[Any, Any, None]:
        """carol joined bob's tea quietly: her keyed message is held and
        said in one decision (``publish-held``, reading its premises
        again, finds her as the decision did), acknowledged, and bob sees
        her JOIN once, then the message once; its repeat brings only the
        ACK."""
        bob = yield self.connect("bob")
        bob.say("/create tea")
        yield self.expect(bob, "MEMBERS tea")
        carol = yield self.connect("carol")
        carol.say("/join tea")
        yield self.expect(carol, "MEMBERS tea")
        calls: Any = self.registry.backend.calls  # its call, counted
        call, scripts_run = calls.call, []

        async def counted(script: Any, *args: Any, **kwargs: Any) -> Any:
            scripts_run.append(script)
            return await call(script, *args, **kwargs)

        calls.call = counted
        self.addCleanup(delattr, calls, "call")
        carol.say("/txn q1 /say tea hello from the quiet")
        ack = yield self.expect(carol, "ACK q1 tea ")
        # held once and said once: not decided again
        self.assertEqual(scripts_run.count(scripts.SAY), 1)
        carol.say("/txn q1 /say tea hello from the quiet")
        self.assertEqual((yield self.expect(carol, "ACK q1 tea ")), ack)
        carol.say("after")
        yield self.expect(bob, "MSG tea carol ")
        yield self.expect(bob, "MSG tea carol ")
        joins = [line for line in bob.lines if line == "JOIN tea carol"]
        said = [line for line in bob.lines if line.endswith("from the quiet")]
        self.assertEqual((len(joins), len(said)), (1, 1), bob.lines)
