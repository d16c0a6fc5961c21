"""Server bans as the core keeps them: made and lifted once for every
door and node (:class:`ServerBans`), ended on the injected clock, and
asked of each new connection's address.

What a ban is, and the rules of its masks and durations, are
:mod:`chatroom.core.netbans`'; this is their use: a ban decided here is
handed to the back-end as one decided change (:func:`banning`,
:func:`lifting`: resting on the mask's being banned or not, as read) with
its terms (who, until when, why); the back-end keeps it, ends the
sessions an account or name ban covers, and tells every node of a network
ban (:meth:`~chatroom.core.backend.Backend.follow_network_bans`), whose
doors' server ends the connections it covers.

A timed ban is lifted at its end by a timer of each node that has seen
it (made it, or read it: every new connection reads the bans), whichever
fires first; the others find it gone. Until then a ban past its end holds nothing
at the door: :meth:`ServerBans.refusal` and :meth:`ServerBans.listed`
leave it out.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import ensureDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from chatroom.core import changes, errors
from chatroom.core.backend import Backend
from chatroom.core.moderation import Actor
from chatroom.core.modlog import SERVER_LOG, ModAction, ModEntry
from chatroom.core.netbans import (
    MASK_KINDS,
    UNKNOWN,
    BanListener,
    BanTerms,
    ServerBan,
    address_of,
    ban_target_mask,
    covers,
    parse_request,
)
from chatroom.core.retrying import retried
from chatroom.core.rules import reason
from chatroom.wire.lines import format_time

log = Logger()


class ServerBans:
    """Server bans, decided once for every door and node: making and
    lifting them, their ends on the injected clock, and the screening of
    new connections by network.

    Args:
        clock: when bans end.
        backend: keeps the bans (and their terms), ends the sessions an
            account or name ban covers, and tells every node of a network
            ban.
    """

    def __init__(self, clock: IReactorTime, backend: Backend) -> None:
        self.clock = clock
        self.backend = backend
        #: The timers lifting timed bans this node made or found, by mask.
        self._ends: dict[str, IDelayedCall] = {}

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
        await self._applied(mask, lambda banned: banning(ban, banned))
        self._schedule(ban)
        await self._logged(actor, ModAction.GBAN, mask, said)
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
        await self._applied(mask, lambda banned: lifting(mask, banned))
        self._cancel(mask)
        await self._logged(actor, ModAction.GUNBAN, mask)
        return mask

    async def _applied(
        self, mask: str, decide: Callable[[bool], changes.DecidedChange]
    ) -> None:
        """What ``decide`` decides on whether ``mask`` is banned now,
        applied by the back-end (which ends the sessions a ban covers);
        decided again on the bans read again when another admin or node
        changed them meanwhile, at most :data:`~chatroom.core.changes.
        DECISION_ATTEMPTS` times."""

        async def attempt() -> None:
            banned = await self.backend.account_store.is_server_banned([mask])
            await self.backend.apply(decide(banned))

        await retried(attempt)

    async def _logged(
        self, actor: Actor, action: ModAction, target: str, why: str = ""
    ) -> None:
        """The server's moderation log (``/modlog server``) records it."""
        stamp = format_time(self.clock.seconds())
        entry = ModEntry(stamp, actor.name, action, target, why)
        await self.backend.modlog.record(SERVER_LOG, [entry])

    async def _mask(self, target: str) -> str:
        found = None
        if not target.startswith(MASK_KINDS):
            found = await self.backend.find_user(target)
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
        store = self.backend.account_store
        terms = await store.server_ban_terms()
        bans = [
            ServerBan(mask, terms.get(mask, UNKNOWN))
            for mask in await store.server_bans()
        ]
        for ban in bans:  # one made elsewhere, or before a restart
            if ban.terms.until and ban.mask not in self._ends:
                self._schedule(ban)
        return bans

    async def refusal(self, host: str) -> str | None:
        """Why a new connection from ``host`` is refused (a network ban's
        :func:`bye`), or None."""
        if address_of(host) is None:
            return None
        for ban in await self.listed():
            if covers(ban.mask, host):
                return ban.told
        return None

    def follow(self, listener: BanListener) -> None:
        """``listener`` hears each network ban made from now on, on any node."""
        self.backend.follow_network_bans(listener)

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
        kept = (await self.backend.account_store.server_ban_terms()).get(ban.mask)
        if kept is None or kept.until != ban.terms.until:
            return
        try:
            await self.backend.apply(lifting(ban.mask, True))
        except changes.PremiseFailedError:
            return  # lifted meanwhile, by another node's timer or an admin
        log.info("the ban of {mask} ended", mask=ban.mask)


# -- the decided changes of the server's bans -----------------------------------


def banning(ban: ServerBan, banned: bool) -> changes.DecidedChange:
    """Make ``ban``, its mask being ``banned`` already or not: ``BAD_ARGS``
    if it is; resting on its being banned still not."""
    if banned:
        raise errors.server_ban_unchanged(ban.mask, True)
    terms = "" if ban.terms == UNKNOWN else ban.terms.encoded()
    return changes.DecidedChange(
        changes.ServerBanList(),
        (changes.Banned(ban.mask, False),),
        (changes.AddBan(ban.mask, terms, ban.told),),
    )


def lifting(mask: str, banned: bool) -> changes.DecidedChange:
    """Lift the ban of ``mask``, being ``banned`` or not: ``BAD_ARGS`` if
    it is not; resting on its being banned still."""
    if not banned:
        raise errors.server_ban_unchanged(mask, False)
    return changes.DecidedChange(
        changes.ServerBanList(),
        (changes.Banned(mask, True),),
        (changes.LiftBan(mask),),
    )
