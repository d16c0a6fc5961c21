"""The server's tunables, with the defaults ``twistd chatroom`` uses.

A cluster node's own (:class:`ClusterConfig`, with the Redis address it
reaches the others through, :mod:`chatroom.redisclient.addresses`) are here
too, not in the Redis back-end, so that reading the options loads no
back-end: only ``--redis`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from chatroom.core.model.text import name_key
from chatroom.redisclient.addresses import RedisLocation

#: PBKDF2 iterations for new SCRAM keys (:mod:`chatroom.core.accounts.scram`). RFC
#: 7677 asks for at least 4096 (and PostgreSQL keeps to that); every
#: client pays this count at every SCRAM
#: sign-in, and the server once per password set, on a hashing thread. At
#: 100,000 that is about 30 ms for a desktop client (OpenSSL) and a few
#: tenths of a second for a phone or a Raspberry Pi, while each offline
#: guess against stolen keys or an overheard exchange costs 25 times what
#: it would at 4096. OWASP's 600,000 would make the keys as dear to guess
#: as our Argon2id hash, but at six times the client's wait and a
#: registration's hashing time (PBKDF2 at that count takes several times an
#: Argon2id hash's 25 ms of a core). The count is stored with each
#: account's keys, so a later change applies to passwords set after it.
SCRAM_ITERATIONS = 100_000
#: The fewest ``--scram-iterations`` allows: RFC 7677's floor.
SCRAM_MIN = 4096


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
    #: chatroom.core.rooms.big_rooms).
    big_room: int = 1000
    max_rooms: int = 1024
    history: int = 50
    max_line: int = 4096
    max_unterminated: int = 64 * 1024
    rate: float = 1.0
    burst: int = 20
    max_backlog: int = 100
    max_clients: int = 10_000
    max_per_ip: int = 50
    #: Sign-ons (lines of connections without a name yet that wait on the
    #: registry) one server runs at once; past them its line and IRC ports
    #: stop accepting and further ones wait (``--signons-in-flight``; 0:
    #: no limit; chatroom.doors.base.admission).
    signons_in_flight: int = 64
    #: Most connections (devices) signed in to one account at once.
    max_devices: int = 10
    login_timeout: float = 60.0
    sendq: int = 1024 * 1024
    ping_interval: float = 120.0
    ping_timeout: float = 60.0
    lobby_interval: float = 1.0
    #: Most rooms the lobby's list shows on arrival, the permanent and the
    #: most populated ones (``--lobby-rooms``; 0: every room;
    #: chatroom.core.rooms.lobby_list). ``/list`` lists every room.
    lobby_rooms: int = 100
    shutdown_grace: float = 3.0
    #: Events kept per room (in the store, or in memory with ``--db :memory:``).
    retention: int = 10_000
    #: Seconds an event is kept in the store; 0 for no age limit.
    retention_age: float = 0.0
    #: Seconds a restored room waits for someone to rejoin it.
    grace: float = 300.0
    #: Seconds a renamed room's former name still leads a ``/join`` to it
    #: (``--rename-grace``, a week); after it the name is free.
    rename_grace: float = 7 * 24 * 3600.0
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
    #: (``--scram-iterations``; chatroom.core.accounts.scram says why 100,000).
    scram_iterations: int = SCRAM_ITERATIONS
    #: Accounts (names) that are server admins when signed in (``--admins``).
    admins: tuple[str, ...] = ()
    #: Refuse plain names: every user signs in (``--require-account``).
    require_account: bool = False
    #: A new account counts only once it verified an e-mail address
    #: (``--require-email``), within ``verify_window`` seconds
    #: (``--verify-window``), which is also how long a code mailed to verify
    #: an address is good for (chatroom.core.services.mailbox).
    require_email: bool = False
    verify_window: float = 24 * 3600.0
    #: Minutes without a device's activity after which an account with a
    #: verified address is mailed its mentions and private messages
    #: (``--mail-idle``; chatroom.core.accounts.missed_mail).
    mail_idle: float = 30.0
    #: Who may register an account (``--registration``): "open" (anyone),
    #: "invite" (with an invitation an admin or a room owner made) or
    #: "closed" (with an invitation an admin made): chatroom.core.accounts.invitations.
    registration: str = "open"
    #: The OpenID provider's name on the web page's button (``--oidc-name``;
    #: "" when no ``--oidc-issuer`` is given: chatroom.core.accounts.oidc), and
    #: whether accounts are made only by signing in there (``--oidc-only``).
    oidc_name: str = ""
    oidc_only: bool = False
    #: The IRC door's server password (``--irc-password``): "" for none.
    irc_password: str = ""
    #: IRC clients may ``REGISTER`` an account before completing their
    #: connection (``--irc-register-before-connect``: draft/account-registration's
    #: ``before-connect``).
    irc_register_before_connect: bool = False
    #: What becomes of a deleted account's room messages (``--on-delete``):
    #: "anonymise" or "remove" (chatroom.core.policy.userdata).
    on_delete: str = "anonymise"

    #: Registrations one address may make per ``register_window`` seconds
    #: (``--register-limit``; 0 for no limit). Ergo's default, 30 per 10 minutes.
    register_limit: int = 30
    register_window: float = 600.0
    #: Registrations the whole server (each node) accepts per minute
    #: (``--register-rate``; 0 for no limit).
    register_rate: int = 60
    #: Seconds an account must have been registered (a plain name, connected)
    #: before it may write privately to a stranger or post a link
    #: (``--newcomer-wait``; 0: no wait): :mod:`chatroom.core.policy.newcomers`.
    newcomer_wait: float = 0.0
    #: Rooms one user (account, else name) may make in any hour
    #: (``--rooms-per-hour``; 0 for no limit); server admins are not counted.
    rooms_per_hour: int = 10
    #: The operator's message of the day (``--motd FILE``), line by line:
    #: the IRC door's MOTD, and ``MOTD`` lines after ``WELCOME`` at the line
    #: door and the web page. None: the IRC door's built-in MOTD, and none
    #: at the others (their lines as they always were).
    motd: tuple[str, ...] | None = None
    #: Posts one webhook may make in any 10 seconds, on each node
    #: (``--webhook-limit``; 0 for no limit): :mod:`chatroom.core.rooms.webhooks`.
    webhook_limit: int = 10
    #: The address webhook URLs start with (``--webhook-url``:
    #: ``https://chat.example.org``); "" for the ``--http`` door's own.
    webhook_url: str = ""
    #: Calls (chatroom.core.calls): the TURN servers a participant is
    #: given credentials for (``--turn-uri``, each as ``RTCPeerConnection``
    #: takes it; none: no ``TURN`` line), their shared secret (the first
    #: line of ``--turn-secret-file``: never logged, never sent) and how
    #: long the credentials are good for (``--turn-ttl``, seconds).
    turn_uri: tuple[str, ...] = ()
    turn_secret: str = field(default="", repr=False)
    turn_ttl: int = 86400

    #: Uploads (chatroom.core.accounts.files): the directory their bytes go in
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

    #: Web Push (chatroom.core.accounts.push): seconds without any device's activity
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


#: The keys' prefix on a Redis Cluster: its hash tag (``{chatroom}``)
#: puts the server's keys in one slot (every key, in a chat of the one-slot
#: layout), whose primary a node's links connect to; each room's keys are
#: in a slot of their own with rooms apart (``ClusterConfig.rooms_apart``),
#: served by whichever primary the cluster says. Every script keeps to one
#: slot, one atomic step on one primary.
CLUSTER_PREFIX = "{chatroom}:"


def rooms_tag(prefix: str) -> str:
    """How a room's keys begin with rooms apart, under the prefix ``prefix``
    (``{chatroom}:``): its hash tag's name, then a slash (``{chatroom/``,
    then the room, ``}`` and the kind: the prelude's ``in_room``)."""
    return "{" + prefix[1:].split("}", 1)[0] + "/"


@dataclass(frozen=True)
class ClusterConfig:
    """How a node finds and identifies itself to the cluster."""

    redis: RedisLocation
    node_id: str
    node_ttl: float = 15.0  # a node silent this long is harvested by the others
    #: Seconds more a node silent past ``node_ttl`` is waited for while
    #: Redis still holds its connection (``--stall-grace``): a process
    #: alive but starved, stopped or cut off
    #: (:mod:`chatroom.backends.redis.liveness`).
    stall_grace: float = 60.0
    redis_timeout: float = 5.0  # a Redis reply slower than this counts as down
    #: Seconds within which a read of the subscriber link after another
    #: holds its reads until they have passed (``--subscriber-hold``, in
    #: ms): a busy node reads its rooms' events many at a time, at up to
    #: this much latency each; 0: every read at once
    #: (:meth:`chatroom.redisclient.link.SubscriberProtocol._hold_reads`).
    subscriber_hold: float = 0.0
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
