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
from typing import Any

from twisted.internet.interfaces import IListeningPort
from twisted.logger import Logger
from twisted.python import usage

from chatroom.core.config import ServerConfig

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
    # Imported here, not at the top: only a cluster with --search-db needs
    # libpq, and every server start (every test's twistd) paid ~0.1 s for it.
    import psycopg

    try:
        psycopg.conninfo.conninfo_to_dict(search_db)
    except psycopg.ProgrammingError as problem:
        raise usage.UsageError(f"--search-db: {problem}") from None


def number(
    kind: Callable[[str], Any], minimum: float, what: str
) -> Callable[[str], Any]:
    """A coercer that turns a bad value into a usage error, not a traceback."""

    def coerce(value: str) -> Any:
        try:
            found = kind(value)
        except ValueError:
            raise usage.UsageError(f"{what}: must be a number, not {value!r}") from None
        if found < minimum:
            raise usage.UsageError(f"{what}: must be at least {minimum:g}")
        return found

    coerce.coerceDoc = f"({what}, at least {minimum:g})"  # type: ignore[attr-defined]
    return coerce


#: The last of ``tap.py``'s options (it has no room for more), in
#: ``usage.Options.optParameters``' form.
MORE_OPTIONS: list[list[Any]] = [
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


class OneLineUsage(usage.Options):
    """Options whose mistakes are one line under twistd, not its whole usage."""

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
            print(f"chatroom: {problem} (see twistd chatroom --help)", file=sys.stderr)
            raise SystemExit(1) from None


def announce_web_client(port: IListeningPort) -> None:
    """Log where the web client is, as an address to open."""
    address = port.getHost()
    host = getattr(address, "host", "")
    number = getattr(address, "port", 0)
    if host in ("0.0.0.0", "::", "127.0.0.1", "::1"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    log.info("web client: open http://{host}:{port}/", host=host, port=number)


def default_node_id() -> str:
    """A node name unique by default: host name, process id and a random part.

    Host name and pid alone collide between containers (same image host
    name, pid 1); the random part does not.
    """
    host = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname())[:16] or "node"
    return f"{host}-{os.getpid()}-{secrets.token_hex(2)}"
