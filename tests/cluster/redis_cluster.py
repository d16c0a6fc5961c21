"""A Redis Cluster of three primaries, each with one replica, for the tests
of ``--redis cluster://``.

Six real ``redis-server`` processes with ``cluster-enabled yes`` on free
loopback ports, made one cluster by Debian's ``redis-cli --cluster create``
(the way an operator makes one), with a failure noticed after 1 s
(``cluster-node-timeout``) so that the cluster's own failover takes a few
seconds. The nodes are given ``cluster://`` with two of them; the tests
kill, fail over and ask any of them anything with
:func:`~tests.cluster.sentinels.ask`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Generator
from dataclasses import replace
from functools import partial
from typing import Any

from twisted.internet import defer, utils

from chatroom.core.model.config import CLUSTER_PREFIX, ClusterConfig
from chatroom.redisclient.addresses import RedisClusterAddress
from chatroom.redisclient.link import serving
from chatroom.redisclient.slots import SLOTS, SlotMap, key_slot
from tests.cluster.sentinels import ask
from tests.cluster.support import (
    _RUNNING,
    REDIS_SERVER,
    ClusterTestCase,
    RedisProcess,
    RedisRegistryTestCase,
)
from tests.support import free_port, until

REDIS_CLI = shutil.which("redis-cli")

#: The cluster's shards: this many primaries, each with one replica.
PRIMARIES = 3


class RedisClusterTestCase(ClusterTestCase):
    """Six ``redis-server``: a Redis Cluster of three primaries and their
    replicas; :attr:`redis_url` names two of them, so :meth:`node` asks
    the cluster where the chat's slot is."""

    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        if REDIS_CLI is None:
            self.fail("redis-cli (Debian's redis-tools) makes the Redis Cluster")
        self.servers = {}
        #: Each server's cluster bus port (asked for by ``CLUSTER MEET``).
        self.bus_ports: dict[int, int] = {}
        for _ in range(2 * PRIMARIES):
            server = self.cluster_server(free_port())
            yield server.start()
            self.addCleanup(server.stop)
            self.servers[server.port] = server
        ports = list(self.servers)
        created = yield utils.getProcessOutputAndValue(
            REDIS_CLI,
            [
                "--cluster", "create",
                *(f"127.0.0.1:{port}" for port in ports),
                "--cluster-replicas", "1",
                "--cluster-yes",
            ],
            env=os.environ,
        )  # fmt: skip
        output, errors, code = created
        self.assertEqual(code, 0, (output + errors).decode(errors="replace"))
        yield until(self.cluster_ready, 20, "every slot served, every replica in sync")
        self.redis_url = f"cluster://127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}"

    def cluster_server(self, port: int) -> RedisProcess:
        """One ``redis-server`` of the cluster (its ``nodes.conf`` in its own
        working directory), copying to its replica at once."""
        return RedisProcess(
            port,
            options=(
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", "1000",
                # A free bus port of its own: the default, the port plus
                # 10,000, may be taken, or past 65,535.
                "--cluster-port", str(self.bus_ports.setdefault(port, free_port())),
                "--repl-diskless-sync-delay", "0",
                # A replica fails over however long its primary has been
                # gone: with the default (10), one that could not win its
                # vote within ~20 s on a loaded machine never would.
                "--cluster-replica-validity-factor", "0",
            ),
        )  # fmt: skip

    @defer.inlineCallbacks
    def cluster_ready(self):
        """Whether every server says the cluster is ok and every primary
        has its replica in sync (a message is confirmed by ``WAIT``)."""
        for port in self.servers:
            info = yield ask(port, "CLUSTER", "INFO")
            if b"cluster_state:ok" not in info:
                return False
            replication = yield ask(port, "INFO", "replication")
            if b"role:master" in replication and b"state=online" not in replication:
                return False
        return True

    @defer.inlineCallbacks
    def slot_primary(self, asked: int | None = None):
        """The port of the primary serving the chat's slot, as the server on
        ``asked`` (any, by default) tells."""
        port = asked or next(p for p, s in self.servers.items() if not s.ended.called)
        slot = yield ask(port, "CLUSTER", "KEYSLOT", CLUSTER_PREFIX)
        served = serving(int(slot), (yield ask(port, "CLUSTER", "SLOTS")), "")
        return None if served is None else served[1]

    def replica_of(self, primary: int) -> defer.Deferred[int]:
        """The port of the replica of the primary on ``primary``, once that
        primary lists it in sync (under load it may be catching up)."""
        return until(
            lambda: self._replica_of(primary), 10, f"a replica of {primary} listed"
        )

    @defer.inlineCallbacks
    def in_sync(self, primary: int) -> Generator[Any, Any, int | None]:
        """The port of ``primary``'s replica once it has every write the
        primary made (a ``WAIT`` would need the writer's own connection)."""
        info = (yield ask(primary, "INFO", "replication")).decode()
        fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
        replica = dict(
            part.split("=") for part in fields.get("slave0", "").split(",") if part
        )
        if int(replica.get("offset", -1)) < int(fields["master_repl_offset"]):
            return None
        return int(replica["port"])

    @defer.inlineCallbacks
    def _replica_of(self, primary: int):
        info = yield ask(primary, "INFO", "replication")
        for line in info.decode().splitlines():
            if line.startswith("slave0:"):
                fields = dict(
                    part.split("=") for part in line.split(":", 1)[1].split(",")
                )
                if fields.get("state") == "online":
                    return int(fields["port"])
        return None


