"""``chatroom-admin restore FILE --redis URL``: a cluster backup into Redis.

The backup (:mod:`chatroom.backends.redis.dumpfile`) is read key by key and
each is loaded with ``RESTORE`` (its dump, its time to live). The target
must be empty (``DBSIZE`` 0) unless ``replace`` is asked for, when a key
already there is replaced (``RESTORE ... REPLACE``); keys the backup does
not hold are left as they are.

``chatroom-admin`` runs without a reactor, so Redis is spoken to here with
redis-py's blocking client (one connection, a command at a time), with the
password and database of the URL and TLS for ``rediss://``.
"""

from __future__ import annotations

import redis

from chatroom.backends.redis.dumpfile import DumpFileError, check, records
from chatroom.core.config import RedisAddress

#: Seconds one command may take.
TIMEOUT = 30.0


class RestoreError(Exception):
    """Nothing more was restored; the message says why, in one line."""


def _connect(address: RedisAddress) -> redis.Redis:
    client = redis.Redis(
        host=address.host,
        port=address.port,
        db=address.db,
        password=address.password,
        ssl=address.tls,
        ssl_ca_certs=address.ca,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
    )
    client.ping()  # a wrong address or password is reported before the file
    return client


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
        target = _connect(address)
    except redis.RedisError as problem:
        file.close()
        raise RestoreError(f"--redis {address}: {problem}") from None
    try:
        if not replace and target.dbsize() != 0:
            raise RestoreError(
                f"--redis {address}: not empty (restore into an empty Redis, "
                "or give --replace)"
            )
        count = 0
        for key, ttl, dumped in records(file):
            target.restore(key, ttl, dumped, replace=replace)
            count += 1
        return count
    except DumpFileError as problem:
        raise RestoreError(f"{path}: {problem}") from None
    except redis.RedisError as problem:
        raise RestoreError(f"--redis {address}: {problem}") from None
    finally:
        file.close()
        target.close()
