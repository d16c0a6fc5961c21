"""``chatroom-admin restore FILE --redis URL``: a cluster backup into Redis.

The backup (:mod:`chatroom.backends.redis.dumpfile`) is read key by key and
each is loaded with ``RESTORE`` (its dump, its time to live). The target
must be empty (``DBSIZE`` 0) unless ``replace`` is asked for, when a key
already there is replaced (``RESTORE ... REPLACE``); keys the backup does
not hold are left as they are.

The URL is any that ``--redis`` takes. Behind Sentinel (``sentinel://``)
the Sentinels are asked, in turn, for the service's primary; on a Redis
Cluster (``cluster://``) the nodes given are asked, in turn, for the
cluster's map (``CLUSTER SLOTS``), each key is loaded on the primary
serving its slot, and "empty" means the chat's slot holds no key and no
primary holds a room's key with rooms apart (``{chatroom/…}``; the
cluster's other keys may be anyone's). The server's keys are written
under the target's prefix: a backup of one Redis (``chatroom:``)
restored into a Redis Cluster goes under its hash tag (``{chatroom}:``),
and back, so a chat moves between one Redis and a cluster through a
backup. Only key names carry the prefix; no value names a key. A room's
key with rooms apart keeps its name (its own tag), so such a backup
restores into a Redis Cluster alone, and stays in that layout: a backup
does not convert a chat between rooms apart and rooms in the prefix's
slot.

``chatroom-admin`` runs without a reactor, so Redis is spoken to here with
redis-py's blocking client (one connection, a command at a time), with the
password and database of the URL and TLS for ``rediss://``.
"""

from __future__ import annotations

import redis

from chatroom.backends.redis.dumpfile import (
    ROOMS_APART,
    DumpFileError,
    check,
    pattern,
    records,
    room_apart,
    unprefixed,
)
from chatroom.core.model.config import CLUSTER_PREFIX, ClusterConfig
from chatroom.redisclient.addresses import (
    RedisAddress,
    RedisClusterAddress,
    RedisLocation,
    SentinelAddress,
    redis_address,
)
from chatroom.redisclient.slots import Node, SlotMap, key_slot

#: Seconds one command may take.
TIMEOUT = 30.0


class RestoreError(Exception):
    """Nothing more was restored; the message says why, in one line."""


def _connect(address: RedisAddress) -> redis.Redis:
    client = redis.Redis(
        host=address.host,
        port=address.port,
        db=address.db,
        password=address.password,
        ssl=address.tls,
        ssl_ca_certs=address.ca,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
    )
    client.ping()  # a wrong address or password is reported before the file
    return client


def _asked(host: str, port: int, password: str | None, *command: object) -> object:
    """One command to a Sentinel or a node of a cluster, on a short connection."""
    client = redis.Redis(
        host=host,
        port=port,
        password=password,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
    )
    try:
        return client.execute_command(*command)
    finally:
        client.close()


def _sentinels_primary(location: SentinelAddress) -> RedisAddress:
    """The primary the first Sentinel that knows it names (as the nodes ask)."""
    problems = []
    for host, port in location.sentinels:
        try:
            reply = _asked(
                host,
                port,
                None,
                "SENTINEL",
                "get-master-addr-by-name",
                location.service,
            )
        except redis.RedisError as problem:
            problems.append(f"{host}:{port}: {problem}")
            continue
        if isinstance(reply, list) and len(reply) == 2:
            return location.primary(reply[0].decode(), int(reply[1]))
        problems.append(f"{host}:{port}: no primary named {location.service}")
    raise RestoreError(f"--redis {location}: " + "; ".join(problems))


def _slot_map(location: RedisClusterAddress) -> SlotMap:
    """The cluster's map, from the first node that answers (as the nodes
    ask)."""
    problems = []
    for host, port in location.nodes:
        try:
            slots = _asked(host, port, location.password, "CLUSTER", "SLOTS")
        except redis.RedisError as problem:
            problems.append(f"{host}:{port}: {problem}")
            continue
        assert isinstance(slots, list)
        if slots:
            return SlotMap.from_reply(slots, host)
        problems.append(f"{host}:{port}: serves no slots")
    raise RestoreError(f"--redis {location}: " + "; ".join(problems))


