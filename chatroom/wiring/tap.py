"""``twistd chatroom``: command-line options and the service they build.

:class:`ChatroomService` is in :mod:`chatroom.wiring.service`, some options'
handling in :mod:`chatroom.wiring.cli`; the plugin only points here. A bad
option is one line on stderr (``chatroom: --rate: must be at least 0 (see
twistd chatroom --help)``) and exit status 1, not twistd's whole usage."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from twisted.python import usage

from chatroom.core.accounts.accounts import PASSWORD_MAX, hashing_threads
from chatroom.core.chat import ChatCore
from chatroom.core.infra.fanout import IdlePlans
from chatroom.core.messages.previews import CardFetcher
from chatroom.core.model.bridged import MatrixSettings
from chatroom.core.model.config import (
    CLUSTER_PREFIX,
    SCRAM_MIN,
    ClusterConfig,
    ServerConfig,
)
from chatroom.core.model.text import is_valid_name
from chatroom.core.policy.userdata import ON_DELETE
from chatroom.core.registry import Registry
from chatroom.doors.base.hub import DoorHub, WebAddress
from chatroom.doors.line.protocol import LineFactory
from chatroom.doors.web.limits import HTTPLimits
from chatroom.net.pollcap import cap_events_per_poll
from chatroom.redisclient.addresses import (
    RedisClusterAddress,
    SentinelAddress,
    redis_address,
)
from chatroom.wiring import cli
from chatroom.wiring.cli import (
    SEARCH_DB_OPTION,
    OneLineUsage,
    announce_web_client,
    check_search_db,
    default_node_id,
    endpoint_option,
    read_admin_token,
    read_turn_secret,
    server_config,
    web_address,
)
from chatroom.wiring.cli import number as _number
from chatroom.wiring.collector import DEFAULT_FREEZE_THRESHOLD, CollectorService
from chatroom.wiring.dnsbl import DNSBL_OPTIONS, build_blocklists, check_dnsbl
from chatroom.wiring.linkfetch import PageFetcher
from chatroom.wiring.logs import LOG_FORMAT_OPTION, use_log_format
from chatroom.wiring.matrix import MATRIX_OPTIONS, check_matrix
from chatroom.wiring.oidc import (
    OIDC_FLAGS,
    OIDC_OPTIONS,
    OidcSettings,
    check_oidc,
)
from chatroom.wiring.outbound import OutboundGuard, OutboundPolicy
from chatroom.wiring.reactorlag import ReactorLag
from chatroom.wiring.registries import redis_registry, restored_local_registry
from chatroom.wiring.reload import Reloader, reloadable_certificates
from chatroom.wiring.reuseport import server_endpoint
from chatroom.wiring.service import (
    ChatroomService,
    ListeningService,
    refuse_to_start,
    stop_with_error,
)
from chatroom.wiring.slashcalls import SlashCaller
from chatroom.wiring.smtp import (
    SMTP_FLAGS,
    SMTP_OPTIONS,
    SMTPServer,
    check_smtp,
)
from chatroom.wiring.uploads import (
    FILES_FLAG,
    FILES_OPTIONS,
    check_files,
)
from chatroom.wiring.webpush import (
    PUSH_OPTIONS,
    WebPushSender,
    allowed_by_prefixes,
    check_push,
    subject_of,
)

if TYPE_CHECKING:  # each imported where its option is given
    from chatroom.doors.irc.protocol import IRCFactory  # --irc
    from chatroom.wiring.mailer import SMTPMailer  # --smtp

DEFAULTS = ServerConfig()
HTTP_DEFAULTS = HTTPLimits()


class Options(OneLineUsage):
    """Options for ``twistd chatroom``; ``twistd chatroom --help`` lists them."""

    synopsis = "[options]"
    #: ``--admin-token-file``'s token (b"": no admin API), read in postOptions.
    admin_token = b""
    #: ``--redis-replicas`` given (or in ``--config``'s file), set in
    #: postOptions: then a primary with fewer replicas stops the node.
    redis_replicas_given = False
    #: The exceptions of the guard of the requests made on a user's word
    #: (:meth:`outbound_guard`), made in postOptions.
    outbound_policy = OutboundPolicy()
    #: Where mail is sent (``--smtp``, checked in postOptions; None: nowhere).
    smtp_server: SMTPServer | None = None
    #: The OpenID provider (``--oidc-issuer``, checked in postOptions; None:
    #: none).
    oidc: OidcSettings | None = None
    #: The Matrix bridge (``--matrix-registration`` and its companions,
    #: checked in postOptions; None: no bridge).
    matrix: MatrixSettings | None = None
    longdesc = (
        "A multi-room chat server speaking a line protocol (see docs/protocol.md). "
        "Connect with the chatroom-urwid client, or with nc/telnet."
    )

    optFlags = [
        [
            "require-account",
            None,
            "Refuse plain names: every user signs in to an account (/login).",
        ],
        [
            "reuse-port",
            None,
            "Share the ports with this machine's other nodes (SO_REUSEPORT, tcp:).",
        ],
        FILES_FLAG,
        [
            "irc-no-sts",
            None,
            "Offer no IRCv3 sts even with an ssl: --irc port (a certificate "
            "clients cannot verify, or a plain port kept for clients without TLS).",
        ],
        [
            "irc-register-before-connect",
            None,
            "IRC clients may REGISTER an account before NICK/USER complete their "
            "connection (draft/account-registration's before-connect).",
        ],
        *SMTP_FLAGS,
        *OIDC_FLAGS,
    ]

    optParameters = [
        [
            "admins",
            None,
            "",
            "Comma-separated accounts that are server admins once signed in "
            "(/kill, /gban, /announce, /delete any room, /rehash).",
        ],
        [
            "port",
            "p",
            "tcp:8080",
            "Where to listen (given again: there too): a port number or any "
            "Twisted endpoint description, e.g. tcp:8080:interface=127.0.0.1 or "
            "ssl:8443:privateKey=key.pem:certKey=cert.pem.",
        ],
        [
            "irc",
            None,
            None,
            "Also serve IRC clients here (off unless given; given again: there "
            "too, e.g. 6667 and ssl:6697:privateKey=key.pem:certKey=cert.pem): "
            "a port number or an endpoint. With an ssl: one, IRCv3 sts sends "
            "plain clients to it.",
        ],
        [
            "irc-password",
            None,
            "",
            "A server password every IRC client must send with PASS (as ircds' "
            "connection password); accounts then sign in by SASL or NickServ.",
        ],
        [
            "http",
            None,
            None,
            "Also serve the web client, its WebSocket (/ws), /metrics and /healthz "
            "here (off unless given; given again: there too): a port number or "
            "an endpoint, e.g. 8000.",
        ],
        [
            "http-header-timeout",
            None,
            HTTP_DEFAULTS.header_timeout,
            "Seconds an HTTP request's line and headers may take to arrive "
            "(slow ones are answered 408 and closed).",
            _number(float, 0.1, "--http-header-timeout"),
        ],
        [
            "http-idle-timeout",
            None,
            HTTP_DEFAULTS.idle_timeout,
            "Seconds a keep-alive HTTP connection may wait for its next request.",
            _number(float, 0.1, "--http-idle-timeout"),
        ],
        [
            "http-origins",
            None,
            "",
            "Comma-separated origins (e.g. https://chat.example.org) whose pages may "
            "open /ws, besides the server's own; '*' for any.",
        ],
        [
            "public-url",
            None,
            "",
            "Where users reach the --http door (e.g. https://chat.example.org), "
            "for the links the server gives (/export); default: the address it "
            "listens on.",
        ],
        [
            "on-delete",
            None,
            DEFAULTS.on_delete,
            "What becomes of a deleted account's room messages: anonymise (their "
            "author becomes deleted-user, the text stays) or remove.",
        ],
        ["name", None, DEFAULTS.name, "Server name sent in HELLO."],
        [
            "previews",
            None,
            "on",
            "Link previews: on (the server fetches the first link of a room "
            "message for rich clients' cards) or off.",
        ],
        [
            "outbound-allow",
            None,
            "",
            "Exceptions to the addresses the server never connects to on a "
            "user's word (link previews, Web Push endpoints: loopback, "
            "private, link-local...): networks (127.0.0.1/32) or HOST:PORT, "
            "comma-separated or repeated, for tests and intranets.",
        ],
        [
            "preview-allow",
            None,
            "",
            "The same as --outbound-allow (its older name).",
        ],
        [
            "rooms",
            None,
            ",".join(DEFAULTS.rooms),
            "Comma-separated permanent rooms (never removed, no owner); '' for none.",
        ],
        [
            "room-capacity",
            None,
            DEFAULTS.room_capacity,
            "Most members in one room.",
            _number(int, 1, "--room-capacity"),
        ],
        [
            "big-room",
            None,
            DEFAULTS.big_room,
            "Members from which a room announces joins and parts only of those "
            "who speak (docs/protocol.md, Big rooms); 0: always announce them.",
            _number(int, 0, "--big-room"),
        ],
        [
            "max-rooms",
            None,
            DEFAULTS.max_rooms,
            "Most rooms on the server.",
            _number(int, 1, "--max-rooms"),
        ],
        [
            "history",
            None,
            DEFAULTS.history,
            "Messages a joiner is shown from before it joined.",
            _number(int, 0, "--history"),
        ],
        [
            "db",
            None,
            "chatroom.sqlite3",
            "Where rooms, topics and history are kept across restarts: an SQLite "
            "file, or :memory: to keep nothing (without --redis; with it, Redis "
            "is the store).",
        ],
        [
            "retention",
            None,
            DEFAULTS.retention,
            "Messages and actions kept per room.",
            _number(int, 1, "--retention"),
        ],
        [
            "retention-age",
            None,
            DEFAULTS.retention_age,
            "Seconds a room's messages and actions are kept, in every room, "
            "spoken in or not (private conversations are kept by count); 0 for "
            "no age limit.",
            _number(float, 0, "--retention-age"),
        ],
        [
            "grace",
            None,
            DEFAULTS.grace,
            "Seconds a room restored at start-up waits for someone to rejoin it.",
            _number(float, 0, "--grace"),
        ],
        [
            "rename-grace",
            None,
            DEFAULTS.rename_grace,
            "Seconds a renamed room's former name still joins it (default: a week).",
            _number(float, 0, "--rename-grace"),
        ],
        [
            "edit-window",
            None,
            DEFAULTS.edit_window,
            "Seconds after sending in which its author may /edit a message (0: never).",
            _number(float, 0, "--edit-window"),
        ],
        [
            "resume-bound",
            None,
            DEFAULTS.resume_bound,
            "Most events a catch-up replays: /join ROOM since ID, an IRC client's"
            " rejoin or sign-in (more: GAP, or an IRC NOTICE, first).",
            _number(int, 1, "--resume-bound"),
        ],
        [
            "max-line",
            None,
            DEFAULTS.max_line,
            "Longest line a client may send, in bytes.",
            _number(int, 64, "--max-line"),
        ],
        [
            "rate",
            None,
            DEFAULTS.rate,
            "Lines per second a connection may send on average; 0 turns it off.",
            _number(float, 0, "--rate"),
        ],
        [
            "burst",
            None,
            DEFAULTS.burst,
            "Lines a connection may send at once before --rate applies; "
            "lines past it wait their turn.",
            _number(int, 1, "--burst"),
        ],
        [
            "max-backlog",
            None,
            DEFAULTS.max_backlog,
            "Lines a flooding connection may have waiting before it is "
            "disconnected (BYE excess flood).",
            _number(int, 1, "--max-backlog"),
        ],
        [
            "max-clients",
            None,
            DEFAULTS.max_clients,
            "Most connections in all; 0 for no limit.",
            _number(int, 0, "--max-clients"),
        ],
        [
            "max-per-ip",
            None,
            DEFAULTS.max_per_ip,
            "Most connections from one address; 0 for no limit.",
            _number(int, 0, "--max-per-ip"),
        ],
        [
            "signons-in-flight",
            None,
            DEFAULTS.signons_in_flight,
            "Sign-ons (a new connection's name, waiting on the registry) run "
            "at once; past them the line and IRC ports stop accepting and "
            "the next wait their turn; 0 for no limit.",
            _number(int, 0, "--signons-in-flight"),
        ],
        [
            "login-timeout",
            None,
            DEFAULTS.login_timeout,
            "Seconds a new connection has to choose a name.",
            _number(float, 1, "--login-timeout"),
        ],
        [
            "sendq",
            None,
            DEFAULTS.sendq,
            "Bytes of unsent output a client may fall behind before it is dropped.",
            _number(int, 1024, "--sendq"),
        ],
        [
            "ping-interval",
            None,
            DEFAULTS.ping_interval,
            "Seconds of silence before the server sends PING.",
            _number(float, 1, "--ping-interval"),
        ],
        [
            "ping-timeout",
            None,
            DEFAULTS.ping_timeout,
            "Seconds to wait for any reply to PING before closing.",
            _number(float, 1, "--ping-timeout"),
        ],
        [
            "redis",
            None,
            None,
            "Join a cluster: the Redis shared by every node, as "
            "redis://[:password@]host[:port][/db] (rediss:// for TLS; "
            "?ca=FILE.pem to trust that authority), or its Sentinels as "
            "sentinel://host:port,host:port/SERVICE[/db], or nodes of a "
            "Redis Cluster as cluster://host:port,host:port (rooms spread "
            "over its primaries: docs/scaling.md). Without it the server runs "
            "alone.",
        ],
        [
            "redis-replicas",
            None,
            None,
            "Replicas that must have a message before its sender sees it "
            "(Redis WAIT; with --redis; default 1 with sentinel:// and "
            "cluster://, fewer if the primaries have fewer, else 0). Given, "
            "a primary with fewer stops the node at start.",
            _number(int, 0, "--redis-replicas"),
        ],
        [
            "node-id",
            None,
            None,
            "This node's name in the cluster (default: host name, process id and a "
            "random part).",
        ],
        SEARCH_DB_OPTION,
        [
            "node-ttl",
            None,
            ClusterConfig.node_ttl,
            "Seconds without a heartbeat after which other nodes harvest this "
            "node's users, once Redis holds none of its connections (with "
            "--redis).",
            _number(float, 0.5, "--node-ttl"),
        ],
        [
            "stall-grace",
            None,
            ClusterConfig.stall_grace,
            "Seconds more the other nodes wait for a node whose heartbeat "
            "stopped while Redis still holds its connection (stopped, starved "
            "of CPU, or cut off) before they harvest its users.",
            _number(float, 0, "--stall-grace"),
        ],
        [
            "redis-timeout",
            None,
            ClusterConfig.redis_timeout,
            "Seconds to wait for Redis before answering ERR UNAVAILABLE.",
            _number(float, 0.1, "--redis-timeout"),
        ],
        [
            "subscriber-hold",
            None,
            0.0,
            "Milliseconds within which a read of room events from Redis after "
            "another holds the next until they have passed: a busy node reads "
            "many events per wake, each up to this much later (for many nodes "
            "on one machine's cores: docs/scaling.md); 0: none held.",
            _number(float, 0, "--subscriber-hold"),
        ],
        [
            "gc-freeze",
            None,
            DEFAULT_FREEZE_THRESHOLD,
            "Survivors of garbage collection frozen (gc.freeze) once this many "
            "accumulate, keeping its pauses short; 0: never.",
            _number(int, 0, "--gc-freeze"),
        ],
        [
            "register-limit",
            None,
            DEFAULTS.register_limit,
            "Accounts one address may register per --register-window (0: no "
            "limit; Ergo's default is 30 per 10 minutes).",
            _number(int, 0, "--register-limit"),
        ],
        [
            "newcomer-wait",
            None,
            DEFAULTS.newcomer_wait,
            "Seconds a new account (or a plain name, from its connection) waits "
            "before it may write privately to someone it shares no room with, "
            "or post a link; admins never wait (0: nobody waits).",
            _number(float, 0, "--newcomer-wait"),
        ],
        [
            "register-window",
            None,
            DEFAULTS.register_window,
            "Seconds over which --register-limit counts.",
            _number(float, 1, "--register-window"),
        ],
        [
            "register-rate",
            None,
            DEFAULTS.register_rate,
            "Accounts the server registers per minute from every address "
            "together (0: no limit).",
            _number(int, 0, "--register-rate"),
        ],
        [
            "password-min",
            None,
            DEFAULTS.password_min,
            "The shortest password an account may have.",
            _number(int, 1, "--password-min"),
        ],
        [
            "scram-iterations",
            None,
            DEFAULTS.scram_iterations,
            "PBKDF2 iterations of the SCRAM keys made when a password is set "
            "(at least 4096, RFC 7677's floor); every SCRAM client pays them at "
            "each sign-in.",
            _number(int, SCRAM_MIN, "--scram-iterations"),
        ],
        *cli.MORE_OPTIONS,
        LOG_FORMAT_OPTION,
        *FILES_OPTIONS,
        *PUSH_OPTIONS,
        *DNSBL_OPTIONS,
        *SMTP_OPTIONS,
        *OIDC_OPTIONS,
        *MATRIX_OPTIONS,
    ]

    def __init__(self) -> None:
        super().__init__()
        #: ``--port``, ``--irc`` and ``--http`` as given so far: each may be
        #: given again, and every one given listens.
        self.endpoints_given: dict[str, tuple[str, ...]] = {}
        self["turn-uri"] = ()

    def _listen_also(self, option: str, value: str) -> None:
        """One more place for ``option``'s door: the option's value is
        every one given (a tuple), the default gone at the first."""
        given = (*self.endpoints_given.get(option, ()), endpoint_option(option, value))
        self.endpoints_given[option] = self[option] = given

    def opt_port(self, value: str) -> None:
        """Where to listen (again for more): a port number or a Twisted endpoint description, e.g. 8080, tcp:8080:interface=127.0.0.1 or ssl:8443:privateKey=key.pem:certKey=cert.pem"""  # noqa: E501 (twistd --help shows this verbatim)
        self._listen_also("port", value)

    opt_p = opt_port

    def opt_irc(self, value: str) -> None:
        """Also serve IRC clients here (again for more, e.g. a plain and a TLS port): a port number or an endpoint, e.g. 6667 or ssl:6697:privateKey=key.pem:certKey=cert.pem"""  # noqa: E501 (twistd --help shows this verbatim)
        self._listen_also("irc", value)

    def opt_http(self, value: str) -> None:
        """Also serve the web client, /ws, /metrics and /healthz here (again for more): a port number or an endpoint, e.g. 8000"""  # noqa: E501 (twistd --help shows this verbatim)
        self._listen_also("http", value)

    def opt_turn_uri(self, value: str) -> None:
        """Calls: a TURN server the web page's calls may relay through, as RTCPeerConnection takes it, e.g. turn:turn.example.org:3478 (again for more); needs --turn-secret-file"""  # noqa: E501 (twistd --help shows this verbatim)
        if not value.startswith(("turn:", "turns:")):
            raise usage.UsageError("--turn-uri: must start with turn: or turns:")
        self["turn-uri"] = (*self["turn-uri"], value)

    def opt_outbound_allow(self, value: str) -> None:
        """Exceptions to the addresses the server never connects to on a user's word (link previews, Web Push endpoints): networks (127.0.0.1/32) or HOST:PORT, comma-separated or repeated"""  # noqa: E501 (twistd --help shows this verbatim)
        self._allow("outbound-allow", value)

    def opt_preview_allow(self, value: str) -> None:
        """The same as --outbound-allow (its older name)"""
        self._allow("preview-allow", value)

    def _allow(self, option: str, value: str) -> None:
        """``--outbound-allow``'s entries, added to those given before
        (each checked here, so a mistake names its option)."""
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        try:
            OutboundPolicy.parse(entries)
        except ValueError as problem:
            raise usage.UsageError(f"--{option}: {problem}") from None
        given = [self["outbound-allow"]] if self["outbound-allow"] else []
        self["outbound-allow"] = ",".join([*given, *entries])

    def opt_on_delete(self, value: str) -> None:
        if value not in ON_DELETE:
            raise usage.UsageError(f"--on-delete: one of {', '.join(ON_DELETE)}")
        self["on-delete"] = value

    def postOptions(self) -> None:
        if isinstance(self["port"], str):  # the default
            self["port"] = (self["port"],)
        rooms = tuple(r.strip() for r in self["rooms"].split(",") if r.strip())
        for room in rooms:
            if not is_valid_name(room):
                raise usage.UsageError(
                    f"--rooms: {room!r} is not a valid room name "
                    "(1-32 letters, digits, '_', '-', '.')"
                )
        admins = tuple(a.strip() for a in self["admins"].split(",") if a.strip())
        for admin in admins:
            if not is_valid_name(admin):
                raise usage.UsageError(f"--admins: {admin!r} is not a valid name")
        self["admins"] = admins
        if len(rooms) > self["max-rooms"]:
            raise usage.UsageError("--rooms: more rooms than --max-rooms allows")
        self["rooms"] = rooms
        if self["webhook-url"] and not self["webhook-url"].startswith(
            ("http://", "https://")
        ):
            raise usage.UsageError("--webhook-url: must start with http:// or https://")
        self["http-origins"] = tuple(
            o.strip() for o in self["http-origins"].split(",") if o.strip()
        )
        if self["password-min"] > PASSWORD_MAX:
            raise usage.UsageError(f"--password-min: at most {PASSWORD_MAX}")
        name = self["name"]
        if not name or " " in name:
            raise usage.UsageError("--name: must be one word")
        if self["redis"] is not None:
            try:
                self["redis"] = redis_address(self["redis"])
            except ValueError as problem:
                raise usage.UsageError(f"--redis: {problem}") from None
            self.redis_replicas_given = self["redis-replicas"] is not None
            if not self.redis_replicas_given:
                replicated = isinstance(
                    self["redis"], SentinelAddress | RedisClusterAddress
                )
                self["redis-replicas"] = 1 if replicated else 0
            #: A node name chosen here (a reload chooses another: no change).
            self.node_id_defaulted = self["node-id"] is None
            if self.node_id_defaulted:
                self["node-id"] = default_node_id()
            if not is_valid_name(self["node-id"]):
                raise usage.UsageError(
                    "--node-id: 1-32 letters, digits, '_', '-' or '.'"
                )
        elif self["node-id"] is not None:
            raise usage.UsageError("--node-id: needs --redis")
        elif self["redis-replicas"] is not None:
            raise usage.UsageError("--redis-replicas: needs --redis")
        check_search_db(self["redis"], self["search-db"])
        self["turn-secret"] = read_turn_secret(
            self["turn-uri"], self["turn-secret-file"]
        )
        use_log_format(self["log-format"], self.parent)
        check_files(self)
        check_push(self)
        check_smtp(self)
        check_oidc(self)
        check_matrix(self)
        check_dnsbl(self)
        if self["previews"] not in ("on", "off"):
            raise usage.UsageError("--previews: on or off")
        # --outbound-allow's (and --preview-allow's), and the hosts
        # --push-allow-http's prefixes name.
        self.outbound_policy = OutboundPolicy.parse(
            [
                *self["outbound-allow"].split(","),
                *allowed_by_prefixes(self["push-allow-http"]),
            ]
        )
        if self["admin-token-file"] is not None:
            self.admin_token = read_admin_token(self["admin-token-file"], self["http"])

    def outbound_guard(self, reactor: Any) -> OutboundGuard:
        """The one guard of the requests the server makes on a user's word."""
        return OutboundGuard(reactor, self.outbound_policy)

    def card_fetcher(self, guard: OutboundGuard) -> CardFetcher | None:
        """What fetches links for their previews (None: ``--previews off``)."""
        if self["previews"] == "off":
            return None
        return PageFetcher(guard).fetch

    def http_limits(self, server: ServerConfig) -> HTTPLimits:
        """The bounds of each ``--http`` connection."""
        return HTTPLimits(
            header_timeout=self["http-header-timeout"],
            idle_timeout=self["http-idle-timeout"],
            sendq=server.sendq,
            abort_after=server.shutdown_grace,
        )

    def cluster_config(self) -> ClusterConfig | None:
        """How to join the cluster, or None to run alone."""
        if self["redis"] is None:
            return None
        return ClusterConfig(
            redis=self["redis"],
            # On a Redis Cluster the hash tag keeps the server's keys in one slot.
            prefix=CLUSTER_PREFIX
            if isinstance(self["redis"], RedisClusterAddress)
            else ClusterConfig.prefix,
            node_id=self["node-id"],
            node_ttl=self["node-ttl"],
            stall_grace=self["stall-grace"],
            redis_timeout=self["redis-timeout"],
            subscriber_hold=self["subscriber-hold"] / 1000,
            grace=self["grace"],
            search_db=self["search-db"],
            files_db=self["files-db"] if self["files"] else None,
            replicas=self["redis-replicas"],
        )

    def server_config(self) -> ServerConfig:
        """The parsed options as the server's configuration
        (:func:`~chatroom.wiring.cli.server_config`)."""
        return server_config(self)


