"""What ``twistd chatroom``'s command line needs besides its option table.

Coercers that turn a bad value into one line (:func:`number`,
:func:`endpoint_option`), the base class that keeps a usage error to that
one line under twistd (:class:`OneLineUsage`), and what the server says
once it listens (:func:`announce_web_client`), and the last
options of the table (:data:`MORE_OPTIONS`: ``tap.py`` has no room for more).
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

from twisted.internet.interfaces import IListeningPort
from twisted.logger import Logger
from twisted.python import usage

from chatroom.core.accounts.invitations import parse_mode
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.text import has_control_characters
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.irc.sts import DEFAULT_DURATION
from chatroom.wiring.coercer import Coercer, documented
from chatroom.wiring.configfile import ConfigFileError, ConfigFileOptions

log = Logger()

#: ``--search-db``, in :class:`chatroom.wiring.tap.Options`'s table.
SEARCH_DB_OPTION = [
    "search-db",
    None,
    None,
    "Cluster search (with --redis): the PostgreSQL that holds the full-text "
    "index, as a libpq connection string, e.g. postgresql://chat@db/chatroom "
    "(see docs/operations.md). Without it /search answers ERR UNAVAILABLE "
    "in cluster mode.",
]


def check_search_db(redis: object, search_db: str | None) -> None:
    """``--search-db`` needs ``--redis``, and must be a connection string
    libpq can read (checked now: not at the first search)."""
    if search_db is None:
        return
    if redis is None:
        raise usage.UsageError("--search-db: needs --redis (a single server uses --db)")
    check_conninfo("--search-db", search_db)


def check_conninfo(option: str, conninfo: str) -> None:
    """A PostgreSQL connection string libpq can read, or a usage error
    naming ``option`` (checked at start, not at first use)."""
    # Imported here, not at the top: only a cluster with PostgreSQL needs
    # libpq, and every server start (every test's twistd) paid ~0.1 s for it.
    import psycopg

    try:
        psycopg.conninfo.conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError as problem:
        raise usage.UsageError(f"{option}: {problem}") from None


def read_turn_secret(turn_uri: tuple[str, ...], path: str | None) -> str:
    """``--turn-secret-file``'s first line, white space stripped (read now:
    a mistake is one line before anything listens); ``--turn-uri`` needs
    it, for a TURN server given no credentials refuses every caller."""
    if turn_uri and not path:
        raise usage.UsageError(
            "--turn-uri: needs --turn-secret-file (the shared secret)"
        )
    if not path:
        return ""
    try:
        with open(path, encoding="utf-8") as kept:
            secret = kept.readline().strip()
    except OSError as problem:
        raise usage.UsageError(
            f"--turn-secret-file: {path}: {problem.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise usage.UsageError(f"--turn-secret-file: {path}: not UTF-8 text") from None
    if not secret:
        raise usage.UsageError(f"--turn-secret-file: {path}: its first line is empty")
    return secret


def server_config(options: usage.Options) -> ServerConfig:
    """The parsed ``options`` as the server's configuration: each of its
    fields that has an option (its name, with dashes) takes its value (the
    server's start and a reload's, :mod:`chatroom.wiring.reload`)."""
    given = {
        field.name: options[field.name.replace("_", "-")]
        for field in fields(ServerConfig)
        if field.name.replace("_", "-") in options
    }
    given["require_account"] = bool(given["require_account"])
    given["require_email"] = bool(given["require_email"])
    given["oidc_only"] = bool(given["oidc_only"])
    given.pop("files", None)
    given["irc_register_before_connect"] = bool(given["irc_register_before_connect"])
    return ServerConfig(**given)


#: A number's kind (int or float).
N = TypeVar("N", int, float)


def number(kind: Callable[[str], N], minimum: float, what: str) -> Coercer[N]:
    """A coercer that turns a bad value into a usage error, not a traceback."""

    def coerce(value: str) -> N:
        try:
            found = kind(value)
        except ValueError:
            raise usage.UsageError(f"{what}: must be a number, not {value!r}") from None
        if found < minimum:
            raise usage.UsageError(f"{what}: must be at least {minimum:g}")
        return found

    return Coercer(coerce, f"({what}, at least {minimum:g})")


#: A MOTD's bounds: its lines, and each line's bytes, so that an IRC
#: ``372`` line (``:server 372 nick :- LINE``) stays within 512 bytes.
MOTD_LINES = 100
MOTD_LINE_BYTES = 400


@documented("(a UTF-8 text file)")
def read_motd(path: str) -> tuple[str, ...]:
    """``--motd FILE``: the file's lines, read now (a mistake is one line
    before anything listens, not a surprise at the first sign-in)."""
    try:
        with open(path, encoding="utf-8") as motd:
            lines = tuple(line.rstrip() for line in motd.read().splitlines())
    except OSError as problem:
        raise usage.UsageError(f"--motd: {path}: {problem.strerror}") from None
    except UnicodeDecodeError:
        raise usage.UsageError(f"--motd: {path}: not UTF-8 text") from None
    if len(lines) > MOTD_LINES:
        raise usage.UsageError(f"--motd: {path}: more than {MOTD_LINES} lines")
    for number, line in enumerate(lines, 1):
        if len(line.encode("utf-8")) > MOTD_LINE_BYTES:
            raise usage.UsageError(
                f"--motd: {path}: line {number} is over {MOTD_LINE_BYTES} bytes"
            )
        if has_control_characters(line):
            raise usage.UsageError(
                f"--motd: {path}: line {number} holds a control character"
            )
    return lines


@documented("(open, invite or closed)")
def registration_mode(value: str) -> str:
    """``--registration``'s value, or a usage error in one line."""
    try:
        return parse_mode(value)
    except ValueError as problem:
        raise usage.UsageError(str(problem)) from None


