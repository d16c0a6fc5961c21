"""Sessions' ends against the Redis back-end on a real redis-server
(``tests/backends/contracts/session_ends.py``), and a node's own harvest
as it stops: the node reads the seatings of its users' rooms, the core
decides their departures, and each room's script checks the premises."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.task import Clock

from chatroom.backends.redis import outcomes, scripts
from chatroom.backends.redis.endings import LOST
from chatroom.core.model import errors
from chatroom.core.model.changes.base import FactsChangedError
from chatroom.core.model.events import DepartureKind
from chatroom.core.model.facts import EndedUser
from chatroom.doors.base.leaving import LostConnections
from chatroom.doors.web.metrics import ServerCollector
from chatroom.wire.names import name_key
from tests.backends.contracts.handler import ContractBase, User
from tests.backends.contracts.session_ends import CONFIG, SessionEndsContract
from tests.cluster.support import RedisRegistryTestCase, TwoNodeRegistryTestCase
from tests.support import FakeClient, redis_backend, redis_command, until


class RedisSessionEndsTests(RedisRegistryTestCase, SessionEndsContract):
    config = CONFIG


class TeaOnTwoNodes(TwoNodeRegistryTestCase):
    """Two nodes on one Redis, and users of node one joining tea."""

    config = CONFIG

    @defer.inlineCallbacks
    def joined(self, name: str) -> Generator[Any, Any, Any]:
        """``name``, on node one, joins tea."""
        user = yield self.connect(name)
        user.say("/join tea")
        yield self.expect(user, "MEMBERS tea ")
        return user


class HarvestTests(TeaOnTwoNodes):
    """Node two stops: its users leave their rooms as it harvests them."""

    config = CONFIG

    @defer.inlineCallbacks
    def test_a_harvested_owner_hands_the_room_on(self) -> Generator[Any, Any, None]:
        """alice, on node two, owns tea; node two shuts down: bob and carol,
        on node one, see her go as the node's, and bob owns the room."""
        alice = yield self.on_two("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
        yield self.joined("bob")
        carol = yield self.joined("carol")
        yield self.stop_other()
        part = yield self.expect(carol, "PART tea alice")
        self.assertEqual(part, "PART tea alice server two shut down")
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea bob")

    @defer.inlineCallbacks
    def test_the_heir_gone_meanwhile_is_decided_again(
        self,
    ) -> Generator[Any, Any, None]:
        """Node two's harvest decided alice's departure with bob her heir;
        bob left before it was applied: the room's script refused, and the
        core decided again on the seating it brought: carol owns tea."""
        alice = yield self.on_two("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
        bob = yield self.joined("bob")
        carol = yield self.joined("carol")

        async def bob_leaves() -> None:
            bob.say("/leave")
            await self.expect(carol, "PART tea bob")

        self.race_before("apply_departures", bob_leaves, self.other.backend)
        yield self.stop_other()
        part = yield self.expect(carol, "PART tea alice")
        self.assertEqual(part, "PART tea alice server two shut down")
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea carol")


class ReconnectElsewhereTests(TeaOnTwoNodes):
    """A user whose connection is lost reconnects at once through the other
    node, while the first is still taking the old session out of its
    rooms."""

    config = CONFIG

    @defer.inlineCallbacks
    def test_the_name_waits_for_the_old_sessions_end(
        self,
    ) -> Generator[Any, Any, None]:
        """carol's connection to node one is lost; before her rooms' step,
        she connects again to node two: the claim's facts say her name's
        end is under way, so the core there waits for it rather than answer
        ``NAME_TAKEN`` (:mod:`chatroom.core.services.claims`), and welcomes her once
        node one has freed it. alice saw her go."""
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
        carol = yield self.joined("carol")
        endings: list[bool] = []  # each refused claim's: the end under way?
        calls = self.other.backend.calls
        call = calls.call

        async def recording(script: Any, *args: Any, **options: Any) -> Any:
            try:
                return await call(script, *args, **options)
            except FactsChangedError as changed:
                if script is scripts.CLAIM:  # its facts: the end's at 6
                    endings.append(bool(int(changed.args[0][6])))
                raise

        calls.call = recording  # type: ignore[method-assign]
        self.addCleanup(delattr, calls, "call")
        again = User(FakeClient(self.other_server))

        async def reconnects() -> None:
            again.say("carol")
            while True not in endings:
                refused = [line for line in again.unread() if line.startswith("ERR")]
                self.assertEqual(refused, [])
                await self.wait()

        self.race_before("apply_departures", reconnects)
        carol.client.lose()
        yield self.expect(alice, "PART tea carol")
        yield self.expect(again, "WELCOME carol")

    @defer.inlineCallbacks
    def test_a_name_lost_on_one_node_is_free_on_the_other(
        self,
    ) -> Generator[Any, Any, None]:
        """carol's connection to node one is gone while node one is still
        giving back a crowd (bob's before her, and its turns held back
        here: her release has not begun). She comes back through node
        two: she gets her name at once, alice on node one sees her leave
        for the reason node one knew, then join again, and node one's
        release, when its turn comes, takes nothing from her."""
        clock = Clock()  # node one's turns, moved on by this test alone
        self.server.lost_connections = LostConnections(clock, per_turn=1)
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
        carol = yield self.joined("carol")
        bob = yield self.connect("bob")
        bob.client.lose()  # given back at once: the turn has room for one
        carol.client.lose()
        self.assertEqual(self.server.lost_connections.waiting, 1)
        backend = redis_backend(self.server)
        gone = f"{backend.calls.prefix}gone"
        # Until node one has told Redis she is gone (a turn and a round
        # trip), for 5 s at most: without it node two refuses her.
        deadline = reactor.seconds() + 5
        while reactor.seconds() < deadline and not (
            yield redis_command(self.server, "HEXISTS", gone, "carol")
        ):
            yield self.wait()
        again = yield self.on_two("carol")
        part = yield self.expect(alice, "PART tea carol")
        self.assertEqual(part, "PART tea carol connection lost")
        again.say("/join tea")
        yield self.expect(again, "MEMBERS tea ")
        yield self.expect(alice, "JOIN tea carol")
        clock.advance(0)  # node one gives carol's old connection back
        yield until(
            lambda: defer.succeed(backend.endings.under_way("carol") is None),
            10,
            "node one's release of carol",
        )
        alice.say("/who")
        self.assertEqual(
            (yield self.expect(alice, "MEMBERS ")), "MEMBERS tea alice carol"
        )
        self.assertNotIn("PART tea carol", " ".join(alice.unread()))
        self.assertEqual([x for x in again.unread() if x.startswith("BYE")], [])


def session_token(backend: Any, name: str) -> str:
    """The token of the session called ``name`` on ``backend``'s node."""
    return next(s.token for _, s in backend.sessions.named() if s.name == name)


class TwoEndsOfOneUserTests(RedisRegistryTestCase, ContractBase):
    """bob's release, and another end of his in the same room under way at
    the same time (a join of his cut short by the release,
    :meth:`~chatroom.backends.redis.endings.Endings.leave_ended`)."""

    config = CONFIG

    @defer.inlineCallbacks
    def bob_in_tea(self) -> Generator[Any, Any, tuple[User, User]]:
        """alice makes tea, and bob joins her there."""
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
        bob = yield self.connect("bob")
        bob.say("/join tea")
        yield self.expect(alice, "JOIN tea bob")
        return alice, bob

    @defer.inlineCallbacks
    def test_the_other_end_done_first_leaves_the_release_whole(
        self,
    ) -> Generator[Any, Any, None]:
        """bob's connection is lost while his other end in tea, decided on
        a seating read before he joined (nothing to do), runs beside his
        release and is done first: the release still takes him out of tea
        and frees his name, and he can sign on with it again."""
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
        bob = yield self.connect("bob")
        backend = redis_backend(self.server)
        room = name_key("tea")
        u = name_key("bob")
        before = yield defer.ensureDeferred(
            backend.calls.eval(scripts.SEATINGS, {"room": room, "about": [u]})
        )
        bob.say("/join tea")
        yield self.expect(alice, "JOIN tea bob")
        token = session_token(backend, "bob")

        async def the_other_end() -> None:
            seen = outcomes.seated_all(before)
            applied = await backend.endings.departed(
                [EndedUser(u, "bob", token)],
                {room: [u]},
                seen,
                DepartureKind.QUIT,
                LOST,
            )
            self.assertEqual(applied, [])  # bob was not in tea, as it read

        self.race_before("apply_departures", the_other_end)
        bob.client.lose()
        part = yield self.expect(alice, "PART tea bob")
        self.assertEqual(part, "PART tea bob connection lost")

        @defer.inlineCallbacks
        def only_alice() -> Generator[Any, Any, bool]:
            online = yield defer.ensureDeferred(
                self.server.registry.presence.names_online()
            )
            return bool(online == ["alice"])

        yield until(only_alice, 10, "bob's name freed")
        again = yield self.connect("bob")
        again.say("/join tea")
        yield self.expect(again, "MEMBERS tea alice bob")

    @defer.inlineCallbacks
    def test_a_late_end_leaves_the_seat_of_the_names_next_session(
        self,
    ) -> Generator[Any, Any, None]:
        """bob's first session ends (his connection gone, a claim of his
        name ending it at once) and he sits down in tea again on a new
        one; another end of the first session, run late (the node that
        had it, releasing it in its turn while that end was under way),
        takes nothing from the new seat: neither one that reads tea only
        now, nor one decided on tea as it was before he came back."""
        alice, bob = yield self.bob_in_tea()
        backend = redis_backend(self.server)
        room, u = name_key("tea"), name_key("bob")
        first = session_token(backend, "bob")
        read = {"room": room, "about": [u]}
        before = yield defer.ensureDeferred(backend.calls.eval(scripts.SEATINGS, read))
        bob.say("/quit")
        yield self.expect(alice, "PART tea bob")
        again = yield self.connect("bob")
        again.say("/join tea")
        yield self.expect(alice, "JOIN tea bob")
        now = yield defer.ensureDeferred(backend.calls.eval(scripts.SEATINGS, read))
        for seen in (outcomes.seated_all(now), outcomes.seated_all(before)):
            applied = yield defer.ensureDeferred(
                backend.endings.departed(
                    [EndedUser(u, "bob", first)],
                    {room: [u]},
                    seen,
                    DepartureKind.QUIT,
                    "connection closed",
                )
            )
            self.assertEqual(applied, [])
        alice.say("/who")
        self.assertEqual(
            (yield self.expect(alice, "MEMBERS ")), "MEMBERS tea alice bob"
        )
        self.assertNotIn("PART tea bob", " ".join(alice.unread()))

    @defer.inlineCallbacks
    def test_a_release_cut_short_is_run_again(self) -> Generator[Any, Any, None]:
        """bob's release fails at tea's departure, first as tea's facts
        kept changing under it (``UNAVAILABLE`` while Redis serves), then
        for a fault (logged): it is run again, which takes him out of tea
        and frees his name, where he would stay listed until the node
        resumed."""
        alice, bob = yield self.bob_in_tea()
        backend = redis_backend(self.server)
        apply = backend._apply_departures
        failures = [errors.unavailable(), RuntimeError("a fault in its step")]

        async def failing(change: Any) -> None:
            if failures:
                raise failures.pop(0)
            await apply(change)

        backend._apply_departures = failing  # type: ignore[method-assign]
        self.addCleanup(delattr, backend, "_apply_departures")
        retried = self.retried()
        bob.client.lose()
        part = yield self.expect(alice, "PART tea bob")
        self.assertEqual(part, "PART tea bob connection lost")

        @defer.inlineCallbacks
        def only_alice() -> Generator[Any, Any, bool]:
            online = yield defer.ensureDeferred(
                self.server.registry.presence.names_online()
            )
            return bool(online == ["alice"])

        yield until(only_alice, 10, "bob's name freed")
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertEqual(self.retried() - retried, 2)

    def retried(self) -> float:
        """Releases run again, as ``/metrics`` counts them."""
        return next(
            sample.value
            for family in ServerCollector(self.server, 0).collect()
            for sample in family.samples
            if sample.name == "chatroom_departures_retried_total"
        )
