"""How many replicas a node waits for (``--redis-replicas``), settled once per start.

A message is acknowledged to its sender once Redis's ``WAIT`` says that
many replicas have it (:mod:`chatroom.backends.redis.replicas`). ``WAIT``
cannot take a write back: a message its replicas did not confirm has
reached its room all the same, and only its sender is told ``ERR
UNAVAILABLE``, so a retry sends it twice. Waiting for a replica that a
primary does not have would do that to every message. So before the
reactor runs (as :mod:`.clusterlayout` reads the layout, with redis-py's
blocking client, each server within ``--redis-timeout``) a node compares
the option with the replicas of the primaries it writes to: on a Redis
Cluster, every primary that serves a slot (the chat's slot's alone in the
one-slot layout); behind Sentinel, the service's primary; on one Redis,
that Redis.

- ``--redis-replicas`` left to its default (1 with ``sentinel://`` and
  ``cluster://``): the node waits for no more replicas than the primary
  with the fewest has, and says so in its log when that is fewer.
- ``--redis-replicas N`` given (on the command line or in ``--config``'s
  file): a primary with fewer than N stops the node, in one line naming
  the option (:class:`TooFewReplicasError`). A message is never
  acknowledged with fewer replicas than asked.

A primary "has" the replicas it is configured with, as Redis knows them,
not only those connected now: a Redis Cluster lists a replica that failed
(``CLUSTER SHARDS``, its health not ``online``) until it is forgotten, and
Sentinel a replica it once saw (``SENTINEL REPLICAS``, flagged ``s_down``)
until it is reset. A replica down at the node's start changes nothing
but a warning in the log: messages are refused until it is back, as when
it fails later. One Redis (``redis://``) knows only the replicas connected
now (``INFO replication``), so there a replica down at start counts as
none. A Redis that cannot be asked (down at start, a wrong password)
leaves the number as it is, with a warning: the node waits for Redis as
it always does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from twisted.logger import Logger

from chatroom.core.model.config import CLUSTER_PREFIX, ClusterConfig
from chatroom.redisclient.addresses import (
    RedisAddress,
    RedisClusterAddress,
    SentinelAddress,
)
from chatroom.redisclient.resp import reply_text
from chatroom.wiring.clusterlayout import blocking_client

log = Logger()

#: The replicas a ``WAIT`` can count: those a primary is connected to now.
_UP = b"online"
#: Sentinel's flags of a replica it does not reach now.
_DOWN = frozenset({"s_down", "o_down", "disconnected"})


class TooFewReplicasError(Exception):
    """``--redis-replicas`` asks for more replicas than a primary has; the
    message says so in one line, naming the option."""


class ReplicasUnreadError(Exception):
    """Redis did not tell its primaries' replicas; the message says why."""


@dataclass(frozen=True)
class Primary:
    """A primary the node writes to, and its replicas as Redis knows them."""

    name: str
    #: The replicas it is configured with (down ones too, where Redis knows).
    replicas: int
    #: Those connected to it now.
    connected: int


def replicas_to_wait_for(cluster: ClusterConfig, given: bool) -> int:
    """The number of replicas a message waits for: ``cluster.replicas``
    (``--redis-replicas``, ``given`` or its default) as the primaries
    allow (see the module's docstring), said in the log.

    Raises:
        TooFewReplicasError: ``given``, and a primary has fewer.
    """
    asked = cluster.replicas
    if asked == 0:
        return 0  # nothing waited for: nothing to compare
    try:
        primaries = primaries_of(cluster)
    except ReplicasUnreadError as problem:
        log.warn(
            "--redis-replicas {asked} kept: {redis} did not tell its primaries' "
            "replicas ({problem})",
            asked=asked,
            redis=cluster.redis,
            problem=problem,
        )
        return asked
    return settled(asked, given, primaries)


def settled(asked: int, given: bool, primaries: Sequence[Primary]) -> int:
    """What :func:`replicas_to_wait_for` decides on the ``primaries`` found."""
    fewest = min(primaries, key=lambda primary: primary.replicas)
    if fewest.replicas < asked:
        if given:
            raise TooFewReplicasError(
                f"--redis-replicas {asked}: the primary {fewest.name} has "
                f"{_replicas(fewest.replicas)} (add replicas, or give "
                f"--redis-replicas {fewest.replicas})"
            )
        log.info(
            "--redis-replicas {followed} (not given): the primary {primary} has "
            "{has}, so a message {acknowledged}; give --redis-replicas {asked} to "
            "refuse to start with fewer",
            followed=fewest.replicas,
            primary=fewest.name,
            has=_replicas(fewest.replicas),
            acknowledged=f"waits for {_replicas(fewest.replicas)}"
            if fewest.replicas
            else "is acknowledged once its primary has it",
            asked=asked,
        )
        return fewest.replicas
    short = [primary for primary in primaries if primary.connected < asked]
    if short:
        log.warn(
            "--redis-replicas {asked}: the primary {primary} has {has}, "
            "{connected} connected now: messages are refused (ERR UNAVAILABLE) "
            "until {asked} {verb} connected",
            asked=asked,
            primary=short[0].name,
            has=_replicas(short[0].replicas),
            connected=short[0].connected,
            verb="is" if asked == 1 else "are",
        )
    else:
        log.info(
            "--redis-replicas {asked}: a message waits for {wait} (each of "
            "{count} primaries has at least {asked})",
            asked=asked,
            wait=_replicas(asked),
            count=len(primaries),
        )
    return asked


