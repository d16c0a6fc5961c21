"""How a chat on a Redis Cluster lays out its keys, settled once per start.

On ``--redis cluster://`` a node keeps each room's keys under a hash tag of
its own (``ClusterConfig.rooms_apart``), so that the cluster spreads the
rooms over its primaries; unless the chat was made in the one-slot layout
(every key under ``{chatroom}``: by a version before rooms apart, or
restored from a backup of one), which it keeps: the two layouts name a
room's keys differently, and a node of one cannot read the other's. Every
node of a chat must use the same layout, so the chat records its layout in
its own slot, ``{chatroom}:layout`` (:data:`ROOMS_APART` or
:data:`ONE_SLOT`), and each node reads it before it builds its Redis calls
(:func:`rooms_apart`):

- recorded: that layout;
- not recorded, the chat's slot empty: a new chat, rooms apart;
- not recorded, the slot holding keys: a chat of the one-slot layout.

What is not recorded is written with ``SET NX`` and read back, so nodes
starting together agree: the first to write decides, having counted the
slot's keys before any record was there (a node that counts another's
record as a key loses the ``SET NX`` and reads that record back).

It is read before the reactor runs (as ``--db``'s file is opened), with
redis-py's blocking client, the servers of the URL asked in turn, each
within ``--redis-timeout``: once per start, and nothing per call. One
Redis and Sentinel have one layout alone (one slot) and are not asked.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from chatroom.core.model.config import CLUSTER_PREFIX
from chatroom.redisclient.addresses import RedisAddress, RedisClusterAddress
from chatroom.redisclient.slots import SlotMap, key_slot

#: Where the chat records its layout: in its own slot, the server's.
LAYOUT_KEY = f"{CLUSTER_PREFIX}layout"
#: Each room's keys under a hash tag of their own.
ROOMS_APART = b"rooms-apart"
#: Every key of the chat under ``{chatroom}``.
ONE_SLOT = b"one-slot"


class LayoutUnreadError(Exception):
    """No server of the cluster told the chat's layout; the message says why."""


def rooms_apart(address: RedisClusterAddress, timeout: float) -> bool:
    """Whether the chat on the Redis Cluster at ``address`` keeps its rooms
    apart (recording a new chat's layout, see the module's docstring).

    Raises:
        LayoutUnreadError: no server of the URL answered, or none named the
            primary of the chat's slot, within ``timeout`` seconds each; or
            the record names a layout this version does not know.
    """
    slot = key_slot(CLUSTER_PREFIX)
    problems = []
    for host, port in address.nodes:
        try:
            primary = _primary_of(address, host, port, slot, timeout)
            if primary is None:
                problems.append(f"{host}:{port}: no primary serves slot {slot}")
                continue
            layout = layout_on(primary, slot)
        except redis.RedisError as problem:
            problems.append(f"{host}:{port}: {problem}")
            continue
        if layout not in (ROOMS_APART, ONE_SLOT):
            raise LayoutUnreadError(f"{LAYOUT_KEY} is {layout!r}, no layout known here")
        return layout == ROOMS_APART
    raise LayoutUnreadError("; ".join(problems))


def blocking_client(address: RedisAddress, timeout: float) -> redis.Redis:
    """redis-py's client of the Redis at ``address``, each command within
    ``timeout`` and never tried again (a server down: the next is asked)."""
    return redis.Redis(
        host=address.host,
        port=address.port,
        db=address.db,
        password=address.password,
        ssl=address.tls,
        ssl_ca_certs=address.ca,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def _primary_of(
    address: RedisClusterAddress, host: str, port: int, slot: int, timeout: float
) -> redis.Redis | None:
    """A client of the primary serving ``slot``, as the server on
    ``host:port`` tells (None: it names none)."""
    asked_node = RedisAddress(host, port, password=address.password)
    with blocking_client(asked_node, timeout) as asked:
        slots = asked.execute_command("CLUSTER", "SLOTS")
    primary = SlotMap.from_reply(slots, host).primary_of(slot)
    return (
        None if primary is None else blocking_client(address.primary(*primary), timeout)
    )


def layout_on(primary: redis.Redis, slot: int) -> bytes:
    """The chat's layout as recorded on ``primary`` (the primary of the
    chat's slot, ``slot``), recorded first if it was not; the client is
    closed after."""
    with primary:
        recorded = primary.get(LAYOUT_KEY)
        if recorded is None:
            held = int(primary.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot))
            primary.set(LAYOUT_KEY, ONE_SLOT if held else ROOMS_APART, nx=True)
            recorded = primary.get(LAYOUT_KEY)
    # Replies undecoded (bytes); anything else is no layout, and refused.
    return recorded if isinstance(recorded, bytes) else b""
