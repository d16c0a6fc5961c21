"""Sending Web Push: the edge service behind :mod:`chatroom.core.accounts.push`.

The core decides who is pushed to, when and how often; this module sends
one notice to one subscription, as RFC 8030 asks:

- the payload (JSON, or the IRC message for ``draft/webpush``
  subscriptions) encrypted for the subscription's keys with RFC 8291's
  ``aes128gcm`` (``http_ece``, the library pywebpush uses);
- signed with the server's VAPID key (RFC 8292: a JWT for the endpoint's
  origin, expiring in :data:`JWT_LIFETIME` on the injected clock;
  ``py_vapid``'s :class:`Vapid02`);
- ``POST``-ed with twisted.web's :class:`Agent` (never blocking the
  reactor), at most :data:`IN_FLIGHT` at once (a
  :class:`DeferredSemaphore`; the others wait their turn, not the rooms),
  each abandoned after :data:`TIMEOUT` seconds on the injected clock.

An endpoint is a URL a user gave, so the agent's every connection goes
through the server's guard of such requests
(:class:`~chatroom.wiring.outbound.OutboundGuard`): an endpoint that is,
or resolves to, a loopback, private, link-local or other internal address
is never connected to (unless ``--outbound-allow`` excepts it), neither at
``/push add`` (:meth:`WebPushSender.allows`, which the core asks) nor at
any push, as its name may answer otherwise by then. A refused push is
logged with the endpoint's origin and counted (:attr:`WebPushSender.refused`).
An endpoint's path is the browser's secret at its push service, so the
log names only its origin.

Encrypting a notice costs a key pair, one ECDH, an HKDF and AES-GCM, and
its signature one ECDSA: measured at 3.5 ms and 1.6 ms on a busy 2-core
machine, enough for a burst of pushes to hold up the rooms, so both run
on the reactor's thread pool (``deferToThreadPool``), the payload having
been rendered on the reactor first (renderings are cached on the event).

The answer is whether the push service said the subscription is gone
(``404`` or ``410``), so the core forgets it; any other failure (refused,
timed out, ``5xx``) is logged and the subscription kept.
"""

from __future__ import annotations

import base64
import ipaddress
import os
from collections.abc import Callable, Sequence
from functools import cached_property
from io import BytesIO
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from twisted.internet.defer import Deferred, DeferredSemaphore
from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import Protocol, connectionDone
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger
from twisted.python import usage
from twisted.python.failure import Failure
from twisted.web.http_headers import Headers
from twisted.web.iweb import IResponse

from chatroom.core.accounts.push import IRC, Notice, Subscription, origin_of
from chatroom.core.model.config import ServerConfig
from chatroom.wiring.cli import number
from chatroom.wiring.outbound import (
    OutboundGuard,
    RefusedAddressError,
    guarded_agent,
)

if TYPE_CHECKING:  # the push's libraries: imported at the first push sent
    from py_vapid import Vapid02
    from twisted.web.client import Agent

#: ``twistd chatroom``'s options for Web Push.
PUSH_OPTIONS: list[list[Any]] = [
    [
        "push-idle",
        None,
        ServerConfig.push_idle,
        "Seconds none of an account's devices must have been active before "
        "its mentions and private messages are sent by Web Push.",
        number(float, 0, "--push-idle"),
    ],
    [
        "push-allow-http",
        None,
        "",
        "Comma-separated http:// prefixes accepted as push endpoints besides "
        "https ones (e.g. http://127.0.0.1:8081/, for tests on one machine); "
        "each prefix's host (and port, if it names one) is also an "
        "--outbound-allow exception.",
    ],
]


def check_push(options: Any) -> None:
    """``push-allow-http`` as a tuple of prefixes, each an http:// URL."""
    prefixes = tuple(
        p.strip() for p in options["push-allow-http"].split(",") if p.strip()
    )
    for prefix in prefixes:
        if not _is_http_url(prefix):
            raise usage.UsageError(f"--push-allow-http: {prefix!r} is no http:// URL")
    options["push-allow-http"] = prefixes


