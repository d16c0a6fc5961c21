"""Where Redis is: one Redis, a primary its Sentinels name, or the nodes of
a Redis Cluster, each parsed from a URL (``redis://``, ``rediss://``,
``sentinel://``, ``cluster://``) and printed without its password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit


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

    Before every connection a link asks the Sentinels, in turn, for the
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

    Before every connection a link asks these nodes of the cluster, in
    turn, which primary serves the hash slot of the key it was given
    (:class:`~chatroom.redisclient.link.ClusterEndpoint`), and connects to
    it; :class:`~chatroom.redisclient.shards.ShardLinks` keeps a link to
    every primary and routes each command by its key's slot. The
    cluster's own failover replaces a primary. No TLS, and database 0 only
    (Redis Cluster has no other).
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


#: Where Redis is, whichever of the three ways a URL says.
RedisLocation = RedisAddress | SentinelAddress | RedisClusterAddress


def redis_address(url: str) -> RedisLocation:
    """A Redis URL: one Redis, the Sentinels of a replicated one, or nodes
    of a Redis Cluster."""
    if url.startswith("sentinel://"):
        return SentinelAddress.parse(url)
    if url.startswith("cluster://"):
        return RedisClusterAddress.parse(url)
    return RedisAddress.parse(url)
