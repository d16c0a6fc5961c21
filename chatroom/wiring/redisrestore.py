"""``chatroom-admin restore FILE --redis URL``: a cluster backup into Redis.

The backup (:mod:`chatroom.backends.redis.dumpfile`) is read key by key and
each is loaded with ``RESTORE`` (its dump, its time to live). The target
must be empty (``DBSIZE`` 0) unless ``replace`` is asked for, when a key
already there is replaced (``RESTORE ... REPLACE``); keys the backup does
not hold are left as they are.

The URL is any that ``--redis`` takes. Behind Sentinel (``sentinel://``)
the Sentinels are asked, in turn, for the service's primary; on a Redis
Cluster (``cluster://``) the nodes given are asked, in turn, which primary
serves the chat's slot, and "empty" means that slot holds no key (the
cluster's other slots may hold anyone's). The keys are written under the
target's layout: a backup of one Redis (``chatroom:``) restored into a
Redis Cluster goes under its hash tag (``{chatroom}:``), and back, so a
chat moves between layouts through a backup. Only key names carry the
prefix; no value names a key.

``chatroom-admin`` runs without a reactor, so Redis is spoken to here with
redis-py's blocking client (one connection, a command at a time), with the
password and database of the URL and TLS for ``rediss://``.
"""

from __future__ import annotations

import redis

from chatroom.backends.redis.dumpfile import DumpFileError, check, records, unprefixed
from chatroom.backends.redis.link import serving
from chatroom.core.config import (
    CLUSTER_PREFIX,
    ClusterConfig,
    RedisAddress,
    RedisClusterAddress,
    RedisLocation,
    SentinelAddress,
    redis_address,
)

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


def _slots_primary(location: RedisClusterAddress) -> tuple[RedisAddress, int]:
    """The primary serving the chat's slot, and the slot, from the first
    node of the cluster that answers (as the nodes ask)."""
    problems = []
    for host, port in location.nodes:
        try:
            slot = _asked(
                host, port, location.password, "CLUSTER", "KEYSLOT", CLUSTER_PREFIX
            )
            slots = _asked(host, port, location.password, "CLUSTER", "SLOTS")
        except redis.RedisError as problem:
            problems.append(f"{host}:{port}: {problem}")
            continue
        assert isinstance(slot, int) and isinstance(slots, list)
        served = serving(slot, slots, host)
        if served is not None:
            return location.primary(*served), slot
        problems.append(f"{host}:{port}: no primary serves slot {slot}")
    raise RestoreError(f"--redis {location}: " + "; ".join(problems))


class _Target:
    """Where the keys go: the primary of the URL's layout, how many keys of
    the chat's it holds already, and the prefix its keys take."""

    def __init__(self, location: RedisLocation) -> None:
        self.location = location
        self.slot: int | None = None
        if isinstance(location, SentinelAddress):
            address = _sentinels_primary(location)
        elif isinstance(location, RedisClusterAddress):
            address, self.slot = _slots_primary(location)
        else:
            address = location
        self.prefix = CLUSTER_PREFIX if self.slot is not None else ClusterConfig.prefix
        self.client = _connect(address)

    def held(self) -> int:
        """Keys already there: the whole database's, or on a Redis Cluster
        the chat's slot's."""
        if self.slot is None:
            return int(self.client.dbsize())
        held = self.client.execute_command("CLUSTER", "COUNTKEYSINSLOT", self.slot)
        return int(held)

    def key(self, key: bytes) -> bytes:
        """A backup's key under this target's prefix."""
        return self.prefix.encode() + unprefixed(key)


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
        check(path)  # whole, every key a chat's, before anything is loaded
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
        if not replace and target.held() != 0:
            where = "its slot" if target.slot is not None else "it"
            raise RestoreError(
                f"--redis {location}: not empty: {where} holds keys (restore into "
                "an empty Redis, or give --replace)"
            )
        count = 0
        for key, ttl, dumped in records(file):
            target.client.restore(target.key(key), ttl, dumped, replace=replace)
            count += 1
        return count
    except DumpFileError as problem:
        raise RestoreError(f"{path}: {problem}") from None
    except redis.RedisError as problem:
        raise RestoreError(f"--redis {location}: {problem}") from None
    finally:
        file.close()
        target.client.close()
