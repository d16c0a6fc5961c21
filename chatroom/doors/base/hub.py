"""One server process: its configuration, clock, registry and connections.

A :class:`DoorHub` is what every connection's protocol shares (through
its factory): the :class:`~chatroom.core.registry.Registry` that holds names
and rooms (in this process, or in Redis for a cluster node), and this
process's own bookkeeping of sockets: how many from each address, which
are still open, and whether shutdown has begun. The registry decides
everything users share; the server only admits and counts connections.

It sits below the doors, which all import it, and is handed its registry:
which back-end that registry runs on is chosen where the server is built
(:mod:`chatroom.wiring.tap`), so no door loads a back-end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import chain
from typing import NamedTuple, Protocol

from twisted.internet.defer import Deferred, ensureDeferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.accounts.oidc import OidcSignIn
from chatroom.core.bridging.appservice import MatrixBridge
from chatroom.core.infra.blocklists import CLEAR, Blocklists, Verdict
from chatroom.core.infra.hashing import Runner, in_place
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.letters import Mailer, NoMailer
from chatroom.core.moderation.netbans import ServerBan, covers
from chatroom.core.policy.flood import FloodRules
from chatroom.core.registry import Registry
from chatroom.core.server.census import Census
from chatroom.core.services.app_passwords import AppPasswords
from chatroom.core.services.mailbox import MailboxService
from chatroom.doors.base.admission import SignOns
from chatroom.doors.base.deadlines import Deadlines
from chatroom.doors.base.leaving import LostConnections
from chatroom.doors.base.sendq import Flusher


class CountedSocket(Protocol):
    """A socket of any door, as the server counts it (and ``/metrics`` reads it)."""

    @property
    def door(self) -> str:
        """Which door it came through (``line``, ``irc``, ``web``)."""

    @property
    def name(self) -> str | None:
        """The name its user holds, None before there is one."""

    @property
    def host(self) -> str:
        """The address it came from (behind a proxy, the one its PROXY
        header gave)."""

    def close(self, reason: str) -> None:
        """Shutdown closes it, telling the client ``reason``."""


class Screening(NamedTuple):
    """What a new connection's address may do (:meth:`DoorHub.screen`):
    ``banned``, the words of a network ban's refusal, or let in under the
    blocklists' ``verdict``."""

    banned: str | None = None
    verdict: Verdict = CLEAR


#: What a connection from an address nothing refuses may do.
LET_IN = Screening()


#: Seconds between tries to read the VAPID key while the registry cannot.
VAPID_RETRY = 5.0


class WebAddress:
    """Where users reach the HTTP door (``http://host:port``), for the links
    the server gives (a mail's, ``/export``'s): "" until it listens
    (``--public-url``, else its own address). Made by the wiring before
    the registry and the hub, which both read it, and set once the door
    listens: the one value a running server learns after it is built."""

    def __init__(self, url: str = "") -> None:
        self.url = url

    def __call__(self) -> str:
        """The address now ("" without ``--http``, or before it listens)."""
        return self.url


