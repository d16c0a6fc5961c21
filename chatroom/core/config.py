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

from chatroom.core.scram import SCRAM_ITERATIONS
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
    #: PBKDF2 iterations of the SCRAM keys made when a password is set
    #: (``--scram-iterations``; chatroom.core.scram says why 100,000).
    scram_iterations: int = SCRAM_ITERATIONS
    #: Accounts (names) that are server admins when signed in (``--admins``).
    admins: tuple[str, ...] = ()
    #: Refuse plain names: every user signs in (``--require-account``).
    require_account: bool = False
    #: The IRC door's server password (``--irc-password``): "" for none.
    irc_password: str = ""
    #: IRC clients may ``REGISTER`` an account before completing their
    #: connection (``--irc-register-before-connect``: draft/account-registration's
    #: ``before-connect``).
    irc_register_before_connect: bool = False
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
    #: The operator's message of the day (``--motd FILE``), line by line:
    #: the IRC door's MOTD, and ``MOTD`` lines after ``WELCOME`` at the line
    #: door and the web page. None: the IRC door's built-in MOTD, and none
    #: at the others (their lines as they always were).
    motd: tuple[str, ...] | None = None
    #: Posts one webhook may make in any 10 seconds, on each node
    #: (``--webhook-limit``; 0 for no limit): :mod:`chatroom.core.webhooks`.
    webhook_limit: int = 10
    #: The address webhook URLs start with (``--webhook-url``:
    #: ``https://chat.example.org``); "" for the ``--http`` door's own.
    webhook_url: str = ""

    #: Uploads (chatroom.core.files): the directory their bytes go in
    #: (``--files``, ``--files-dir``; "" for uploads off), the largest
    #: upload (``--max-upload``), what one account's files may take in all
    #: (``--upload-quota``; 0: no quota), uploads per minute per account
    #: (``--upload-rate``; 0: no limit) and the types refused
    #: (``--upload-refuse-types``: ``text/html``, ``video/*``).
    files_dir: str = ""
    max_upload: int = 10 * 1024 * 1024
    upload_quota: int = 100 * 1024 * 1024
    upload_rate: int = 10
    upload_refuse_types: tuple[str, ...] = ()
    #: Origins whose pages may open the web door's WebSockets
    #: (``--http-origins``; ``*``: any), besides the site's own.
    http_origins: tuple[str, ...] = ()

    @cached_property
    def allowed_origins(self) -> frozenset[str]:
        """``--http-origins`` as a handshake's ``Origin`` is compared with
        them: lower case, without a trailing slash."""
        return frozenset(origin.rstrip("/").lower() for origin in self.http_origins)

    #: Web Push (chatroom.core.push): seconds without any device's activity
    #: before an account's mentions and private messages are pushed
    #: (``--push-idle``), and the http:// endpoint prefixes accepted besides
    #: https ones (``--push-allow-http``, for tests on one machine).
    push_idle: float = 60.0
    push_allow_http: tuple[str, ...] = ()

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
class SentinelAddress:
    """Where Redis is, as its Sentinels tell: parsed from
    ``sentinel://[:password@]host[:port],host[:port]/SERVICE[/db]``.

    Before every connection the node asks the Sentinels, in turn, for the
    address of SERVICE's primary (port 26379 when none is given); the
    password and the database are the primary's. No TLS (a ``rediss://``
    Sentinel layout is not supported).
    """

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SentinelAddress:
        """Parse a Sentinel URL; ``ValueError`` says what is wrong with it."""
        scheme, _, rest = url.partition("://")
        if scheme != "sentinel":
            raise ValueError(f"{url!r} is not a sentinel:// URL")
        hosts, _, path = rest.partition("/")
        sentinels, password = _hosts_and_password(url, hosts, 26379)
        service, _, db = path.strip("/").partition("/")
        if not service:
            raise ValueError(f"{url!r} names no service (sentinel://HOST:PORT/SERVICE)")
        if db and not db.isdigit():
            raise ValueError(f"{url!r}: the database must be a number")
        return cls(sentinels, service, int(db or 0), password)

    def primary(self, host: str, port: int) -> RedisAddress:
        """The primary the Sentinels named, with this URL's password and db."""
        return RedisAddress(host, port, self.db, self.password)

    def __str__(self) -> str:  # never print the password
        hosts = ",".join(f"{host}:{port}" for host, port in self.sentinels)
        return f"sentinel://{hosts}/{self.service}/{self.db}"


def _hosts_and_password(
    url: str, hosts: str, default: int
) -> tuple[tuple[tuple[str, int], ...], str | None]:
    """``[:password@]host[:port],host[:port]`` of a URL: the hosts (on port
    ``default`` if none is given) and the password."""
    password = None
    if "@" in hosts:
        secret, _, hosts = hosts.rpartition("@")
        password = unquote(secret.partition(":")[2]) or None
    return tuple(
        _host_and_port(url, each, default) for each in hosts.split(",")
    ), password