#: The last of ``tap.py``'s options (it has no room for more), in
#: ``usage.Options.optParameters``' form.
MORE_OPTIONS: list[list[Any]] = [
    [
        "turn-uri",
        None,
        None,  # () once parsed: Options.__init__ and opt_turn_uri
        "Calls: a TURN server the web page's calls may relay through, as "
        "RTCPeerConnection takes it, e.g. turn:turn.example.org:3478 (again "
        "for more); needs --turn-secret-file.",
    ],
    [
        "turn-secret-file",
        None,
        None,
        "Calls: a file whose first line is the TURN server's shared secret "
        "(coturn's static-auth-secret), read at start; needed with --turn-uri.",
    ],
    [
        "turn-ttl",
        None,
        ServerConfig.turn_ttl,
        "Calls: seconds the TURN credentials a participant is given are good for.",
        number(int, 1, "--turn-ttl"),
    ],
    [
        "description",
        None,
        ServerConfig.description,
        "What IRC clients' LINKS shows of this server, after its name.",
    ],
    [
        "shutdown-grace",
        None,
        ServerConfig.shutdown_grace,
        "Seconds shutdown waits for clients' output to drain.",
        number(float, 0, "--shutdown-grace"),
    ],
    [
        "max-devices",
        None,
        ServerConfig.max_devices,
        "Most connections signed in to one account at once (its devices).",
        number(int, 1, "--max-devices"),
    ],
    [
        "rooms-per-hour",
        None,
        ServerConfig.rooms_per_hour,
        "Rooms one user (account, else name) may make in any hour; server "
        "admins are not counted (0: no limit).",
        number(int, 0, "--rooms-per-hour"),
    ],
    [
        "lobby-rooms",
        None,
        ServerConfig.lobby_rooms,
        "Most rooms the lobby's list shows on arrival (the permanent rooms, "
        "then the most populated; it says how many more): /list lists all "
        "(0: every room).",
        number(int, 0, "--lobby-rooms"),
    ],
    [
        "motd",
        None,
        None,
        "A text file: the message of the day, shown as IRC's MOTD and after "
        "WELCOME at the line door and the web page (default: IRC's built-in "
        "one, none at the others).",
        read_motd,
    ],
    [
        "webhook-limit",
        None,
        ServerConfig.webhook_limit,
        "Posts one webhook may make in any 10 seconds, on each node (0: no limit).",
        number(int, 0, "--webhook-limit"),
    ],
    [
        "webhook-url",
        None,
        ServerConfig.webhook_url,
        "The address webhook URLs start with (https://chat.example.org), where "
        "the --http door is reached; by default --public-url, else the --http "
        "door's own.",
    ],
    [
        "irc-sts-duration",
        None,
        DEFAULT_DURATION,
        "Seconds an IRC client that saw the sts policy on a TLS --irc port "
        "keeps to TLS for this server (IRCv3 sts' duration; 0: plain clients "
        "are sent to the TLS port at each connection, but nothing is "
        "promised past it). Raise it once TLS is there to stay, e.g. "
        "2592000 (30 days).",
        number(int, 0, "--irc-sts-duration"),
    ],
    [
        "registration",
        None,
        ServerConfig.registration,
        "Who may register an account: open (anyone), invite (a connection that "
        "redeemed an invitation a server admin or a room owner made: "
        "/invite-link, /redeem) or closed (one an admin made).",
        registration_mode,
    ],
    [
        "admin-token-file",
        None,
        None,
        "With --http, serve the admin API (chatroom-admin) at /admin/ to "
        "requests bearing the token this file holds; the file must be "
        "readable by its owner alone (chmod 600).",
    ],
]


