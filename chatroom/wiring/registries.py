"""The two registries a server can have: the core over one back-end or the other.

Which back-end runs is chosen here, where the server is built (as Synapse
picks a room-member handler for a worker): :func:`local_registry` for a
server alone, :func:`redis_registry` for a node of a cluster. Both are the
same :class:`~chatroom.core.chat.ChatCore`, so every rule is the same.

Only :func:`redis_registry` (``--redis``) imports the Redis back-end, and
with it txredisapi: a server alone never loads them; and only a server
alone imports the local back-end, and with it SQLite: a node never loads
them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from twisted.internet.interfaces import IReactorTime

from chatroom.core.accounts.push import PushSender
from chatroom.core.chat import ChatCore
from chatroom.core.infra.hashing import Runner, in_place
from chatroom.core.infra.sessions import Sessions
from chatroom.core.messages.previews import CardFetcher
from chatroom.core.model.config import ClusterConfig, ServerConfig
from chatroom.core.model.letters import LinkBase, Mailer
from chatroom.core.rooms.slash_commands import CommandCaller
from chatroom.wiring.composition import Edges, compose

if TYPE_CHECKING:  # for the types only: each function imports its back-end
    from chatroom.backends.local.local_backend import LocalBackend
    from chatroom.backends.local.store import Store
    from chatroom.backends.redis.redis_backend import RedisBackend
    from chatroom.redisclient.link import RedisLink

LocalRegistry: TypeAlias = ChatCore["LocalBackend"]
RedisRegistry: TypeAlias = ChatCore["RedisBackend"]


def local_registry(
    config: ServerConfig,
    clock: IReactorTime,
    store: Store | None = None,
    fetch_card: CardFetcher | None = None,
    send_push: PushSender | None = None,
    hashing: Runner = in_place,
    mailer: Mailer | None = None,
    link_base: LinkBase | None = None,
    call_command: CommandCaller | None = None,
) -> LocalRegistry:
    """Names and rooms in this process (kept in ``store``, if given);
    ``fetch_card``: link previews' fetcher, ``send_push``: Web Push's sender,
    ``mailer``: the mail's (``--smtp``), each None for none, with the links
    of mails starting at ``link_base``, ``call_command``: what calls slash
    commands' URLs; ``hashing``: where passwords are hashed."""
    from chatroom.backends.local.local_backend import LocalBackend

    sessions = Sessions("local")
    backend = LocalBackend(config, clock, sessions, store)
    edges = Edges("local", fetch_card, send_push, mailer, link_base, call_command)
    return compose(config, clock, backend, sessions, hashing, edges)


def redis_registry(
    config: ServerConfig,
    cluster: ClusterConfig,
    reactor: Any,
    on_fatal: Callable[[str], None] = lambda message: None,
    commands: RedisLink | None = None,
    subscriber: RedisLink | None = None,
    heartbeat: RedisLink | None = None,
    fetch_card: CardFetcher | None = None,
    send_push: PushSender | None = None,
    hashing: Runner = in_place,
    mailer: Mailer | None = None,
    link_base: LinkBase | None = None,
    call_command: CommandCaller | None = None,
) -> RedisRegistry:
    """Names and rooms in the Redis that ``cluster`` names, over three links
    (``reactor`` connects them): scripts, subscriptions, and the node's
    heartbeat, which must never wait behind a ``WAIT`` on the first;
    ``on_fatal`` is called if Redis cannot be reached at start."""
    from chatroom.backends.redis.redis_backend import RedisBackend
    from chatroom.redisclient.link import RedisLink

    # On a Redis Cluster each connects to the server's keys' slot's primary.
    key = cluster.prefix
    commands = commands or RedisLink(
        reactor, cluster.redis, "redis commands", cluster_key=key
    )
    subscriber = subscriber or RedisLink(
        reactor,
        cluster.redis,
        "redis subscriber",
        subscriber=True,
        cluster_key=key,
        hold=cluster.subscriber_hold,
    )
    heartbeat = heartbeat or RedisLink(
        reactor, cluster.redis, "redis heartbeat", cluster_key=key
    )
    sessions = Sessions(cluster.node_id)
    backend = RedisBackend(
        config,
        cluster,
        reactor,
        sessions,
        commands,
        subscriber,
        heartbeat,
        on_fatal,
    )
    edges = Edges(
        cluster.node_id, fetch_card, send_push, mailer, link_base, call_command
    )
    return compose(config, reactor, backend, sessions, hashing, edges)


def restored_local_registry(
    db: str,
    config: ServerConfig,
    reactor: IReactorTime,
    fetch_card: CardFetcher | None = None,
    send_push: PushSender | None = None,
    hashing: Runner = in_place,
    mailer: Mailer | None = None,
    link_base: LinkBase | None = None,
    call_command: CommandCaller | None = None,
) -> LocalRegistry:
    """The local back-end restored from ``--db`` (``db``).

    Raises:
        DatabaseUnusableError: the file cannot be served (damaged, held by
            another server, in a directory that cannot be written).
    """
    from chatroom.backends.local.store import open_store

    store = open_store(db, reactor, config.retention)
    return local_registry(
        config,
        reactor,
        store=store,
        fetch_card=fetch_card,
        send_push=send_push,
        hashing=hashing,
        mailer=mailer,
        link_base=link_base,
        call_command=call_command,
    )