def _host_and_port(url: str, text: str, default: int) -> tuple[str, int]:
    """One Sentinel of a ``sentinel://`` URL (or node of a ``cluster://``
    one): ``host[:port]``, the port ``default`` if none is given."""
    host, colon, port = text.rpartition(":")
    if not colon:
        host, port = text, str(default)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{url!r}: {text!r} is not HOST or HOST:PORT")
    return host, int(port)


@dataclass(frozen=True)
class RedisClusterAddress:
    """Where Redis is, as a Redis Cluster tells: parsed from
    ``cluster://[:password@]host:port,host:port``.

    Before every connection the node asks these nodes of the cluster, in
    turn, which primary serves the hash slot of the keys' hash tag
    (:data:`CLUSTER_PREFIX`), and connects to it: the server's keys are in
    that slot (and, in a chat of the one-slot layout, every key), each
    room's in a slot of its own, served by whichever primary the cluster
    says (``ClusterConfig.rooms_apart``); every script keeps to one slot,
    one atomic step on one primary, and the cluster's own failover
    replaces a primary. No TLS, and database 0 only (Redis Cluster has no
    other).
    """

    nodes: tuple[tuple[str, int], ...]
    password: str | None = None
    #: Redis Cluster serves database 0 alone.
    db = 0

    @classmethod
    def parse(cls, url: str) -> RedisClusterAddress:
        """Parse a cluster URL; ``ValueError`` says what is wrong with it."""
        scheme, _, rest = url.partition("://")
        if scheme != "cluster":
            raise ValueError(f"{url!r} is not a cluster:// URL")
        hosts, _, path = rest.partition("/")
        if path.strip("/"):
            raise ValueError(f"{url!r}: Redis Cluster has database 0 alone")
        return cls(*_hosts_and_password(url, hosts, 6379))

    def primary(self, host: str, port: int) -> RedisAddress:
        """The primary a node of the cluster named, with this URL's password."""
        return RedisAddress(host, port, 0, self.password)

    def __str__(self) -> str:  # never print the password
        return "cluster://" + ",".join(f"{host}:{port}" for host, port in self.nodes)


#: The keys' prefix on a Redis Cluster: its hash tag (``{chatroom}``)
#: puts the server's keys in one slot (every key, in a chat of the one-slot
#: layout; see :class:`RedisClusterAddress`).
CLUSTER_PREFIX = "{chatroom}:"


def rooms_tag(prefix: str) -> str:
    """How a room's keys begin with rooms apart, under the prefix ``prefix``
    (``{chatroom}:``): its hash tag's name, then a slash (``{chatroom/``,
    then the room, ``}`` and the kind: the prelude's ``in_room``)."""
    return "{" + prefix[1:].split("}", 1)[0] + "/"


#: Where ``--redis`` says Redis is.
RedisLocation = RedisAddress | SentinelAddress | RedisClusterAddress


def redis_address(url: str) -> RedisLocation:
    """``--redis``'s URL: one Redis, the Sentinels of a replicated one, or
    nodes of a Redis Cluster."""
    if url.startswith("sentinel://"):
        return SentinelAddress.parse(url)
    if url.startswith("cluster://"):
        return RedisClusterAddress.parse(url)
    return RedisAddress.parse(url)


@dataclass(frozen=True)
class ClusterConfig:
    """How a node finds and identifies itself to the cluster."""

    redis: RedisLocation
    node_id: str
    node_ttl: float = 15.0  # a node silent this long is harvested by the others
    redis_timeout: float = 5.0  # a Redis reply slower than this counts as down
    prefix: str = "chatroom:"
    #: Seconds a room left empty by a node's departure waits for its members.
    grace: float = 300.0
    #: PostgreSQL's connection string for cluster search (``--search-db``);
    #: None: no search in cluster mode.
    search_db: str | None = None
    #: PostgreSQL's connection string for uploaded files' bytes
    #: (``--files-db``, with ``--files``); None: no uploads in cluster mode.
    files_db: str | None = None
    #: Replicas that must have a message before its sender is acknowledged
    #: (``--redis-replicas``: Redis's ``WAIT``); 0: none waited for.
    replicas: int = 0
    #: Each room's keys under a hash tag of its own (``{chatroom/r}:room``,
    #: :mod:`chatroom.backends.redis.prelude`), so that a Redis Cluster
    #: spreads the rooms over its primaries, each room's calls routed to
    #: its slot's primary (:mod:`chatroom.backends.redis.routing`). No
    #: option: on ``cluster://`` the chat's recorded layout decides, rooms
    #: apart for a new chat (:mod:`chatroom.wiring.clusterlayout`); one
    #: Redis and Sentinel keep every key under the prefix.
    rooms_apart: bool = False

    def room_channel(self, room: str) -> bytes:
        """The channel of room ``room`` (its key): every event of the room,
        in order, as the scripts publish it (``channel_key`` in the prelude)."""
        if self.rooms_apart:
            return f"{rooms_tag(self.prefix)}{room}}}:chan".encode()
        return f"{self.prefix}chan:{room}".encode()