def read_admin_token(path: str, http: object) -> bytes:
    """``--admin-token-file``'s token, refused in one line when the file is
    missing, empty, or open to its group or others (any of ``0o077``: a
    token anyone else on the machine can read is no secret), or when there
    is no ``--http`` to serve the API at."""
    option = "--admin-token-file"
    if http is None:
        raise usage.UsageError(f"{option}: needs --http (the API is served there)")
    try:
        with open(path, "rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            token = file.read().strip()
    except OSError as problem:
        raise usage.UsageError(
            f"{option}: cannot read {path}: {problem.strerror}"
        ) from None
    if mode & 0o077:
        raise usage.UsageError(
            f"{option}: {path} is open to others (mode {mode & 0o777:o}): "
            f"chmod 600 {path}"
        )
    if not token:
        raise usage.UsageError(f"{option}: {path} is empty")
    if any(byte <= 0x20 or byte >= 0x7F for byte in token):
        raise usage.UsageError(
            f"{option}: {path}: the token must be one word of printable ASCII"
        )
    return token


def endpoint_option(option: str, value: str) -> str:
    """A port number as a TCP endpoint (checked), anything else as it is."""
    if not value.isdigit():
        return value
    if int(value) > 65535:
        raise usage.UsageError(f"--{option}: {value} is not a port number (0-65535)")
    return f"tcp:{value}"


class OneLineUsage(ConfigFileOptions):
    """Options whose mistakes are one line under twistd, not its whole usage
    (``--config FILE``'s too: :class:`ConfigFileOptions`)."""

    def parseOptions(self, options: list[str] | None = None) -> None:
        """Parse; under twistd, a mistake is one line and exit status 1.

        twistd answers a usage error with its whole usage (85 lines) before
        the one that matters; as its subcommand (``parent`` is twistd's
        options) this prints only that line, on stderr, with a pointer to
        ``--help``. Called directly (the tests), it raises
        :class:`usage.UsageError` as usual.
        """
        try:
            super().parseOptions(options)
        except usage.UsageError as problem:
            if self.parent is None:
                raise
            hint = "" if isinstance(problem, ConfigFileError) else HELP_HINT
            print(f"chatroom: {problem}{hint}", file=sys.stderr)
            raise SystemExit(1) from None


#: After a command-line mistake (a file's names its own line instead).
HELP_HINT = " (see twistd chatroom --help)"


def web_address(port: IListeningPort, tls: bool = False) -> str:
    """Where the HTTP door ``port`` is reached, as ``http(s)://host:port``."""
    address = port.getHost()
    host = getattr(address, "host", "")
    number = getattr(address, "port", 0)
    if host in ("0.0.0.0", "::", "127.0.0.1", "::1"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"{'https' if tls else 'http'}://{host}:{number}"


def announce_web_client(server: DoorHub, tls: bool, port: IListeningPort) -> None:
    """Log where the web client is, as an address to open; it is where
    webhook addresses start too, unless ``--webhook-url`` said otherwise."""
    address = web_address(port, tls)
    log.info("web client: open {address}/", address=address)
    if not server.webhook_base:
        server.webhook_base = address


def default_node_id() -> str:
    """A node name unique by default: host name, process id and a random part.

    Host name and pid alone collide between containers (same image host
    name, pid 1); the random part does not.
    """
    host = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname())[:16] or "node"
    return f"{host}-{os.getpid()}-{secrets.token_hex(2)}"
