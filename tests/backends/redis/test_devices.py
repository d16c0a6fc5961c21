"""Many devices per account and remembered rooms against the Redis registry.

The same tests as ``tests/backends/local/test_devices.py`` (see
``tests/backends/contracts/devices.py``), with names, rooms, accounts and
their remembered rooms in a real redis-server: on one node, then with an
account's devices on two nodes (each new device on the other node than the
last), which see one another as devices on one node do: one member, one
limit, one ``/devices`` list.
"""

from __future__ import annotations

from typing import Any, cast

from twisted.internet import defer, protocol, reactor
from twisted.internet.interfaces import IProtocol, IReactorTime

from chatroom.core.model import errors
from chatroom.core.model.config import ClusterConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Welcome
from chatroom.core.model.text import name_key
from chatroom.core.rooms.entries import Entry
from chatroom.doors.base.hub import DoorHub
from chatroom.redisclient.addresses import RedisAddress
from chatroom.wiring.registries import redis_registry
from tests.backends.contracts.devices import CONFIG, DevicesContract
from tests.cluster.support import RedisRegistryTestCase
from tests.support import FakeClient


class _Skewed:
    """The reactor's time, ``offset`` seconds off: a node whose clock is wrong."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def seconds(self) -> float:
        return float(reactor.seconds()) + self.offset

    def __getattr__(self, name: str) -> Any:
        return getattr(reactor, name)  # callLater and the rest: the reactor's


class RedisDevicesTests(RedisRegistryTestCase, DevicesContract):
    """Replies come once Redis has answered."""

    config = CONFIG

    def seat_of(self, name: str) -> tuple[Any, Any]:
        """The seat and session of user ``name`` on this node."""
        return next(
            (seat, session)
            for seat, session in self.registry.backend.sessions.named()
            if session.name == name
        )

    @defer.inlineCallbacks
    def test_a_room_left_before_it_is_shown_is_not_shown(self) -> Any:
        """A join answered ``ALREADY_IN_ROOM`` for a room this node did not
        know its user is in is shown by ``VIEW`` (as a device on another
        node's entry is); a user out of it again by then (harvested, kicked)
        is shown nothing, and the refusal is ``NOT_IN_ROOM``, for the core
        to decide on (it was Redis's ``NOT_IN_ROOM`` unexpected, so the join
        was answered ``ERR INTERNAL``: 82 rejoins in a chaos run)."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        alice = yield self.connect("alice")
        backend = self.registry.backend
        seat, session = self.seat_of("alice")
        shown = defer.ensureDeferred(
            backend.server.other_nodes.show(seat, session, name_key("tea"), None)
        )
        refusal = yield self.assertFailure(shown, ChatError)
        self.assertEqual(refusal.code, "NOT_IN_ROOM")
        yield self.wait()
        self.not_seen(alice, "JOINED")
        self.assertEqual(backend.rooms.rooms_of(seat), [])

    @defer.inlineCallbacks
    def test_a_join_the_other_device_raced_out_of_joins(self) -> Any:
        """A join answered ``ALREADY_IN_ROOM`` (the account was in the room
        by a device on another node) whose room that device left before
        this node could show it: the account joins it, as a join asked a
        moment later would, rather than being told it is in a room it is
        not in."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        alice = yield self.device("alice")
        backend = self.registry.backend
        seat, session = self.seat_of("alice")
        (device,) = seat.devices

        entries = self.registry.entries
        entry = Entry(lambda: self.registry.identities.actor(seat))

        async def join(seat: Any, moving: str | None) -> Welcome:
            return await entries.join(seat, session, "tea", moving, None, entry)

        raced = errors.already_in_room("tea")
        devices = self.registry.devices
        seat.asking("tea", device)  # as Devices.seated does around a join
        yield defer.ensureDeferred(
            devices.shown_late(seat, device, "tea", None, None, raced, join)
        )
        seat.asked("tea")
        self.assertEqual(
            (yield self.expect(alice, "JOINED ")).split()[:2], ["JOINED", "tea"]
        )
        yield self.expect(bob, "JOIN tea alice")
        self.assertEqual(backend.rooms.rooms_of(seat), ["tea"])


class TwoNodeDevicesTests(RedisRegistryTestCase, DevicesContract):
    """Devices alternate between two nodes of one cluster; other users are
    on the first."""

    config = CONFIG

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        address = RedisAddress.parse(self.redis_url)
        cluster = ClusterConfig(address, node_id="contract-two")
        self.other = redis_registry(self.config, cluster, reactor)
        self.other_server = DoorHub(self.config, clock=reactor, registry=self.other)
        self.other_server.start()
        self.addCleanup(self._stop_other)
        yield self.other.backend.when_available()
        self.devices_made = 0

    def _stop_other(self) -> Any:
        self.other_server.stop()
        for connection in list(self.other_server.open_connections):
            # A twisted protocol by its interface (the IRC door's has no Protocol base).
            IProtocol(connection).connectionLost(protocol.connectionDone)
        return self.other.detach()

    def nodes(self) -> list[DoorHub]:
        return [self.server, self.other_server]

    def device_server(self) -> DoorHub:
        """Node two for every other device, node one for the rest."""
        self.devices_made += 1
        return self.other_server if self.devices_made % 2 == 0 else self.server

    @defer.inlineCallbacks
    def test_devices_in_sign_in_order_whatever_the_clocks(self) -> Any:
        """``/devices`` lists the account's devices in the order they signed
        in, by the cluster's own count, even when the later device's node
        runs an hour behind the first's (its device's time says earlier)."""
        late = cast(IReactorTime, _Skewed(-3600.0))
        cluster = ClusterConfig(RedisAddress.parse(self.redis_url), node_id="late")
        registry = redis_registry(self.config, cluster, late)
        node = DoorHub(self.config, clock=late, registry=registry)
        node.start()
        self.addCleanup(registry.detach)
        self.addCleanup(node.stop)
        yield registry.backend.when_available()
        laptop = yield self.device("alice")  # node one
        self.device_server = lambda: node  # type: ignore[method-assign]
        phone = yield self.device("alice")  # the late node
        laptop.say("/devices")
        first = yield self.expect(laptop, "DEVICE ")
        second = yield self.expect(laptop, "DEVICE ")
        self.assertEqual(first.split()[1], "1")
        self.assertTrue(first.endswith(" current"))
        self.assertEqual(second.split()[1], "2")
        self.assertLess(second.split()[3], first.split()[3])  # its clock: earlier
        yield self.expect(laptop, "DEVICES_END 2")
        phone.client.lose()

    @defer.inlineCallbacks
    def test_one_room_devices_keep_the_account_in(self) -> Any:
        """Across nodes a one-room device moving elsewhere never takes the
        account out of a room (a device on the other node may be in it),
        and the last device of a node to go takes it out of none: the
        account stays in tea while its other node's device is connected,
        and leaves it with that device."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        laptop = yield self.device("alice")  # node one
        phone = yield self.device("alice")  # node two
        yield self.entered(laptop, "tea")
        yield self.entered(phone, "tea")
        phone.say("/create cafe")
        yield self.expect(phone, "LEFT tea")
        yield self.expect(phone, "MEMBERS cafe alice")
        bob.say("still here?")
        yield self.expect(laptop, "MSG tea bob ")
        self.not_seen(bob, "PART tea alice")
        yield self.gone(laptop)
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea bob alice")
        self.not_seen(phone, "MSG tea bob")
        yield self.gone(phone)
        yield self.expect(bob, "PART tea alice")

    @defer.inlineCallbacks
    def test_two_sign_ins_racing_on_two_nodes_meet_one_limit(self) -> Any:
        """With one device short of ``--max-devices``, two sign-ins whose
        passwords matched at once, one on each node, are one too many:
        exactly one is welcomed, the other refused ``TOO_MANY_DEVICES``
        (each node counting for itself let both in), and nobody is ended."""
        devices = [(yield self.device("alice")), (yield self.device("alice"))]
        racers = [FakeClient(self.server), FakeClient(self.other_server)]
        # Where each door goes once the password matched (hashing, which
        # takes its own time on each node, is what would keep them apart).
        signing = [
            defer.Deferred.fromCoroutine(
                racer.protocol.session.choose_name("alice", "alice")
            )
            for racer in racers
        ]
        outcomes = yield defer.DeferredList(signing, consumeErrors=True)
        refusals = [result.value.code for ok, result in outcomes if not ok]
        self.assertEqual(refusals, ["TOO_MANY_DEVICES"])
        for device in devices:
            self.assertFalse(device.client.closing)
            self.not_seen(device, "BYE")