class _Target:
    """Where the keys go: the Redis of the URL's layout (on a Redis Cluster,
    each key's slot's primary), how many keys of the chat's it holds
    already, and the prefix the server's keys take."""

    def __init__(self, location: RedisLocation) -> None:
        self.location = location
        #: A Redis Cluster's map (None: one Redis, behind Sentinel or not).
        self.map: SlotMap | None = None
        self._clients: dict[Node, redis.Redis] = {}
        if isinstance(location, SentinelAddress):
            address = _sentinels_primary(location)
        elif isinstance(location, RedisClusterAddress):
            self.map = _slot_map(location)
            address = self._primary(key_slot(CLUSTER_PREFIX))
        else:
            address = location
        self.prefix = CLUSTER_PREFIX if self.map is not None else ClusterConfig.prefix
        self.client = _connect(address)

    def _primary(self, slot: int) -> RedisAddress:
        return self._address(self._node(slot))

    def _node(self, slot: int) -> Node:
        node = None if self.map is None else self.map.primary_of(slot)
        if node is None:
            raise RestoreError(f"--redis {self.location}: no primary serves {slot}")
        return node

    def _address(self, node: Node) -> RedisAddress:
        assert isinstance(self.location, RedisClusterAddress)
        return self.location.primary(*node)

    def _client(self, node: Node) -> redis.Redis:
        """The connection to the primary on ``node`` (one per primary)."""
        if node not in self._clients:
            self._clients[node] = _connect(self._address(node))
        return self._clients[node]

    def client_for(self, key: bytes) -> redis.Redis:
        """The connection to the Redis that takes ``key``."""
        if self.map is None:
            return self.client
        return self._client(self._node(key_slot(key)))

    def held(self) -> int:
        """Keys already there: the whole database's, or on a Redis Cluster
        the chat's slot's and (any on) each primary of the rooms' under
        their own tags."""
        if self.map is None:
            return int(self.client.dbsize())
        slot = key_slot(CLUSTER_PREFIX)
        held = int(self.client.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot))
        for node in sorted(self.map.primaries()):
            rooms = self._client(node).scan_iter(match=pattern(ROOMS_APART), count=1000)
            held += next(rooms, None) is not None
        return held

    def key(self, key: bytes) -> bytes:
        """A backup's key as this target takes it: a room's with rooms
        apart as it is, any other under this target's prefix."""
        if room_apart(key):
            return key
        return self.prefix.encode() + unprefixed(key)

    def close(self) -> None:
        self.client.close()
        for client in self._clients.values():
            client.close()


def restore_redis(path: str, url: str, replace: bool = False) -> int:
    """Load the cluster backup at ``path`` into the Redis at ``url`` (any
    ``--redis`` URL); how many keys.

    Raises:
        RestoreError: the URL, the file, the target (not empty) or Redis.
    """
    try:
        location = redis_address(url)
    except ValueError as problem:
        raise RestoreError(f"--redis: {problem}") from None
    try:
        contents = check(path)  # whole, every key a chat's, before loading
        file = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as problem:
        raise RestoreError(f"{path}: {problem.strerror}") from None
    except DumpFileError as problem:
        raise RestoreError(f"{path}: {problem}") from None
    try:
        target = _Target(location)
    except redis.RedisError as problem:
        file.close()
        raise RestoreError(f"--redis {location}: {problem}") from None
    except RestoreError:
        file.close()
        raise
    try:
        if contents.rooms_apart and target.map is None:
            raise RestoreError(
                f"--redis {location}: a backup of rooms apart (keys "
                f"{ROOMS_APART}…) restores into a Redis Cluster (cluster://) alone"
            )
        if not replace and target.held() != 0:
            where = "its slot" if target.map is not None else "it"
            raise RestoreError(
                f"--redis {location}: not empty: {where} holds keys (restore into "
                "an empty Redis, or give --replace)"
            )
        count = 0
        for key, ttl, dumped in records(file):
            placed = target.key(key)
            target.client_for(placed).restore(placed, ttl, dumped, replace=replace)
            count += 1
        return count
    except DumpFileError as problem:
        raise RestoreError(f"{path}: {problem}") from None
    except redis.RedisError as problem:
        raise RestoreError(f"--redis {location}: {problem}") from None
    finally:
        file.close()
        target.close()
