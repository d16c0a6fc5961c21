"""Reloading the configuration without disconnecting anyone.

``SIGHUP``, an admin's ``/rehash`` and IRC's ``REHASH`` all call
:meth:`Reloader.reload`: the options are parsed again from the same
command line (so the ``--config`` file and the ``--motd`` file are read
again), checked as at start-up, and what may change in a running server is
applied to it (:data:`RELOADED`, through
:meth:`~chatroom.doors.base.hub.DoorHub.reconfigure`); every ``ssl:``
endpoint's key and certificate are read again, for the connections that
come next (:class:`ReloadableCertificate`). An option that changed but
needs a restart (the ports, the store, ``--redis``...) is named in the
answer and left as it runs. A file with a mistake changes nothing: the
answer is the mistake, in the same one line as at start-up.

In cluster mode a reload is one node's: each node is sent its own
``SIGHUP`` (or an admin's ``/rehash`` reaches the node it is connected to).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from typing import Any

from OpenSSL import SSL
from twisted.internet.endpoints import SSL4ServerEndpoint
from twisted.internet.interfaces import IOpenSSLServerConnectionCreator
from twisted.logger import Logger
from twisted.python import usage
from zope.interface import implementer

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.doors.base.hub import DoorHub
from chatroom.wiring.cli import server_config
from chatroom.wiring.configfile import ConfigFileOptions, option_table
from chatroom.wiring.reuseport import ENDPOINT_ERRORS, build_endpoint

log = Logger()

#: The options a reload applies: those the server reads from its
#: configuration each time it uses them (the flood rules are updated in
#: place: every connection's gate shares them; the admins are asked of the
#: registry's and the account service's configuration at each command,
#: ``--registration`` at each registration and invitation made,
#: the origins of the server's at each WebSocket handshake).
RELOADED = (
    "motd",
    "admins",
    "http-origins",
    "rate",
    "burst",
    "max-backlog",
    "max-clients",
    "max-per-ip",
    "signons-in-flight",
    "max-line",
    "sendq",
    "login-timeout",
    "ping-interval",
    "ping-timeout",
    "registration",
)


class ReloadError(Exception):
    """Nothing was reloaded; the message says why, in one line."""


@implementer(IOpenSSLServerConnectionCreator)
class ReloadableCertificate:
    """An ``ssl:`` endpoint's key and certificate, read again on reload.

    It stands in for the endpoint's own ``CertificateOptions`` (which
    Twisted keeps in the endpoint's ``_sslContextFactory`` and reads once
    per connection, when it makes the connection's TLS state): each new
    connection gets the certificate read last, those already open keep
    theirs.
    """

    def __init__(
        self, reactor: Any, option: str, description: str, endpoint: SSL4ServerEndpoint
    ) -> None:
        self.reactor = reactor
        self.option = option
        self.description = description
        self.current = endpoint._sslContextFactory
        endpoint._sslContextFactory = self

    def serverConnectionForTLS(self, tlsProtocol: Any) -> SSL.Connection:
        return self.current.serverConnectionForTLS(tlsProtocol)

    def read_again(self) -> Any:
        """The endpoint's key and certificate as its files hold them now
        (checked: a key that is not the certificate's is refused).

        Raises:
            ReloadError: a file is missing or unreadable, or the key and
                certificate do not match.
        """
        try:
            fresh = build_endpoint(self.reactor, self.description)
            if not isinstance(fresh, SSL4ServerEndpoint):
                raise ValueError("no longer an ssl: endpoint")
            options = fresh._sslContextFactory
            options.getContext()  # loads and checks the key against the certificate
        except ENDPOINT_ERRORS as problem:
            raise ReloadError(
                f"--{self.option} {self.description}: {problem}"
            ) from None
        return options


def reloadable_certificates(
    reactor: Any, endpoints: list[tuple[str, str, Any]]
) -> list[ReloadableCertificate]:
    """One :class:`ReloadableCertificate` for each ``ssl:`` endpoint of
    ``endpoints`` (option name, description, endpoint), put in place
    before they listen."""
    return [
        ReloadableCertificate(reactor, option, description, endpoint)
        for option, description, endpoint in endpoints
        if isinstance(endpoint, SSL4ServerEndpoint)
    ]


class Reloader:
    """Reloads a running server's configuration from its command line."""

    def __init__(
        self,
        options: ConfigFileOptions,
        server: DoorHub,
        certificates: list[ReloadableCertificate],
    ) -> None:
        self.options = options
        self.server = server
        self.certificates = certificates
        #: Each option's value as the server runs it.
        self.running = {key: options[key] for key in option_table(type(options))}

    def reload(self) -> str:
        """Reload; what was done, in words.

        Raises:
            ReloadError: a mistake in the options or a file; nothing changed.
        """
        fresh = type(self.options)()
        try:
            fresh.parseOptions(list(self.options.command_line))
        except usage.UsageError as problem:
            raise ReloadError(str(problem)) from None
        certificates = [(c, c.read_again()) for c in self.certificates]
        changed = [
            key
            for key, value in self.running.items()
            if fresh[key] != value and not _chosen_anew(fresh, key)
        ]
        applied = [key for key in changed if key in RELOADED]
        config = server_config(fresh)
        fields = [key.replace("-", "_") for key in applied]  # ServerConfig's names
        self.server.reconfigure(
            replace(self.server.config, **{f: getattr(config, f) for f in fields})
        )
        for certificate, options in certificates:
            certificate.current = options
        self.running.update({key: fresh[key] for key in applied})
        return _outcome(
            applied,
            [f"--{c.option}" for c in self.certificates],
            [key for key in changed if key not in RELOADED],
        )

    def rehash(self) -> str:
        """An admin's ``/rehash`` (IRC's ``REHASH``): :meth:`reload`, a
        mistake as ``REHASH_FAILED``; logged either way. The registry calls
        it (:meth:`~chatroom.core.registry.Registry.attach_reloader`) once
        the core has checked who asks."""
        try:
            outcome = self.reload()
        except ReloadError as problem:
            log.warn("configuration not reloaded: {problem}", problem=str(problem))
            raise errors.rehash_failed(str(problem)) from None
        log.info("configuration reloaded: {outcome}", outcome=outcome)
        return outcome

    def hang_up(self) -> None:
        """``SIGHUP``, on the reactor's loop: :meth:`rehash`, its answer logged."""
        with suppress(ChatError):  # logged by rehash
            self.rehash()


def _chosen_anew(fresh: Any, key: str) -> bool:
    """``--node-id`` left out is a new random one at each parse: not a change."""
    return key == "node-id" and getattr(fresh, "node_id_defaulted", False)


def _outcome(applied: list[str], certificates: list[str], restart: list[str]) -> str:
    """``REHASHED``'s text: what changed, what was read again, what waits."""
    parts = [f"applied: {', '.join(applied)}" if applied else "nothing to apply"]
    if certificates:
        parts.append(f"certificates read again: {', '.join(certificates)}")
    if restart:
        parts.append(f"needs a restart: {', '.join(restart)}")
    return "; ".join(parts)