def _serve_links(server: DoorHub, config: Options, port: Any) -> Any:
    """The (first) HTTP door listens: the links the server gives point at it
    (``--public-url``, else where it listens); webhooks' addresses too,
    unless ``--webhook-url`` names another, and the upload address
    clients are told (IRC's ``draft/FILEHOST``, the line door's ``TOKEN``)."""
    tls = is_tls(config["http"][0])
    server.http_url = config["public-url"] or web_address(port, tls)
    if not server.webhook_base and config["public-url"]:
        server.webhook_base = config["public-url"]
    files = server.registry.files
    if files is not None:
        files.upload_url = f"{server.http_url.rstrip('/')}/upload"
    return port


def _with_the_chats_layout(cluster: ClusterConfig) -> ClusterConfig:
    """A node on a Redis Cluster uses the layout its chat records (rooms
    apart for a new chat), read before its calls are built; or it says in
    one line why it cannot, and exits 1."""
    # redis-py, as chatroom-admin's: loaded by a node on a Redis Cluster alone
    from chatroom.wiring.clusterlayout import LayoutUnreadError, rooms_apart

    assert isinstance(cluster.redis, RedisClusterAddress)
    try:
        apart = rooms_apart(cluster.redis, cluster.redis_timeout)
    except LayoutUnreadError as problem:
        refuse_to_start(f"cannot read the chat's layout at {cluster.redis}: {problem}")
    return replace(cluster, rooms_apart=apart)