class DoorHub:
    """The per-process hub every connection of every door shares.

    ``connections`` holds the admitted connections not yet harvested;
    ``open_connections`` every socket still open (admitted or not), which
    shutdown waits for. Most connections are both, and are kept in one set,
    not in two: a set holds 16-byte slots, a third to a half of them
    empty, so a second set cost each idle connection about 50 bytes more
    at 10,000 connections.
    """

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        registry: Registry,
        hashing: Runner | None = None,
        blocklists: Blocklists | None = None,
        mailer: Mailer | None = None,
        address: WebAddress | None = None,
    ) -> None:
        """Args:
        registry: the names and rooms this server's doors share, over the
            back-end the wiring chose.
        hashing: the threads the registry hashes passwords on (the wiring
            hands both the same pool, and the registry stops it at
            :meth:`detach`), which an export's JSON runs on too; tests
            leave it out, to run in place.
        blocklists: screens each new connection's address (``--dnsbl``);
            None: nobody is looked up.
        mailer: sends the mailbox's codes (``--smtp``); None: no mail.
        address: where users reach the HTTP door (the one the registry's
            mail links read; None: a hub's own).
        """
        self.config = config
        self.clock = clock
        #: Where webhook addresses start (``--webhook-url``; else the
        #: ``--http`` door's own address, set once it listens; "" without
        #: either): :mod:`chatroom.core.rooms.webhooks`.
        self.webhook_base = config.webhook_url.rstrip("/")
        self.registry = registry
        self.blocklists = blocklists
        #: Runs a blocking job off the reactor thread (an export's JSON):
        #: the hashing threads (in place in tests).
        self.off_reactor: Runner = hashing or in_place
        #: Where users reach the HTTP door, for the links the server gives.
        self.address = address or WebAddress()
        #: The server's VAPID public key (Web Push, IRC's ``VAPID=``), read
        #: from the registry once it answers after :meth:`start`; "" before.
        self.vapid_key = ""
        self._vapid_retry: IDelayedCall | None = None
        accounts = self.registry.accounts
        #: An account's app passwords (``/app-password``).
        self.app_passwords = AppPasswords(accounts, clock)
        #: An account's e-mail address and resets by mail; sends nothing
        #: until the wiring gives it a mailer (``--smtp``).
        self.mailbox = MailboxService(
            accounts,
            mailer or NoMailer(),
            clock,
            config.name,
            self.address,
            self.registry.users.end_signed_in,
            config.verify_window,
        )
        #: Invitations to register (``--registration``): made, listed,
        #: revoked and redeemed at every door and the admin API.
        self.invitations = accounts.invitations(
            config.registration, self._room_owner, self.address
        )
        #: Signing in through the OpenID provider (``--oidc-issuer``), given
        #: by the wiring; None: no provider.
        self.oidc: OidcSignIn | None = None
        #: The Matrix bridge (``--matrix-registration``), given by the
        #: wiring: its application service API is served at ``--http``.
        self.matrix: MatrixBridge | None = None
        #: Coalesces each connection's output per reactor turn
        #: (chatroom.doors.base.sendq).
        self.flusher = Flusher(clock)
        #: Every connection's login, idle and ping deadline, on one timer
        #: (chatroom.doors.base.deadlines).
        self.deadlines = Deadlines(clock)
        #: Lost connections given back, a bounded number a turn.
        self.lost_connections = LostConnections(clock)
        #: The sign-ons in flight, at most ``--signons-in-flight``
        #: (chatroom.doors.base.admission).
        self.signons = SignOns(config.signons_in_flight)
        self._flood_rules: FloodRules | None = None
        #: Admitted and open (most), admitted only (an HTTP request's
        #: channel), and open only (refused, or harvested and closing).
        self._admitted_open: set[CountedSocket] = set()
        self._admitted_only: set[CountedSocket] = set()
        self._open_only: set[CountedSocket] = set()
        self.connections_per_host: Counter[str] = Counter()
        #: Of the admitted connections, how many are named, and how many of
        #: those invisible (IRC's ``+i``): kept as they change, for
        #: ``LUSERS`` (:meth:`census`).
        self._named = self._invisible = 0
        self.shutting_down = False
        self._closed_waiters: list[Deferred[None]] = []
        registry.bans.follow(self.network_banned)

    @property
    def sends_mail(self) -> bool:
        """Whether mail can be sent (``--smtp``): a reset by mail, an address
        verified, mail for what an account missed."""
        return not isinstance(self.mailbox.mailer, NoMailer)

    @property
    def http_url(self) -> str:
        """Where users reach the HTTP door (``http://host:port``); ""
        without ``--http``."""
        return self.address.url

    @http_url.setter
    def http_url(self, url: str) -> None:
        self.address.url = url

    def reconfigure(self, config: ServerConfig) -> None:
        """A reload: ``config`` from now on, for every connection.

        What connections read from the configuration when they use it (the
        MOTD, ``--max-clients``, ``--max-per-ip``, ``--signons-in-flight``,
        the login and ping
        timers, a new connection's ``--sendq`` and ``--max-line``) follows
        at once; the flood rules every connection's gate shares are updated
        in place, so the new rate applies to everyone, nobody reconnecting.
        The admins (``--admins``) are asked at each command, by the registry
        and the account service: an admin added is one at their next
        command, at every door, and one removed is no longer.
        """
        self.config = config
        self.registry.reconfigure(config)
        self.signons.reconfigure(config.signons_in_flight)
        self.invitations.mode = config.registration
        if self._flood_rules is not None:
            self._flood_rules.update(config)

    async def _room_owner(self, room: str) -> tuple[str, str]:
        """Room ``room``'s name and its owner's name key (``NO_SUCH_ROOM``):
        whether an invitation's maker may invite into it."""
        details = await self.registry.rooms.room_details(room)
        return details.room, details.owner_key

    @property
    def flood_rules(self) -> FloodRules:
        """The flood limits every new connection's FloodGate shares: made
        once per configuration (a test may give the server another)."""
        rules, config = self._flood_rules, self.config
        if rules is None or rules.config is not config:
            rules = self._flood_rules = FloodRules(config, self.clock)
        return rules

    def start(self) -> None:
        """The service has started (a cluster node joins the cluster here)."""
        self.registry.start()
        self._read_vapid_key()
        if self.config.require_email:
            self.mailbox.start()

    def _read_vapid_key(self) -> None:
        """The VAPID key, made at the first start; again in a few seconds
        while the registry cannot answer (a node before Redis is reached)."""
        self._vapid_retry = None
        reading = ensureDeferred(self.registry.users.push_key())

        def read(key: str) -> None:
            self.vapid_key = key

        def again(failure: Failure) -> None:
            if not failure.check(ChatError):
                self.log.warn("VAPID key not read: {why}", why=failure.value)
            if not self.shutting_down:
                self._vapid_retry = self.clock.callLater(
                    VAPID_RETRY, self._read_vapid_key
                )

        reading.addCallbacks(read, again)

    def stop(self) -> None:
        """Shutdown begins: refuse newcomers, stop the registry's timers."""
        self.shutting_down = True
        self.lost_connections.stop()
        self.mailbox.stop()
        if self._vapid_retry is not None and self._vapid_retry.active():
            self._vapid_retry.cancel()
        self.registry.stop()

    def detach(self) -> Deferred[None]:
        """Every connection is closed: let go of shared state before exiting
        (the registry stops the hashing threads)."""
        self.lost_connections.stop()
        return self.registry.detach()

    @property
    def connections(self) -> set[CountedSocket]:
        """The admitted connections not yet harvested (a new set)."""
        return self._admitted_open | self._admitted_only

    @property
    def open_connections(self) -> set[CountedSocket]:
        """Every socket still open, admitted or not (a new set)."""
        return self._admitted_open | self._open_only

    def admitted(self) -> int:
        """How many admitted connections are not yet harvested."""
        return len(self._admitted_open) + len(self._admitted_only)

    def each_admitted(self) -> Iterator[CountedSocket]:
        """The admitted connections not yet harvested, without a new set."""
        return chain(self._admitted_open, self._admitted_only)

    def census(self) -> Census:
        """This process's connections: named, invisible, not named yet."""
        return Census(self._named, self._invisible, self.admitted() - self._named)

    def counted(self, named: int = 0, invisible: int = 0) -> Deferred[None]:
        """A connection was named or gone (``named``: 1 or -1), or an IRC
        user became invisible or visible (``invisible``: 1 or -1): the
        registry hears the new :meth:`census`. Fires once a cluster's
        other nodes count it (at once in one process; a failure is the
        registry's to make good, at its resume), for a welcome or a
        goodbye to wait for."""
        self._named += named
        self._invisible += invisible
        written = ensureDeferred(self.registry.presence.count_here(self.census()))
        return written.addErrback(lambda failure: None)

    def opened(self, connection: CountedSocket) -> None:
        """A socket is open (admitted or not); shutdown waits for it."""
        self._open_only.add(connection)

    def closed(self, connection: CountedSocket) -> None:
        """A socket has closed; fire shutdown's wait when it was the last."""
        self._open_only.discard(connection)
        if connection in self._admitted_open:  # closed before its harvest
            self._admitted_open.discard(connection)
            self._admitted_only.add(connection)
        if not self._admitted_open and not self._open_only:
            waiters, self._closed_waiters = self._closed_waiters, []
            for waiter in waiters:
                waiter.callback(None)

    def when_all_closed(self) -> Deferred[None]:
        """Fires once no socket is open any more."""
        if not self._admitted_open and not self._open_only:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._closed_waiters.append(waiter)
        return waiter

    def admit(self, connection: CountedSocket, host: str) -> str | None:
        """Count a new connection from ``host`` in, or say why it is refused."""
        limit = self.config.max_per_ip
        if self.shutting_down:
            return "server shutting down"
        if self.config.max_clients and self.admitted() >= self.config.max_clients:
            return "server full: too many connections"
        if limit and self.connections_per_host[host] >= limit:
            return f"too many connections from your address (limit {limit})"
        if connection in self._open_only:
            self._open_only.discard(connection)
            self._admitted_open.add(connection)
        else:
            self._admitted_only.add(connection)
        self.connections_per_host[host] += 1
        self.counted()
        return None

    def screen(self, host: str) -> Screening | Deferred[Screening]:
        """What a new connection from ``host`` may do: refused by a
        network ban (:mod:`chatroom.core.moderation.netbans`; its words), else the
        blocklists' verdict (``--dnsbl``; asked only then). Answered at
        once from the node's copy of the network bans where nothing else
        is to be asked (the copy is current, no blocklists), else a
        Deferred. It never fails: a ban list that cannot be read lets the
        address in, logged."""
        bans = self.registry.bans
        if not bans.copied:
            return ensureDeferred(self._screened(host))
        banned = bans.refused(host)
        if banned is not None:
            return self._refused(host, banned)
        if self.blocklists is None:
            return LET_IN
        return ensureDeferred(self._listed(host))

    async def _screened(self, host: str) -> Screening:
        try:
            banned = await self.registry.bans.refusal(host)
        except Exception as failed:
            self.log.warn(
                "server bans not read for {host}, so it is let in: {why}",
                host=host,
                why=failed,
            )
            banned = None
        if banned is not None:
            return self._refused(host, banned)
        if self.blocklists is None:
            return LET_IN
        return await self._listed(host)

    def _refused(self, host: str, banned: str) -> Screening:
        self.log.info("{host} refused: {why}", host=host, why=banned)
        return Screening(banned)

    async def _listed(self, host: str) -> Screening:
        assert self.blocklists is not None
        return Screening(verdict=await self.blocklists.screen(host))

    def network_banned(self, ban: ServerBan) -> None:
        """A network was banned (on any node): this process's connections
        from there end, told why (:attr:`ServerBan.told`)."""
        for connection in list(self.connections):
            # An HTTP request's channel is left to finish: the page's
            # WebSocket is a connection of its own, and refused.
            if connection.door != "http" and covers(ban.mask, connection.host):
                connection.close(ban.told)

    def forget(self, connection: CountedSocket, host: str) -> Deferred[None] | None:
        """Count an admitted connection out; None if it already was, else
        what :meth:`counted` returns."""
        if connection in self._admitted_open:
            self._admitted_open.discard(connection)
            self._open_only.add(connection)  # open until its socket closes
        elif connection in self._admitted_only:
            self._admitted_only.discard(connection)
        else:
            return None
        self.connections_per_host[host] -= 1
        if not self.connections_per_host[host]:
            del self.connections_per_host[host]
        return self.counted(named=-1 if connection.name else 0)