def _replicas(count: int) -> str:
    return {0: "no replica", 1: "1 replica"}.get(count, f"{count} replicas")


def primaries_of(cluster: ClusterConfig) -> list[Primary]:
    """The primaries a node of ``cluster`` writes to, with their replicas.

    Raises:
        ReplicasUnreadError: no server asked told them, within
            ``--redis-timeout`` each.
    """
    location = cluster.redis
    timeout = cluster.redis_timeout
    if isinstance(location, RedisClusterAddress):
        return _asked_in_turn(
            location.nodes,
            lambda host, port: _shards(
                blocking_client(
                    RedisAddress(host, port, password=location.password), timeout
                ),
                host,
                cluster.rooms_apart,
                lambda primary_host, primary_port: _connected_replicas(
                    blocking_client(
                        RedisAddress(
                            primary_host, primary_port, password=location.password
                        ),
                        timeout,
                    )
                ),
            ),
        )
    if isinstance(location, SentinelAddress):
        return _asked_in_turn(
            location.sentinels,
            lambda host, port: _sentinels_primary(
                blocking_client(RedisAddress(host, port), timeout), location.service
            ),
        )
    return _asked_in_turn(
        [(location.host, location.port)],
        lambda host, port: _one_redis(
            blocking_client(location, timeout), f"{host}:{port}"
        ),
    )


def _asked_in_turn(
    servers: Sequence[tuple[str, int]], ask: Callable[[str, int], list[Primary]]
) -> list[Primary]:
    """What the first of ``servers`` to answer ``ask(host, port)`` tells."""
    problems = []
    for host, port in servers:
        try:
            primaries = ask(host, port)
        except redis.RedisError as problem:
            problems.append(f"{host}:{port}: {problem}")
            continue
        if primaries:
            return primaries
        problems.append(f"{host}:{port}: no primary")
    raise ReplicasUnreadError("; ".join(problems))


def _shards(
    asked: redis.Redis,
    host: str,
    rooms_apart: bool,
    connected_to: Callable[[str, int], int],
) -> list[Primary]:
    """The primaries serving a slot, as ``CLUSTER SHARDS`` says (in the
    one-slot layout, the chat's slot's alone).

    The server asked knows the other shards by gossip, which may not yet
    name a replica that has just joined its primary; so a primary it gives
    fewer replicas than it has connected is asked itself
    (``connected_to(host, port)``, its ``INFO replication``): a node never
    follows a lagging view down to fewer replicas than are there.
    """
    with asked:
        shards = asked.execute_command("CLUSTER", "SHARDS")
        chats_slot = int(asked.execute_command("CLUSTER", "KEYSLOT", CLUSTER_PREFIX))
    primaries = []
    for shard in shards:
        shard = _fields(shard)
        ranges = [int(bound) for bound in shard[b"slots"]]
        if not ranges:
            continue  # a primary without slots is never written to
        if not rooms_apart and not any(
            first <= chats_slot <= last
            for first, last in zip(ranges[::2], ranges[1::2], strict=True)
        ):
            continue
        nodes = [_fields(node) for node in shard[b"nodes"]]
        primary = next((node for node in nodes if node[b"role"] == b"master"), None)
        if primary is None:
            continue  # none named yet (a failover): its replica is counted once it is
        replicas = [node for node in nodes if node[b"role"] == b"replica"]
        address = (primary.get(b"ip") or host.encode()).decode()
        listed = len(replicas)
        up = sum(1 for node in replicas if node[b"health"] == _UP)
        if up < 1:
            try:
                seen = connected_to(address, int(primary[b"port"]))
            except redis.RedisError:
                seen = 0  # as gossip says, then
            listed, up = max(listed, seen), max(up, seen)
        primaries.append(Primary(f"{address}:{primary[b'port']}", listed, up))
    return primaries


def _connected_replicas(asked: redis.Redis) -> int:
    """The replicas connected to the Redis ``asked``, as it says itself."""
    with asked:
        return int(asked.info("replication")["connected_slaves"])


def _sentinels_primary(asked: redis.Redis, service: str) -> list[Primary]:
    """The service's primary and its replicas, as a Sentinel knows them."""
    with asked:
        primary = _fields(asked.execute_command("SENTINEL", "MASTER", service))
        replicas = [
            _fields(replica)
            for replica in asked.execute_command("SENTINEL", "REPLICAS", service)
        ]
    connected = [
        replica
        for replica in replicas
        if not _DOWN & set(reply_text(replica[b"flags"]).split(","))
    ]
    name = f"{reply_text(primary[b'ip'])}:{reply_text(primary[b'port'])}"
    return [Primary(f"{service} ({name})", len(replicas), len(connected))]


def _one_redis(asked: redis.Redis, name: str) -> list[Primary]:
    """The Redis ``asked``, with the replicas connected to it now."""
    connected = _connected_replicas(asked)
    return [Primary(name, connected, connected)]


def _fields(reply: Any) -> dict[bytes, Any]:
    """A reply of named fields as a dict (redis-py makes some one already)."""
    if isinstance(reply, dict):
        return reply
    return dict(zip(reply[::2], reply[1::2], strict=True))