def _with_the_replicas_there(cluster: ClusterConfig, given: bool) -> ClusterConfig:
    """A node waits for the replicas its primaries have (``--redis-replicas``
    left to its default), or says in one line that they have fewer than
    the option asks, and exits 1."""
    # redis-py, as for the layout: loaded by a node that waits for replicas
    # alone (--redis-replicas, 1 by default on Sentinel and a Redis Cluster)
    from chatroom.wiring.replication import TooFewReplicasError, replicas_to_wait_for

    try:
        replicas = replicas_to_wait_for(cluster, given)
    except TooFewReplicasError as problem:
        refuse_to_start(str(problem))
    return replace(cluster, replicas=replicas)


def makeService(config: Options, reactor: Any = None) -> ChatroomService:
    """Build the server from parsed options (the twistd plugin calls this)."""
    if reactor is None:
        from twisted.internet import reactor as global_reactor

        reactor = global_reactor
    if find_spec("scramp") is None:  # imported at SCRAM's first use: said now
        refuse_to_start("scramp is not installed (passwords' SCRAM keys need it)")
    shared = bool(config["reuse-port"])
    endpoints = {  # each option's, in the order given
        option: [
            (description, server_endpoint(reactor, option, description, shared))
            for description in config[option] or ()
        ]
        for option in ("port", "irc", "http")
    }
    certificates = reloadable_certificates(
        reactor,
        [
            (option, description, endpoint)
            for option, found in endpoints.items()
            for description, endpoint in found
        ],
    )
    server_config = config.server_config()
    cluster = config.cluster_config()
    if cluster is not None and isinstance(cluster.redis, RedisClusterAddress):
        cluster = _with_the_chats_layout(cluster)
    if cluster is not None and cluster.replicas:  # 0: none waited for, none asked
        cluster = _with_the_replicas_there(cluster, config.redis_replicas_given)
    registry: Registry
    guard = config.outbound_guard(reactor)
    fetch_card = config.card_fetcher(guard)
    pusher = WebPushSender(guard, reactor, subject_of(config["public-url"]))
    call_command = SlashCaller(guard)
    hashing = hashing_threads(reactor)
    mailer = _mailer(config, reactor, server_config.name)
    address = WebAddress()  # set once the HTTP door listens
    if cluster is not None:
        registry = redis_registry(
            server_config,
            cluster,
            reactor,
            on_fatal=partial(stop_with_error, reactor),
            fetch_card=fetch_card,
            send_push=pusher,
            hashing=hashing,
            mailer=mailer,
            link_base=address,
            call_command=call_command,
        )
    else:
        from chatroom.backends.local.dbfile import DatabaseUnusableError

        try:
            registry = restored_local_registry(
                config["db"],
                server_config,
                reactor,
                fetch_card,
                pusher,
                hashing,
                mailer,
                address,
                call_command,
            )
        except DatabaseUnusableError as problem:  # one line, exit 1
            refuse_to_start(f"--db {config['db']}: {problem}")
    bridge = homeserver = store_ready = None
    if config.matrix is not None:  # the Matrix bridge's modules: loaded with it
        from chatroom.wiring.composition import compose_bridge
        from chatroom.wiring.homeserver import AgentHomeserver

        homeserver = AgentHomeserver.over(config.matrix, reactor)
        assert isinstance(registry, ChatCore)  # not yet metered
        node = config["node-id"] or "local"
        bridge = compose_bridge(config.matrix, registry, homeserver, node)
        store_ready = registry.backend.when_available
    if endpoints["http"]:  # /metrics is served: time what commands ask
        from chatroom.core.metered import metered

        registry = metered(registry)
    server = DoorHub(
        server_config,
        clock=reactor,
        registry=registry,
        hashing=hashing,
        blocklists=build_blocklists(config, reactor),
        mailer=mailer,
        address=address,
    )
    server.matrix = bridge
    if config.oidc is not None:  # joserfc, loaded by a server with a provider only
        from chatroom.wiring.oidc_provider import oidc_sign_in

        server.oidc = oidc_sign_in(config.oidc, registry, reactor)
    line = LineFactory(server)
    # Each door's modules are loaded when it is served, not by every node.
    irc = None  # the IRC door's factory, also for the web door's /irc
    if endpoints["irc"]:
        from chatroom.doors.irc.protocol import IRCFactory
        from chatroom.doors.irc.webpush import push_line

        irc = IRCFactory(server)
        # draft/webpush subscriptions are sent the IRC line
        pusher.irc_payload = push_line(irc.renderer)
    site = None
    if endpoints["http"]:
        from chatroom.doors.web.site import build_site

        limits = config.http_limits(server_config)
        site = build_site(server, limits, irc, config.admin_token)

    def factory_of(option: str, description: str) -> Any:
        if option == "irc":  # each port marks its sessions TLS or not (sts)
            from chatroom.doors.irc.protocol import IRCPort

            assert irc is not None
            return IRCPort(irc, is_tls(description))
        return site if option == "http" else line

    listeners = {
        option: [
            ListeningService(endpoint, factory_of(option, description), description)
            for description, endpoint in found
        ]
        for option, found in endpoints.items()
    }
    # Past --signons-in-flight the line and IRC ports stop accepting; the
    # HTTP port's health checks and admin API keep answering a busy node.
    for door in (*listeners["port"], *listeners["irc"]):
        door.whenListening().addCallback(server.signons.door)
    for http in listeners["http"]:
        http.whenListening().addCallback(
            partial(announce_web_client, server, is_tls(http.description))
        )
    if listeners["http"]:
        listening = listeners["http"][0].whenListening()
        listening.addCallback(lambda port: _serve_links(server, config, port))
    if irc is not None and not config["irc-no-sts"]:
        offer_sts(irc, listeners["irc"], config["irc-sts-duration"])
    # A crowd's closed sockets torn down over several turns, not in one.
    cap_events_per_poll(reactor)
    lag = ReactorLag(reactor)  # /metrics: how long turns are
    # The collector's check rides on the lag sampler's samples (no wake of its own).
    collector = CollectorService(reactor, config["gc-freeze"], chores=lag.chores)
    # Idle rooms' plans of their fan-out let go, on the same samples.
    lag.chores.append(IdlePlans(reactor).check)
    reloader = Reloader(config, server, certificates)
    registry.attach_reloader(reloader.rehash)
    service = ChatroomService(
        server, listeners, reactor, collector, on_hangup=reloader.hang_up
    )
    lag.setServiceParent(service)
    if mailer is not None:  # a stop lets the letters in flight go
        from chatroom.wiring.mailer import MailerService

        MailerService(mailer).setServiceParent(service)
    if bridge is not None:  # it pings, then sends, while the server serves
        from chatroom.wiring.homeserver import BridgeService

        assert homeserver is not None
        assert store_ready is not None  # the bridge starts once it is in reach
        BridgeService(bridge, homeserver, store_ready).setServiceParent(service)
    return service


def _mailer(config: Any, reactor: Any, name: str) -> SMTPMailer | None:
    """The mailer ``--smtp`` names (None: no mail is sent): the mailbox's
    codes and the mail for what an account missed. Twisted Mail is loaded
    only where mail is sent."""
    if config.smtp_server is None:
        return None
    from chatroom.wiring.mailer import SMTPMailer

    return SMTPMailer(reactor, config.smtp_server, config["mail-from"], name)


def is_tls(description: str) -> bool:
    """Whether an endpoint description listens with TLS."""
    return description.startswith("ssl:")


def offer_sts(irc: IRCFactory, ports: list[ListeningService], duration: int) -> None:
    """IRCv3 STS (:mod:`chatroom.doors.irc.sts`) once the first TLS
    ``--irc`` port listens: plain clients are sent to its number (the one
    it got: ``ssl:0`` in tests), TLS clients told ``duration``."""
    from chatroom.doors.irc.sts import STSPolicy

    tls = next((port for port in ports if is_tls(port.description)), None)
    if tls is None:
        return

    def listening(port: Any) -> Any:
        irc.sts = STSPolicy(port.getHost().port, duration)
        return port

    tls.whenListening().addCallback(listening)
