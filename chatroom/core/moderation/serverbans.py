"""Server bans as the core keeps them: made and lifted once for every
door and node (:class:`ServerBans`), ended on the injected clock, and
asked of each new connection's address.

What a ban is, and the rules of its masks and durations, are
:mod:`chatroom.core.moderation.netbans`'; this is their use: a ban decided here is
handed to the back-end as one decided change (:func:`banning`,
:func:`lifting`: resting on the mask's being banned or not, as read) with
its terms (who, until when, why); the back-end keeps it, ends the
sessions an account or name ban covers, and tells every node of a network
ban (:meth:`~chatroom.core.backend.Backend.follow_network_bans`), whose
doors' server ends the connections it covers.

Each node keeps a copy of the network bans, which every new connection
is screened on (:meth:`ServerBans.refused`) with no read: read at the
node's first screening, then kept current by the back-end's news of
bans made and lifted on any node
(:class:`~chatroom.core.moderation.netbans.NetworkBanNews`), and read again when the
back-end says news may have been missed (a Redis link dropped). A ban
made on one node reaches the others' copies with the order that ends
their connections from the network, in the same step.

A timed ban is lifted at its end by a timer of each node that has seen
it (made it, read it into its copy, or heard of it), whichever fires
first; the others find it gone. Until then a ban past its end holds
nothing at the door: :meth:`ServerBans.refused` and
:meth:`ServerBans.listed` leave it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.retrying import retried
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.moderation import (
    AddBan,
    Banned,
    EndSessions,
    LiftBan,
    ServerBanList,
)
from chatroom.core.model.text import account_mask, name_mask
from chatroom.core.moderation.modlog import SERVER_LOG, ModAction, ModEntry, recording
from chatroom.core.moderation.netbans import (
    MASK_KINDS,
    UNKNOWN,
    BanListener,
    BanTerms,
    Network,
    ServerBan,
    address_of,
    ban_target_mask,
    network_of,
    parse_request,
)
from chatroom.core.moderation.store import ModerationStore
from chatroom.core.policy.moderation import Actor
from chatroom.core.policy.rules import reason
from chatroom.core.server.store import ServerStore
from chatroom.wire.lines import format_time

log = Logger()

#: A node's copy of the network bans: each ban's network, by its mask.
Networks = dict[str, tuple[Network, ServerBan]]


class ServerBans:
    """Server bans, decided once for every door and node: making and
    lifting them, their ends on the injected clock, and the screening of
    new connections by network.

    Args:
        clock: when bans end.
        moderation: keeps the bans (and their terms), and tells every
            node of a network ban.
        server: the user a ban's target names.
        apply: the back-end's one write: a ban made or lifted, and the
            sessions an account or name ban covers ended.
    """

    def __init__(
        self,
        clock: IReactorTime,
        moderation: ModerationStore,
        server: ServerStore,
        apply: Applies,
    ) -> None:
        self.clock = clock
        self.bans = moderation.bans
        self.server = server
        self.apply = apply
        #: The timers lifting timed bans this node made or found, by mask.
        self._ends: dict[str, IDelayedCall] = {}
        #: This node's copy of the network bans (None: none to trust yet:
        #: not read, or news may have been missed since).
        self._networks: Networks | None = None
        #: Who waits for the copy's read, and the news heard meanwhile
        #: (mask, the ban made or None: lifted), applied to what it reads.
        self._waiting: list[Deferred[Networks]] = []
        self._heard: list[tuple[str, ServerBan | None]] = []
        #: Counts the back-end's "news missed": a read started before the
        #: last one is not kept.
        self._missed = 0
        self._followers: list[BanListener] = []
        moderation.follow_network_bans(self)

    # -- making and lifting --------------------------------------------------------

    async def ban(
        self, actor: Actor, words: str, default_reason: str = ""
    ) -> ServerBan:
        """``/gban MASK [DURATION] [REASON]`` by ``actor``: the ban made
        (the sessions it covers end on every node), or a refusal.

        Raises:
            ChatError: ``NOT_ALLOWED`` (not an admin), ``BAD_ARGS`` (a bad
                mask or duration, or banned already).
        """
        request = parse_request(words)
        if not actor.admin:
            raise errors.admins_only("gban")
        mask = await self._mask(request.target)
        until = 0.0
        if request.seconds is not None:
            until = self.clock.seconds() + request.seconds
        said = reason(request.reason, default_reason)
        ban = ServerBan(mask, BanTerms(actor.name, until, said))
        entry = self._entry(actor, ModAction.GBAN, mask, said)
        await self._applied(mask, lambda banned: logged(banning(ban, banned), entry))
        self._schedule(ban)
        log.info(
            "{admin} banned {mask} from the server{until}",
            admin=actor.name,
            mask=mask,
            until=f" for {request.seconds:.0f}s" if until else "",
        )
        return ban

    async def lift(self, actor: Actor, target: str) -> str:
        """``/gunban MASK``: the mask lifted, or a refusal (not banned)."""
        if not actor.admin:
            raise errors.admins_only("gunban")
        mask = await self._mask(target.strip())
        entry = self._entry(actor, ModAction.GUNBAN, mask)
        await self._applied(mask, lambda banned: logged(lifting(mask, banned), entry))
        self._cancel(mask)
        return mask

    async def _applied(
        self, mask: str, decide: Callable[[bool], DecidedChange]
    ) -> None:
        """What ``decide`` decides on whether ``mask`` is banned now,
        applied by the back-end (which ends the sessions a ban covers);
        decided again on the bans read again when another admin or node
        changed them meanwhile, at most :data:`~chatroom.core.model.changes.
        DECISION_ATTEMPTS` times."""

        async def attempt() -> None:
            banned = await self.bans.is_server_banned([mask])
            await self.apply(decide(banned))

        await retried(attempt)

    def _entry(
        self, actor: Actor, action: ModAction, target: str, why: str = ""
    ) -> ModEntry:
        """What the server's moderation log (``/modlog server``) records of
        it, now."""
        stamp = format_time(self.clock.seconds())
        return ModEntry(stamp, actor.name, action, target, why)

    async def _mask(self, target: str) -> str:
        found = None
        if not target.startswith(MASK_KINDS):
            found = await self.server.find_user(target)
        return ban_target_mask(target, found)

    # -- reading ---------------------------------------------------------------

    async def listed(self, actor: Actor | None = None) -> list[ServerBan]:
        """Every ban that still holds, oldest first (``/gbans``: for an
        admin's eyes only, when ``actor`` is given)."""
        if actor is not None and not actor.admin:
            raise errors.admins_only("gbans")
        now = self.clock.seconds()
        return [ban for ban in await self._all() if ban.active(now)]

    async def _all(self) -> list[ServerBan]:
        store = self.bans
        terms = await store.server_ban_terms()
        bans = [
            ServerBan(mask, terms.get(mask, UNKNOWN))
            for mask in await store.server_bans()
        ]
        for ban in bans:  # one made elsewhere, or before a restart
            if ban.terms.until and ban.mask not in self._ends:
                self._schedule(ban)
        return bans

    # -- screening on the node's copy ------------------------------------------------

    @property
    def copied(self) -> bool:
        """Whether :meth:`refused` can answer now (the copy is current)."""
        return self._networks is not None

    def refused(self, host: str) -> str | None:
        """Why a new connection from ``host`` is refused (a network ban's
        :func:`bye`), or None, on the node's copy, which must be current
        (:attr:`copied`). No network banned (the usual case): no address
        parsed."""
        assert self._networks is not None
        return self._covering(self._networks, host)

    async def refusal(self, host: str) -> str | None:
        """:meth:`refused`, once the copy is read if it must be."""
        networks = self._networks
        if networks is None:
            networks = await self._copy()
        return self._covering(networks, host)

    def _covering(self, networks: Networks, host: str) -> str | None:
        if not networks:
            return None
        address = address_of(host)
        if address is None:
            return None
        now = self.clock.seconds()
        for network, ban in networks.values():
            if (
                network.version == address.version
                and address in network
                and ban.active(now)
            ):
                return ban.told
        return None

    def _copy(self) -> Deferred[Networks]:
        """The copy, read once for everyone who asks while the read runs."""
        asked: Deferred[Networks] = Deferred()
        self._waiting.append(asked)
        if len(self._waiting) == 1:
            self._heard = []
            reading = ensureDeferred(self._all())
            reading.addBoth(self._copied, self._missed)
        return asked

    def _copied(self, read: list[ServerBan] | Failure, missed: int) -> None:
        """The bans read: the network bans among them, with the news heard
        during the read, are the copy (unless news was missed meanwhile)."""
        waiting, self._waiting = self._waiting, []
        heard, self._heard = self._heard, []
        if isinstance(read, Failure):
            for asked in waiting:
                asked.errback(read)
            return
        networks: Networks = {}
        for ban in read:
            network = network_of(ban.mask)
            if network is not None:
                networks[ban.mask] = (network, ban)
        for mask, made in heard:
            _heard_of(networks, mask, made)
        if missed == self._missed:
            self._networks = networks
        for asked in waiting:
            asked.callback(networks)

    # -- news of the network bans, from the back-end (NetworkBanNews) ---------------

    def banned(self, ban: ServerBan) -> None:
        """A network ban made, on this node or another: in the copy, on the
        clock if it ends, and heard by the followers (the doors' server
        ends the connections it covers)."""
        self._news(ban.mask, ban)
        self._schedule(ban)
        for listener in list(self._followers):
            listener(ban)

    def lifted(self, mask: str) -> None:
        """A network ban lifted, on this node or another."""
        self._news(mask, None)
        self._cancel(mask)

    def missed(self) -> None:
        """News may have been missed: the copy is read again when next asked."""
        self._missed += 1
        self._networks = None

    def _news(self, mask: str, made: ServerBan | None) -> None:
        if self._networks is not None:
            _heard_of(self._networks, mask, made)
        if self._waiting:
            self._heard.append((mask, made))

    def follow(self, listener: BanListener) -> None:
        """``listener`` hears each network ban made from now on, on any node."""
        self._followers.append(listener)

    # -- ends on the clock -----------------------------------------------------

    def stop(self) -> None:
        for mask in list(self._ends):
            self._cancel(mask)

    def _schedule(self, ban: ServerBan) -> None:
        if not ban.terms.until:
            return
        self._cancel(ban.mask)
        wait = max(0.0, ban.terms.until - self.clock.seconds())
        self._ends[ban.mask] = self.clock.callLater(wait, self._ended, ban)

    def _cancel(self, mask: str) -> None:
        call = self._ends.pop(mask, None)
        if call is not None and call.active():
            call.cancel()

    def _ended(self, ban: ServerBan) -> None:
        self._ends.pop(ban.mask, None)
        ensureDeferred(self._lift_ended(ban)).addErrback(
            lambda failure: log.failure("lifting {mask}", failure, mask=ban.mask)
        )

    async def _lift_ended(self, ban: ServerBan) -> None:
        """Lift ``ban`` at its end, unless it was made again meanwhile
        (another end, or none): another node may have lifted it first."""
        kept = (await self.bans.server_ban_terms()).get(ban.mask)
        if kept is None or kept.until != ban.terms.until:
            return
        try:
            await self.apply(lifting(ban.mask, True))
        except PremiseFailedError:
            return  # lifted meanwhile, by another node's timer or an admin
        log.info("the ban of {mask} ended", mask=ban.mask)


def _heard_of(networks: Networks, mask: str, made: ServerBan | None) -> None:
    """``networks`` with the news of ``mask``: ``made``, or lifted (None)."""
    network = network_of(mask)
    if network is None:
        return
    if made is None:
        networks.pop(mask, None)
    else:
        networks[mask] = (network, made)


# -- the decided changes of the server's bans -----------------------------------


def banning(ban: ServerBan, banned: bool) -> DecidedChange:
    """Make ``ban``, its mask being ``banned`` already or not: ``BAD_ARGS``
    if it is; resting on its being banned still not."""
    if banned:
        raise errors.server_ban_unchanged(ban.mask, True)
    terms = "" if ban.terms == UNKNOWN else ban.terms.encoded()
    return DecidedChange(
        ServerBanList(),
        (Banned(ban.mask, False),),
        (AddBan(ban.mask, terms), *covered(ban.mask, ban.told)),
    )


def covered(mask: str, told: str) -> tuple[EndSessions, ...]:
    """The sessions a ban of ``mask`` ends, told ``told``: the one holding
    a ``name:`` mask's name, every one signed in to an ``account:`` mask's
    account (the masks :func:`chatroom.core.moderation.admin.claim_masks` checks a
    claim against); none for a network's, whose connections each node's
    listeners end as they hear of it."""
    subject = mask.partition(":")[2]
    if mask == name_mask(subject):
        return (EndSessions(subject, "", told),)
    if mask == account_mask(subject):
        return (EndSessions("", subject, told),)
    return ()


def logged(change: DecidedChange, entry: ModEntry) -> DecidedChange:
    """``change`` of the server's bans, recording ``entry`` in the
    server's moderation log as it is applied (or not at all)."""
    return replace(change, ops=(*change.ops, recording(SERVER_LOG, [entry])))


def lifting(mask: str, banned: bool) -> DecidedChange:
    """Lift the ban of ``mask``, being ``banned`` or not: ``BAD_ARGS`` if
    it is not; resting on its being banned still."""
    if not banned:
        raise errors.server_ban_unchanged(mask, False)
    return DecidedChange(
        ServerBanList(),
        (Banned(mask, True),),
        (LiftBan(mask),),
    )