#: The one-server Redis Cluster the contract tests of this process share,
#: emptied before each test: a server just made a cluster's primary takes
#: 2 s before it takes writes (Redis's ``CLUSTER_WRITABLE_DELAY``), too long
#: to pay per test. A plain child process, not the reactor's (one that
#: outlives a test would leave trial's reactor unclean); killed at exit.
_shared: subprocess.Popen[bytes] | None = None
_shared_port = 0


@defer.inlineCallbacks
def emptied_cluster_server():
    """The port of the shared one-server Redis Cluster, made if it is not
    running, once it serves every slot, emptied."""
    global _shared, _shared_port
    assert REDIS_SERVER is not None
    if _shared is None or _shared.poll() is not None:
        _shared_port = port = free_port()
        _shared = subprocess.Popen(
            [
                REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                # A free bus port: the default, its port plus 10,000, may not be.
                "--cluster-port", str(free_port()),
            ],
            cwd=tempfile.mkdtemp(prefix="chatroom-redis-"),
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        _RUNNING.add(_shared.pid)
        yield until(lambda: ask(port, "PING"), 10, "the shared cluster server up")
        yield ask(port, "CLUSTER", "ADDSLOTSRANGE", "0", "16383")

        @defer.inlineCallbacks
        def serving():
            return b"cluster_state:ok" in (yield ask(port, "CLUSTER", "INFO"))

        yield until(serving, 10, "the one-server cluster serving every slot")
    yield ask(_shared_port, "FLUSHALL")
    return _shared_port


class OneServerClusterRegistryTestCase(RedisRegistryTestCase):
    """A contract (``tests/backends/contracts/``) run on a Redis Cluster of one
    ``redis-server`` that serves every slot, reached by ``cluster://``
    (every rule of cluster mode holds); after each test every key left
    must be in the chat's one slot: a key without the prefix's hash tag
    (``{chatroom}:``) would be another shard's on a cluster of several."""

    @defer.inlineCallbacks
    def start_redis(self):
        self.cluster_port = yield emptied_cluster_server()
        self.addCleanup(self.every_key_in_the_slot)  # once the server stopped

    @defer.inlineCallbacks
    def every_key_in_the_slot(self):
        port = self.cluster_port
        keys = yield ask(port, "KEYS", "*")
        stray = sorted(key for key in keys if not key.startswith(b"{chatroom}:"))
        self.assertEqual(stray, [], "keys outside the chat's slot")
        slot = yield ask(port, "CLUSTER", "KEYSLOT", CLUSTER_PREFIX)
        held = yield ask(port, "CLUSTER", "COUNTKEYSINSLOT", slot)
        self.assertEqual(int(held), len(keys))

    def cluster_config(self) -> ClusterConfig:
        return ClusterConfig(
            RedisClusterAddress((("127.0.0.1", self.cluster_port),)),
            node_id="contract",
            prefix=CLUSTER_PREFIX,
        )


#: The kinds of key a room has of its own (``_ROOMS_ON_THEIR_OWN`` in
#: :mod:`chatroom.backends.redis.prelude`).
ROOM_KINDS = frozenset(
    b"room members history quiet log reactions modlog hooks ids holding seats"
    b" pins commands".split()
)


class RoomsApartRegistryTestCase(OneServerClusterRegistryTestCase):
    """A contract run in the layout where each room has a slot of its own
    (``ClusterConfig.rooms_apart``), on the one-server Redis Cluster that
    serves every slot; after each test every key must be where the layout
    puts it: a room's under ``{chatroom/ROOM}:``, of a room's kind, and the
    rest under ``{chatroom}:``, none of a room's kind (a room key built the
    old way would stay in the server's slot on a cluster of several), and
    each room's copies of its members (``seats``, ``holding``) must name
    its members."""

    def every_key_in_the_slot(self):
        return keys_where_rooms_apart_put_them(self, self.cluster_port)

    def cluster_config(self) -> ClusterConfig:
        return replace(super().cluster_config(), rooms_apart=True)


#: The Redis Cluster of three primaries (no replicas) that the rooms-apart
#: contracts of this process share when run on several primaries
#: (:class:`OnThreePrimaries`): made once, as :func:`emptied_cluster_server`
#: makes its one server, and emptied before each test.
_three: list[subprocess.Popen[bytes]] = []
_three_ports: list[int] = []


@defer.inlineCallbacks
def emptied_three_primaries():
    """The ports of the shared cluster of three primaries, made if it is not
    running (each serving a third of the slots, met with the others), once
    every server says it is ok, each emptied."""
    assert REDIS_SERVER is not None
    if not _three or any(server.poll() is not None for server in _three):
        for server in _three:
            if server.poll() is None:
                server.kill()
        _three.clear()
        _three_ports[:] = [free_port() for _ in range(PRIMARIES)]
        for port in _three_ports:
            server = subprocess.Popen(
                [
                    REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no",
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-port", str(free_port()),
                ],
                cwd=tempfile.mkdtemp(prefix="chatroom-redis-"),
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            _three.append(server)
            _RUNNING.add(server.pid)
            yield until(partial(ask, port, "PING"), 10, "a server up")
        third = SLOTS // PRIMARIES
        for index, port in enumerate(_three_ports):
            last = SLOTS - 1 if index == PRIMARIES - 1 else (index + 1) * third - 1
            yield ask(port, "CLUSTER", "ADDSLOTSRANGE", index * third, last)
        first = _three_ports[0]
        for port in _three_ports[1:]:
            bus = yield ask(port, "CONFIG", "GET", "cluster-port")
            yield ask(first, "CLUSTER", "MEET", "127.0.0.1", port, int(bus[1]))

        @defer.inlineCallbacks
        def every_one_ok():
            for port in _three_ports:
                info = yield ask(port, "CLUSTER", "INFO")
                if (
                    b"cluster_state:ok" not in info
                    or b"cluster_known_nodes:3" not in info
                ):
                    return False
            return True

        yield until(every_one_ok, 20, "the cluster of three primaries serving")
    for port in _three_ports:
        yield ask(port, "FLUSHALL")
    return list(_three_ports)


def cluster_asker(ports: list[int]) -> Callable[..., defer.Deferred[Any]]:
    """:func:`~tests.cluster.sentinels.ask` on a cluster whose primaries are
    on ``ports``: a command to the primary of its key's slot (its first
    argument), ``KEYS`` to every one (their keys together)."""
    slots: dict[str, SlotMap] = {}

    @defer.inlineCallbacks
    def asked(*command: Any):
        if command[0] == "KEYS":
            keys = []
            for port in ports:
                keys += yield ask(port, *command)
            return keys
        if "map" not in slots:
            slots["map"] = SlotMap.from_reply(
                (yield ask(ports[0], "CLUSTER", "SLOTS")), "127.0.0.1"
            )
        node = slots["map"].primary_of(key_slot(command[1]))
        assert node is not None
        return (yield ask(node[1], *command))

    return asked


class OnThreePrimaries:
    """Mixed in before a rooms-apart test case (a subclass of
    :class:`RoomsApartRegistryTestCase`): the same tests on the shared
    Redis Cluster of three primaries, every room's keys and channel where
    its slot is served, and after each test every key where the layout
    puts it, read on every primary."""

    cluster_port: int

    @defer.inlineCallbacks
    def start_redis(self):
        self.cluster_ports = yield emptied_three_primaries()
        self.cluster_port = self.cluster_ports[0]
        self.addCleanup(self.every_key_in_the_slot)  # type: ignore[attr-defined]

    def every_key_in_the_slot(self):
        return keys_where_rooms_apart_put_them(self, cluster_asker(self.cluster_ports))

    def cluster_config(self) -> ClusterConfig:
        return ClusterConfig(
            RedisClusterAddress(tuple(("127.0.0.1", p) for p in self.cluster_ports)),
            node_id="contract",
            prefix=CLUSTER_PREFIX,
            rooms_apart=True,
        )


@defer.inlineCallbacks
def keys_where_rooms_apart_put_them(
    case: Any, where: int | Callable[..., defer.Deferred[Any]]
):
    """Every key of the cluster where the rooms-apart layout puts it, and
    each room's copies of its members naming them (see
    :class:`RoomsApartRegistryTestCase`): ``where`` is the one-server
    cluster's port, or how to ask a cluster of several
    (:func:`cluster_asker`)."""
    if isinstance(where, int):
        port = where

        def on(*command: Any) -> defer.Deferred[Any]:
            return ask(port, *command)

        where = on
    asking = where
    keys = yield asking("KEYS", "*")
    misplaced = []
    for key in keys:
        tag, _, rest = key.partition(b"}:")
        if tag == b"{chatroom":
            # the old layout's P kind:r, and its P ids of every room
            kind, colon, _ = rest.partition(b":")
            if (colon and kind in ROOM_KINDS) or rest == b"ids":
                misplaced.append(key)
        elif not (tag.startswith(b"{chatroom/") and rest in ROOM_KINDS):
            misplaced.append(key)
    case.assertEqual(sorted(misplaced), [], "keys outside their slot")
    yield _members_copied(case, asking, keys)
    yield _indexes_name_their_rooms(case, asking, keys)


@defer.inlineCallbacks
def _members_copied(
    case: Any, ask: Callable[..., defer.Deferred[Any]], keys: list[bytes]
):
    """Each room's copies of its members (their names and accounts,
    ``seats``; the sessions holding them, ``holding``) name its
    members, no more and no less (a member gone whose copy stayed is a
    leak)."""
    for key in keys:
        tag, _, kind = key.partition(b"}:")
        if kind not in (b"members", b"seats", b"holding"):
            continue
        members = yield ask("ZRANGE", tag + b"}:members", "0", "-1")
        for copy in (b"seats", b"holding"):
            copied = yield ask("HKEYS", tag + b"}:" + copy)
            case.assertEqual(sorted(copied), sorted(members), f"{tag!r}'s {copy!r}")


@defer.inlineCallbacks
def _indexes_name_their_rooms(
    case: Any, ask: Callable[..., defer.Deferred[Any]], keys: list[bytes]
):
    """The server's indexes name every room they must (never one too few,
    docs/scaling.md: the index first, the room second; out in the other
    order): each room is listed, in each of its members' rooms, and among
    the waiting rooms if it waits."""
    listed = yield ask("HKEYS", "{chatroom}:rooms")
    for key in keys:
        tag, _, kind = key.partition(b"}:")
        if kind != b"room":
            continue
        r = tag[len(b"{chatroom/") :]
        case.assertIn(r, listed, "a room not listed")
        for m in (yield ask("ZRANGE", tag + b"}:members", "0", "-1")):
            rooms = yield ask("HGET", "{chatroom}:in", m)
            case.assertIn(r, (rooms or b"").split(), f"{m!r}'s rooms do not name {r!r}")
        if (yield ask("HGET", key, "keep_until")) is not None:
            waiting = yield ask("ZSCORE", "{chatroom}:keeping", r)
            case.assertIsNotNone(waiting, f"{r!r} waits, not indexed")
