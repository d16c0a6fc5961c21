"""The server's tunables, with the defaults ``twistd chatroom`` uses.

A cluster node's own (:class:`ClusterConfig`, the :class:`RedisAddress` it
reaches the others through) are here too, not in the Redis back-end, so
that reading the options loads no back-end: only ``--redis`` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qs, unquote, urlsplit

from chatroom.core.text import name_key


@dataclass(frozen=True)
class ServerConfig:
    """Every tunable of the server (``twistd chatroom --help`` explains each)."""

    name: str = "chatroom"
    #: What IRC's ``LINKS`` says of this server (``--description``).
    description: str = "chatroom"
    rooms: tuple[str, ...] = ("general",)
    room_capacity: int = 256
    #: From this many members on, a room's joiners join quietly: they are
    #: announced when they first speak (``--big-room``; 0: never;
    #: chatroom.core.big_rooms).
    big_room: int = 1000
    max_rooms: int = 1024
    history: int = 50
    max_line: int = 4096
    max_unterminated: int = 64 * 1024
    rate: float = 1.0
    burst: int = 10
    max_backlog: int = 100
    max_clients: int = 10_000
    max_per_ip: int = 50
    #: Most connections (devices) signed in to one account at once.
    max_devices: int = 10
    login_timeout: float = 60.0
    sendq: int = 1024 * 1024
    ping_interval: float = 120.0
    ping_timeout: float = 60.0
    lobby_interval: float = 1.0
    shutdown_grace: float = 3.0
    #: Events kept per room (in the store, or in memory with ``--db :memory:``).
    retention: int = 10_000
    #: Seconds an event is kept in the store; 0 for no age limit.
    retention_age: float = 0.0
    #: Seconds a restored room waits for someone to rejoin it.
    grace: float = 300.0
    #: Most events replayed to a member resuming with ``/join ROOM since ID``.
    resume_bound: int = 1000
    #: Private messages kept for one absent account, waiting for it to sign
    #: in (more are refused with ``INBOX_FULL``), and messages kept per
    #: private conversation (the oldest go first).
    kept_private: int = 100
    conversation_retention: int = 1000
    #: Seconds after sending in which a message may be edited (0: never).
    edit_window: float = 900.0
    #: The shortest password an account may have (``--password-min``).
    password_min: int = 8
    #: Accounts (names) that are server admins when signed in (``--admins``).
    admins: tuple[str, ...] = ()
    #: Refuse plain names: every user signs in (``--require-account``).
    require_account: bool = False
    #: The IRC door's server password (``--irc-password``): "" for none.
    irc_password: str = ""
    #: What becomes of a deleted account's room messages (``--on-delete``):
    #: "anonymise" or "remove" (chatroom.core.userdata).
    on_delete: str = "anonymise"

    #: Registrations one address may make per ``register_window`` seconds
    #: (``--register-limit``; 0 for no limit). Ergo's default, 30 per 10 minutes.
    register_limit: int = 30
    register_window: float = 600.0
    #: Registrations the whole server (each node) accepts per minute
    #: (``--register-rate``; 0 for no limit).
    register_rate: int = 60
    #: Rooms one user (account, else name) may make in any hour
    #: (``--rooms-per-hour``; 0 for no limit); server admins are not counted.
    rooms_per_hour: int = 10

    @cached_property
    def admin_accounts(self) -> frozenset[str]:
        """The name keys of ``--admins``: an account (always a name key) is
        a server admin if it is in here. Every registry and door asks this."""
        return frozenset(name_key(name) for name in self.admins)


@dataclass(frozen=True)
class RedisAddress:
    """Where Redis is: parsed from ``redis://[:password@]host[:port][/db]``.

    ``rediss://`` connects with TLS and verifies Redis's certificate for the
    host name, against the system's trusted authorities or, with
    ``?ca=/path/ca.pem``, against that authority's certificate.
    """

    host: str
    port: int = 6379
    db: int = 0
    password: str | None = None
    tls: bool = False
    ca: str | None = None  # PEM file of the authority to trust (TLS only)

    @classmethod
    def parse(cls, url: str) -> RedisAddress:
        """Parse a Redis URL; ``ValueError`` says what is wrong with it."""
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise ValueError(f"{url!r} is not a redis:// or rediss:// URL")
        if not parts.hostname:
            raise ValueError(f"{url!r} names no host")
        path = parts.path.strip("/")
        if path and not path.isdigit():
            raise ValueError(f"{url!r}: the database must be a number")
        query = parse_qs(parts.query)
        ca = query.pop("ca", [None])[-1]
        if query:
            raise ValueError(f"unknown URL parameter {sorted(query)[0]!r}")
        if ca is not None:
            if parts.scheme != "rediss":
                raise ValueError("?ca= is for rediss:// (TLS) only")
            if not os.path.isfile(ca):
                raise ValueError(f"no certificate file {ca!r}")
        return cls(
            host=parts.hostname,
            port=parts.port or 6379,
            db=int(path or 0),
            password=unquote(parts.password) if parts.password else None,
            tls=parts.scheme == "rediss",
            ca=ca,
        )

    def __str__(self) -> str:  # never print the password
        scheme = "rediss" if self.tls else "redis"
        return f"{scheme}://{self.host}:{self.port}/{self.db}"


@dataclass(frozen=True)
class ClusterConfig:
    """How a node finds and identifies itself to the cluster."""

    redis: RedisAddress
    node_id: str
    node_ttl: float = 15.0  # a node silent this long is harvested by the others
    redis_timeout: float = 5.0  # a Redis reply slower than this counts as down
    prefix: str = "chatroom:"
    #: Seconds a room left empty by a node's departure waits for its members.
    grace: float = 300.0
    #: PostgreSQL's connection string for cluster search (``--search-db``);
    #: None: no search in cluster mode.
    search_db: str | None = None
