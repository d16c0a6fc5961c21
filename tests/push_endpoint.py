"""A push service on 127.0.0.1 for the tests: a real HTTP server that
decrypts what it receives and checks who signed it.

:class:`PushEndpoint` listens on a port of its own (twisted.web, the real
reactor) and keeps every ``POST``; :class:`Subscriber` holds what a
browser would (a P-256 key pair and a 16-byte auth secret, made here with
``cryptography``) and turns a received push back into its payload with
RFC 8291's ``aes128gcm`` (``http_ece``), after checking its RFC 8292
``Authorization: vapid t=JWT,k=KEY`` against the server's public key.
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from twisted.internet import protocol, reactor, task
from twisted.web.resource import Resource
from twisted.web.server import Site

from chatroom.core.accounts.push import Subscription


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    """One push as the service received it."""

    path: str
    headers: dict[str, str]
    body: bytes


class _Pushes(Resource):
    isLeaf = True

    def __init__(self, endpoint: PushEndpoint) -> None:
        super().__init__()
        self.endpoint = endpoint

    def render_POST(self, request: Any) -> bytes:
        path = request.path.decode()
        headers = {
            name.decode().lower(): values[0].decode()
            for name, values in request.requestHeaders.getAllRawHeaders()
        }
        self.endpoint.received.append(Received(path, headers, request.content.read()))
        request.setResponseCode(self.endpoint.answers.get(path, 201))
        return b""


@dataclass
class PushEndpoint:
    """The push service; ``answers``: a status by path (201 otherwise)."""

    received: list[Received] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)
    port: Any = None

    def start(self) -> PushEndpoint:
        site: Any = Site(_Pushes(self))
        self.port = reactor.listenTCP(0, site, interface="127.0.0.1")
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port.getHost().port}/"

    async def arrived(self, count: int) -> list[Received]:
        """The first ``count`` pushes, once they have come (5 s at most)."""
        for _ in range(500):
            if len(self.received) >= count:
                return self.received[:count]
            await task.deferLater(reactor, 0.01, lambda: None)
        raise AssertionError(f"{len(self.received)} pushes came, not {count}")


@dataclass
class Subscriber:
    """What a browser's PushSubscription holds, for ``endpoint``."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def subscription(self) -> Subscription:
        return Subscription(self.endpoint, self.p256dh, b64url(self.auth))

    def opened(self, push: Received, server_key: str) -> dict[str, Any]:
        """The push's JSON payload (see :meth:`clear`)."""
        opened: dict[str, Any] = json.loads(self.clear(push, server_key))
        return opened

    def clear(self, push: Received, server_key: str) -> bytes:
        """The push's payload, once its signature is checked (by the key
        ``server_key``, the server's base64url public key) and it is
        decrypted with this subscriber's keys."""
        self.check_signature(push, server_key)
        assert push.headers["content-encoding"] == "aes128gcm", push.headers
        clear: bytes = http_ece.decrypt(
            push.body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return clear

    def check_signature(self, push: Received, server_key: str) -> None:
        """RFC 8292: ``vapid t=JWT,k=KEY``, KEY the server's, the JWT ES256
        over its header and claims by that key, for this endpoint's origin,
        not expired."""
        scheme, _, rest = push.headers["authorization"].partition(" ")
        assert scheme == "vapid", push.headers["authorization"]
        fields = dict(part.strip().split("=", 1) for part in rest.split(","))
        assert fields["k"] == server_key, (fields["k"], server_key)
        header, claims, signature = fields["t"].split(".")
        raw = unb64url(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), unb64url(server_key)
        )
        public.verify(  # raises InvalidSignature
            encode_dss_signature(
                int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
            ),
            f"{header}.{claims}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
        assert json.loads(unb64url(header))["alg"] == "ES256"
        said = json.loads(unb64url(claims))
        assert said["aud"] == "/".join(self.endpoint.split("/")[:3]), said
        assert said["exp"] > time.time(), said


@dataclass
class Listener:
    """A TCP port on 127.0.0.1 that keeps who connected to it (and closes
    each connection at once): where a push must never go."""

    connected: list[Any] = field(default_factory=list)
    port: Any = None

    def start(self) -> Listener:
        self.port = reactor.listenTCP(
            0, _Recording(self.connected), interface="127.0.0.1"
        )
        return self

    @property
    def number(self) -> int:
        number: int = self.port.getHost().port
        return number


class _Recording(protocol.ServerFactory):
    """Keeps each connection's address, and closes the connection."""

    def __init__(self, connected: list[Any]) -> None:
        self.connected = connected

    def buildProtocol(self, addr: Any) -> None:
        self.connected.append(addr)
