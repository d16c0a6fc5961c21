"""``python -m chatroom.wiring.healthcheck [--proxy-header] [PORT]``: the
container's health check (``Dockerfile``'s ``HEALTHCHECK``, ``compose.yaml``).

Asks ``/healthz`` of the HTTP door on 127.0.0.1 (default port 8000) and
exits 0 if it answers ``200`` (serving), 1 otherwise (``503`` while shutting
down or cut off from Redis, or nobody answering within 4 seconds). The
image has no curl; this needs only the standard library.

A node behind the compose file's proxy reads a PROXY header first
(``haproxy:tcp:8000``, :mod:`chatroom.wiring.proxyheader`); with
``--proxy-header`` the check starts with the header's ``UNKNOWN`` form,
which the PROXY protocol gives a proxy's own connections (its health
checks), so it is let in and known by its real address.
"""

from __future__ import annotations

import argparse
import http.client
import sys

DEFAULT_PORT = 8000
TIMEOUT = 4.0


class _ProxiedConnection(http.client.HTTPConnection):
    """An HTTP connection whose first bytes are a PROXY header."""

    def connect(self) -> None:
        super().connect()
        assert self.sock is not None
        # UNKNOWN: the receiver ignores the rest of the line, but Twisted's
        # parser wants addresses there, so the connection's own are given.
        source, source_port = self.sock.getsockname()[:2]
        target, target_port = self.sock.getpeername()[:2]
        header = f"PROXY UNKNOWN {source} {target} {source_port} {target_port}\r\n"
        self.sock.sendall(header.encode("ascii"))


def healthy(port: int, proxy_header: bool = False, timeout: float = TIMEOUT) -> bool:
    """Whether the HTTP door on 127.0.0.1:``port`` says it is serving."""
    kind = _ProxiedConnection if proxy_header else http.client.HTTPConnection
    connection = kind("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):  # TimeoutError is an OSError
        return False
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chatroom.wiring.healthcheck",
        description="Exit 0 if the HTTP door's /healthz answers 200.",
    )
    parser.add_argument("port", nargs="?", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--proxy-header",
        action="store_true",
        help="send a PROXY header first (the door listens as haproxy:...)",
    )
    arguments = parser.parse_args(argv)
    return 0 if healthy(arguments.port, arguments.proxy_header) else 1


if __name__ == "__main__":
    sys.exit(main())