def _is_http_url(text: str) -> bool:
    """Whether ``text`` is an http:// URL with a host (and a port, if it
    names one, from 1 to 65535)."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # a bracket left open, a port that is no number
        return False
    return parts.scheme == "http" and bool(parts.hostname) and port != 0


def allowed_by_prefixes(prefixes: Sequence[str]) -> list[str]:
    """The ``--outbound-allow`` entries ``--push-allow-http``'s prefixes
    stand for: a push service on one machine is on its loopback, so each
    prefix allows its host: ``HOST:PORT`` when it names a port
    (``http://127.0.0.1:8081/``), else every port of an address
    (``http://127.0.0.1:``), or port 80 of a name (``http://push.intra/``)."""
    allowed = []
    for prefix in prefixes:  # each checked already (check_push)
        parts = urlsplit(prefix)
        host, port = parts.hostname or "", parts.port
        if port is not None:
            allowed.append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
            continue
        try:
            allowed.append(str(ipaddress.ip_network(host)))
        except ValueError:
            allowed.append(f"{host}:80")
    return allowed


#: Pushes in flight at once, for the whole node.
IN_FLIGHT = 8
#: Seconds a push service has to answer (connect, send, status).
TIMEOUT = 10.0
#: Seconds a VAPID JWT is valid (RFC 8292 allows at most 24 hours).
JWT_LIFETIME = 12 * 3600
#: How long a push service keeps an undelivered notice (``TTL``): a day.
TTL = 86400
#: The statuses that mean the subscription is no more.
GONE = (404, 410)
#: What the JWT's ``sub`` says without ``--public-url`` (RFC 8292 asks a
#: contact: a mailto: or an https: URL).
DEFAULT_SUBJECT = "mailto:postmaster@localhost"

#: Renders a notice as its IRC message (a ``draft/webpush`` payload).
IrcPayload = Callable[[Notice], bytes]


def unb64(text: str) -> bytes:
    """base64url with or without padding, as browsers give keys."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypted(payload: bytes, subscription: Subscription) -> bytes:
    """RFC 8291: ``payload`` for the subscription's keys, as one
    ``aes128gcm`` record (with a new ephemeral key and salt each time)."""
    import http_ece
    from cryptography.hazmat.primitives.asymmetric import ec

    result: bytes = http_ece.encrypt(
        payload,
        salt=os.urandom(16),
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=unb64(subscription.p256dh),
        auth_secret=unb64(subscription.auth),
        version="aes128gcm",
    )
    return result


def _sealed(
    payload: bytes,
    subscription: Subscription,
    signer: Vapid02,
    claims: dict[str, Any],
) -> tuple[bytes, str]:
    """The encrypted body and its ``Authorization`` (run on a thread)."""
    signed: dict[str, str] = signer.sign(claims)
    return encrypted(payload, subscription), signed["Authorization"]


def subject_of(public_url: str) -> str:
    """The JWT's ``sub``: the server's https address, or a mailto:."""
    return public_url if public_url.startswith("https://") else DEFAULT_SUBJECT


def _body(body: bytes) -> Any:
    """``body`` as the request's producer."""
    from twisted.web.client import FileBodyProducer

    return FileBodyProducer(BytesIO(body))


class WebPushSender:
    """Sends notices (see the module); :meth:`send` is the core's sender."""

    log = Logger()

    def __init__(
        self,
        guard: OutboundGuard,
        clock: IReactorTime,
        subject: str = DEFAULT_SUBJECT,
        irc_payload: IrcPayload | None = None,
        in_flight: int = IN_FLIGHT,
        timeout: float = TIMEOUT,
    ) -> None:
        """Args:
        guard: what every connection goes through, on whose reactor (and
            its thread pool) the pushes are made.
        """
        self.guard = guard
        self.reactor = guard.reactor
        self.clock = clock
        self.subject = subject
        self.irc_payload = irc_payload
        self.timeout = timeout
        #: A push's turn. Its semaphore starts the next waiting push inside
        #: the end of the one before, which does not nest deep: a push is
        #: sealed on the thread pool first, so it never ends in the call
        #: that starts it unless what comes before fails: the server's key
        #: (which fails every push so, each giving its turn back before
        #: the next asks, none waiting) or its payload's rendering (a bug).
        self.turns = DeferredSemaphore(in_flight)
        self._signers: dict[str, Vapid02] = {}
        #: Pushes not sent because the guard refused their endpoint.
        self.refused = 0

    @cached_property
    def agent(self) -> Agent:
        """What posts, made at the first push: twisted.web's HTTP client,
        http_ece and py_vapid are loaded where a notice is first pushed,
        not by every server."""
        return guarded_agent(self.guard)

    def allows(self, endpoint: str) -> Deferred[bool]:
        """Whether ``endpoint`` may be subscribed: the guard lets its
        address through (``/push add``); not if its name is not resolved
        within :attr:`timeout`."""

        async def vetted() -> bool:
            try:
                await self.guard.vet(endpoint)
            except RefusedAddressError as why:
                self._not_allowed(endpoint, str(why))
                return False
            return True

        def timed_out(_: object, timeout: float) -> bool:
            self._not_allowed(endpoint, f"not resolved within {timeout:g} seconds")
            return False

        vetting = Deferred.fromCoroutine(vetted())
        return vetting.addTimeout(self.timeout, self.clock, onTimeoutCancel=timed_out)

    def _not_allowed(self, endpoint: str, why: str) -> None:
        self.log.info(
            "push endpoint at {origin} refused: {why}",
            origin=origin_of(endpoint),
            why=why,
        )

    def off_reactor(self, work: Callable[..., Any], *args: Any) -> Deferred[Any]:
        """Run ``work`` on the reactor's thread pool (a push is encrypted
        and signed there); the pool is asked for at the first push, so a
        server that never pushes starts none."""
        return deferToThreadPool(
            self.reactor, self.reactor.getThreadPool(), work, *args
        )

    def _signer(self, pem: str) -> Vapid02:
        signer = self._signers.get(pem)
        if signer is None:
            from py_vapid import Vapid02

            signer = self._signers[pem] = Vapid02.from_pem(pem.encode())
        return signer

    def payload(self, subscription: Subscription, notice: Notice) -> bytes:
        if subscription.format == IRC and self.irc_payload is not None:
            return self.irc_payload(notice)
        return notice.payload()

    def send(
        self, pem: str, subscription: Subscription, notice: Notice
    ) -> Deferred[bool]:
        """One push, in its turn; fires True if the subscription is gone
        (False too if the guard refused its endpoint: that is logged)."""
        sending = self.turns.run(self._send, pem, subscription, notice)
        return sending.addErrback(self._refused, subscription)

    def _refused(self, failure: Failure, subscription: Subscription) -> bool:
        failure.trap(RefusedAddressError)
        self.refused += 1
        self.log.warn(
            "push to {origin} not sent: {why}",
            origin=subscription.origin,
            why=failure.getErrorMessage(),
        )
        return False

    def _send(
        self, pem: str, subscription: Subscription, notice: Notice
    ) -> Deferred[bool]:
        payload = self.payload(subscription, notice)  # rendered on the reactor
        parts = urlsplit(subscription.endpoint)
        claims = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "sub": self.subject,
            "exp": int(self.clock.seconds()) + JWT_LIFETIME,
        }
        signer = self._signer(pem)
        sealing: Deferred[tuple[bytes, str]] = self.off_reactor(
            _sealed, payload, subscription, signer, claims
        )
        return sealing.addCallback(self._post, subscription)

    def _post(
        self, sealed: tuple[bytes, str], subscription: Subscription
    ) -> Deferred[bool]:
        body, authorization = sealed
        headers = Headers(
            {
                b"Authorization": [authorization.encode()],
                b"Content-Encoding": [b"aes128gcm"],
                b"Content-Type": [b"application/octet-stream"],
                b"TTL": [str(TTL).encode()],
                b"Urgency": [b"high"],
            }
        )
        posting: Deferred[IResponse] = self.agent.request(
            b"POST",
            subscription.endpoint.encode(),
            headers,
            _body(body),
        )
        answered = posting.addCallback(self._answered, subscription)
        answered.addTimeout(self.timeout, self.clock)
        return answered

    def _answered(
        self, response: IResponse, subscription: Subscription
    ) -> Deferred[bool]:
        code = response.code
        if code >= 300 and code not in GONE:
            self.log.warn(
                "push to {origin} answered {code}",
                origin=subscription.origin,
                code=code,
            )
        read: Deferred[None] = Deferred()
        response.deliverBody(_Discarded(read))
        return read.addCallback(lambda _: code in GONE)


class _Discarded(Protocol):
    """Reads a push service's answer to its end, keeping none of it."""

    def __init__(self, done: Deferred[None]) -> None:
        self.done = done

    def dataReceived(self, data: bytes) -> None:
        pass

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.done.callback(None)
