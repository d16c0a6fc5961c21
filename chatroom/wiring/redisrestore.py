"""``chatroom-admin restore FILE --redis URL``: a cluster backup into Redis.

The backup (:mod:`chatroom.backends.redis.dumpfile`) is read key by key and
each is loaded with ``RESTORE`` (its dump, its time to live). The target
must be empty (``DBSIZE`` 0) unless ``replace`` is asked for, when a key
already there is replaced (``RESTORE ... REPLACE``); keys the backup does
not hold are left as they are.

``chatroom-admin`` runs without a reactor, so Redis is spoken to here over
one blocking socket, in RESP (Redis's own protocol: commands as arrays of
bulk strings, replies by their first byte), with the password and database
of the URL and TLS for ``rediss://``.
"""

from __future__ import annotations

import socket
import ssl
from typing import Any

from chatroom.backends.redis.dumpfile import DumpFileError, check, records
from chatroom.core.config import RedisAddress

#: Seconds one command may take.
TIMEOUT = 30.0


class RestoreError(Exception):
    """Nothing more was restored; the message says why, in one line."""


class RedisReplyError(Exception):
    """Redis answered an error (``-ERR ...``)."""


class BlockingRedis:
    """One connection to Redis, a command at a time."""

    def __init__(self, address: RedisAddress) -> None:
        raw = socket.create_connection((address.host, address.port), TIMEOUT)
        if address.tls:
            context = ssl.create_default_context(cafile=address.ca)
            raw = context.wrap_socket(raw, server_hostname=address.host)
        self.socket = raw
        self.replies = raw.makefile("rb")
        if address.password is not None:
            self.command("AUTH", address.password)
        if address.db:
            self.command("SELECT", str(address.db))

    def command(self, *args: str | bytes | int) -> Any:
        """Send one command; its reply (an error reply raises)."""
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        wire = b"*%d\r\n" % len(parts)
        wire += b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in parts)
        self.socket.sendall(wire)
        return self._reply()

    def _reply(self) -> Any:
        line = self.replies.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RedisReplyError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            if int(rest) < 0:
                return None
            data = self.replies.read(int(rest) + 2)
            return data[:-2]
        if kind == b"*":
            return [self._reply() for _ in range(max(int(rest), 0))]
        raise ConnectionError(f"not a Redis reply: {line[:40]!r}")

    def close(self) -> None:
        self.replies.close()
        self.socket.close()


def restore_redis(path: str, url: str, replace: bool = False) -> int:
    """Load the cluster backup at ``path`` into the Redis at ``url``; how
    many keys.

    Raises:
        RestoreError: the URL, the file, the target (not empty) or Redis.
    """
    try:
        address = RedisAddress.parse(url)
    except ValueError as problem:
        raise RestoreError(f"--redis: {problem}") from None
    try:
        check(path)  # whole, before anything is loaded
        file = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as problem:
        raise RestoreError(f"{path}: {problem.strerror}") from None
    except DumpFileError as problem:
        raise RestoreError(f"{path}: {problem}") from None
    try:
        redis = BlockingRedis(address)
    except (OSError, RedisReplyError) as problem:
        file.close()
        raise RestoreError(f"--redis {address}: {problem}") from None
    try:
        if not replace and redis.command("DBSIZE") != 0:
            raise RestoreError(
                f"--redis {address}: not empty (restore into an empty Redis, "
                "or give --replace)"
            )
        count = 0
        for key, ttl, dumped in records(file):
            extra = ("REPLACE",) if replace else ()
            redis.command("RESTORE", key, ttl, dumped, *extra)
            count += 1
        return count
    except DumpFileError as problem:
        raise RestoreError(f"{path}: {problem}") from None
    except (OSError, RedisReplyError) as problem:
        raise RestoreError(f"--redis {address}: {problem}") from None
    finally:
        file.close()
        redis.close()
