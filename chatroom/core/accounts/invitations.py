"""Invitations: who may register an account, on a server that is not open
to everyone.

``--registration`` says who may register:

- ``open`` (the default): anyone (within the registration limits);
- ``invite``: only a connection that redeemed an invitation; server
  admins and room owners make them;
- ``closed``: only a connection that redeemed an invitation an admin made.

An invitation is made by ``/invite-link [USES] [HOURS] [ROOM]`` (an admin,
or under ``invite`` the owner of ROOM) and answered ``INVITE_LINK <code>
<url>``: the code, and a link to the web page holding it. ``/redeem CODE``
(or opening the link, whose page redeems it) spends one of its uses and
lets that connection register one account (``REDEEMED <code>``); with a
ROOM the new account joins it. ``/invite-links`` lists them (an admin all,
an owner their own), ``/invite-link revoke CODE`` ends one early.

An invitation is kept under the SHA-256 of its code (as
:func:`~chatroom.core.model.codes.code_hash` writes it), never the code: a
copy of the store admits nobody. Listings name it by the start of that
hash (:attr:`InviteLink.id`). Its uses left, its expiry (on the server's
injected clock), its room and its maker are one value
(:meth:`InviteLink.encoded`), written through one
:class:`~chatroom.core.model.changes.base.DecidedChange` resting on the value as read
(:class:`~chatroom.core.model.changes.accounts.InvitationIs`): two nodes redeeming the
last use at once spend it once, and the second is refused. The store is
the back-end's (SQLite, or Redis for a cluster), so invitations outlive a
restart and work on every node. Guesses at codes meet a back-off per
address, as wrong passwords do; neither a code nor a link is ever logged
(the link's ``invite=`` is hidden by :mod:`chatroom.core.urlsecrets`).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Protocol
from urllib.parse import urlencode

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.infra.throttle import (
    FailureBackoff,
    Guesses,
    MemoryFailures,
    ThrottledError,
)
from chatroom.core.model import errors
from chatroom.core.model.changes.accounts import (
    DropInvitation,
    InvitationCode,
    InvitationIs,
    SetInvitation,
)
from chatroom.core.model.changes.base import (
    DECISION_ATTEMPTS,
    Apply,
    DecidedChange,
    Operation,
    PremiseFailedError,
)
from chatroom.core.model.codes import code_hash, new_code
from chatroom.core.model.text import name_key
from chatroom.core.policy.moderation import Actor

#: Wrong invitation codes, per address.
CODES_BY_ADDRESS = FailureBackoff(
    "invitation-address", free=5, base=1, cap=900, forget=3600
)

OPEN, INVITE, CLOSED = "open", "invite", "closed"
#: ``--registration``'s values, most open first.
MODES = (OPEN, INVITE, CLOSED)

#: An invitation's uses, unless said (and the most).
USES, USES_MAX = 1, 1000
#: Hours an invitation is good for, unless said (a week; and the most).
HOURS, HOURS_MAX = 7 * 24, 365 * 24
#: Characters of an invitation's hash that name it in listings.
ID_LENGTH = 8
#: The query parameter of the web page's link that carries a code.
LINK_PARAMETER = "invite"

#: ``/invite-link``'s synopsis, as its usage error gives it.
USAGE = "/invite-link [USES] [HOURS] [ROOM] | /invite-link revoke CODE"

log = Logger()


@dataclass(frozen=True, slots=True)
class InviteLink:
    """One invitation as kept: under ``code`` (its code's hash), with
    ``uses`` left, good until ``until`` (Unix seconds on the server's
    clock), into ``room`` ("" for none), made by ``by`` (an account's
    name) at ``made``."""

    code: str
    uses: int
    until: float
    room: str = ""
    by: str = ""
    made: float = 0.0

    @property
    def id(self) -> str:
        """What listings name it by: the start of its hash."""
        return self.code[:ID_LENGTH]

    def usable(self, now: float) -> bool:
        return self.uses > 0 and now < self.until

    def encoded(self) -> str:
        """As a back-end keeps it (the hash is its key)."""
        return json.dumps(
            {
                "uses": self.uses,
                "until": self.until,
                "room": self.room,
                "by": self.by,
                "made": self.made,
            },
            separators=(",", ":"),
        )

    @classmethod
    def decoded(cls, code: str, kept: str) -> InviteLink:
        fields = json.loads(kept)
        return cls(
            code,
            int(fields["uses"]),
            float(fields["until"]),
            str(fields.get("room", "")),
            str(fields.get("by", "")),
            float(fields.get("made", 0.0)),
        )


@dataclass(frozen=True, slots=True)
class Redeemed:
    """What a connection holds once it redeemed an invitation: it may
    register one account, which then joins ``room`` ("" for none)."""

    code: str
    room: str = ""


class InvitationStore(Protocol):
    """Where invitations are kept (the back-end's account store): its
    reads. An :class:`~chatroom.core.model.changes.accounts.InvitationCode` change goes
    through the back-end's one write (:meth:`~chatroom.core.backend.Backend.apply`),
    applied atomically or refused with :class:`~chatroom.core.model.changes.
    PremiseFailedError` and the invitation as kept now ("" for none)."""

    async def invitations(self) -> dict[str, str]:
        """Every invitation kept, encoded, by its code's hash."""
        ...

    async def invitation(self, code: str) -> str:
        """The invitation kept under hash ``code``, encoded ("" for none)."""
        ...


# -- the rules ------------------------------------------------------------------


def parse_mode(word: str) -> str:
    """``--registration``'s value (any case).

    Raises:
        ValueError: another word.
    """
    mode = word.strip().lower()
    if mode not in MODES:
        raise ValueError(f"--registration is one of {', '.join(MODES)}, not {word!r}")
    return mode


def check_registration(mode: str, invited: Redeemed | None) -> None:
    """May a connection register an account, holding ``invited``?

    Raises:
        ChatError: ``INVITE_REQUIRED`` (``invite``, nothing redeemed),
            ``NOT_ALLOWED`` (``closed``, nothing redeemed).
    """
    if invited is not None or mode == OPEN:
        return
    if mode == CLOSED:
        raise errors.registration_off()
    raise errors.invite_required()


def parse_terms(args: str) -> tuple[int, float, str]:
    """``[USES] [HOURS] [ROOM]``: the uses, the hours and the room ("").

    Raises:
        ChatError: ``BAD_ARGS``.
    """
    words = args.split()
    numbers: list[int] = []
    while words and words[0].isdigit() and len(numbers) < 2:
        numbers.append(int(words.pop(0)))
    if len(words) > 1:
        raise errors.usage(USAGE)
    uses = numbers[0] if numbers else USES
    hours = numbers[1] if len(numbers) > 1 else HOURS
    check_terms(uses, hours)
    return uses, float(hours), (words[0].lstrip("#") if words else "")


def check_terms(uses: object, hours: object) -> None:
    """1 to :data:`USES_MAX` uses, for 1 to :data:`HOURS_MAX` hours.

    Raises:
        ChatError: ``BAD_ARGS``.
    """
    if not (isinstance(uses, int) and 1 <= uses <= USES_MAX):
        raise errors.bad_args(f"an invitation has 1-{USES_MAX} uses")
    if not (isinstance(hours, int | float) and 1 <= hours <= HOURS_MAX):
        raise errors.bad_args(f"an invitation is good for 1-{HOURS_MAX} hours")


def made(invitation: InviteLink) -> DecidedChange:
    """Keep a new ``invitation`` (no other under its hash: codes are new)."""
    return DecidedChange(
        InvitationCode(invitation.code),
        (InvitationIs(""),),
        (SetInvitation(invitation.encoded()),),
    )


def spent(found: InviteLink) -> DecidedChange:
    """One use of ``found`` spent, resting on its being kept as found (so
    the last use goes once), and gone with its last."""
    left = found.uses - 1
    op: Operation = (
        SetInvitation(replace(found, uses=left).encoded()) if left else DropInvitation()
    )
    return DecidedChange(
        InvitationCode(found.code),
        (InvitationIs(found.encoded()),),
        (op,),
    )


def revoked(found: InviteLink) -> DecidedChange:
    """``found`` ends now (whatever became of it meanwhile)."""
    return DecidedChange(InvitationCode(found.code), ops=(DropInvitation(),))


# -- the service ------------------------------------------------------------------

#: Where links start (the HTTP door's address); "" while there is none.
LinkBase = Callable[[], str]
#: A room's name as it calls itself and its owner's name key
#: (``NO_SUCH_ROOM``): the registry's :meth:`room_details`, cut down.
RoomOwner = Callable[[str], Awaitable[tuple[str, str]]]


class InvitationService:
    """``/invite-link``, ``/invite-links`` and ``/redeem``, for every door
    and the admin API (see the module).

    Args:
        store: where invitations are kept.
        apply: the back-end's one write, which applies their changes.
        clock: expiries, and the guessers' back-off.
        mode: ``--registration``.
        room_owner: a room's name and owner.
        link_base: where the links start.
        count_failures: where wrong codes are counted (the accounts'
            :attr:`~chatroom.core.services.accounts.AccountService.count_failures`);
            None: this process's memory.
    """

    def __init__(
        self,
        store: InvitationStore,
        apply: Apply,
        clock: IReactorTime,
        mode: str,
        room_owner: RoomOwner,
        link_base: LinkBase,
        count_failures: Apply | None = None,
    ) -> None:
        self.store = store
        self.apply = apply
        self.clock = clock
        self.mode = mode
        self.room_owner = room_owner
        self.link_base = link_base
        #: Wrong codes, counted where ``count_failures`` counts them (the
        #: accounts' wrong passwords are: for every node of a cluster), or
        #: in this process's memory.
        self.guesses = Guesses(count_failures or MemoryFailures(clock).apply, clock)

    def link(self, code: str) -> str:
        """The web page's address that redeems ``code`` ("" without one)."""
        base = self.link_base().rstrip("/")
        return f"{base}/?{urlencode({LINK_PARAMETER: code})}" if base else ""

    async def make(
        self, actor: Actor, uses: int, hours: float, room: str
    ) -> tuple[str, InviteLink]:
        """A new invitation by ``actor``: its code, and the invitation as
        kept.

        Raises:
            ChatError: ``NOT_ALLOWED`` (neither an admin, nor under
                ``invite`` the owner of ``room``), ``NO_SUCH_ROOM``.
        """
        owner = ""
        if room:
            room, owner = await self.room_owner(room)
        if not actor.admin:
            if not actor.account:
                raise errors.not_signed_in()
            if self.mode != INVITE or not room or owner != actor.account:
                raise errors.not_allowed(
                    "only server admins, or on an invite-only server the owner"
                    " of ROOM, can /invite-link"
                )
        code = new_code()
        now = self.clock.seconds()
        until = now + hours * 3600
        by = actor.account_name or actor.name
        invitation = InviteLink(code_hash(code), uses, until, room, by, now)
        await self.apply(made(invitation))
        log.info(
            "{by} made invitation {id} ({uses} uses, room {room!r})",
            by=by,
            id=invitation.id,
            uses=uses,
            room=room,
        )
        return code, invitation

    async def listed(self, actor: Actor) -> list[InviteLink]:
        """The invitations ``actor`` may see, oldest first: every one for
        an admin, their own for anyone else; expired ones are left out."""
        if not (actor.admin or actor.account):
            raise errors.not_signed_in()
        now = self.clock.seconds()
        every = [
            InviteLink.decoded(code, kept)
            for code, kept in (await self.store.invitations()).items()
        ]
        return sorted(
            (
                invitation
                for invitation in every
                if invitation.usable(now)
                and (actor.admin or name_key(invitation.by) == actor.account)
            ),
            key=lambda invitation: invitation.made,
        )

    async def revoke(self, actor: Actor, code_or_id: str) -> InviteLink:
        """``/invite-link revoke CODE`` (or the id a listing shows): the
        invitation ends, if ``actor`` may see it.

        Raises:
            ChatError: ``BAD_CODE`` (none it may see).
        """
        given = code_hash(code_or_id)
        wanted = code_or_id.lower()
        for invitation in await self.listed(actor):
            if hmac.compare_digest(invitation.code, given) or (
                len(wanted) >= ID_LENGTH and invitation.code.startswith(wanted)
            ):
                await self.apply(revoked(invitation))
                log.info("invitation {id} revoked", id=invitation.id)
                return invitation
        raise errors.bad_invitation()

    async def redeem(
        self,
        code: str,
        address: str,
        signed_in: bool = False,
        redeemed: Redeemed | None = None,
    ) -> Redeemed:
        """``/redeem CODE`` from ``address``: one use of its invitation is
        spent, and the connection may register once. A connection
        ``signed_in`` to an account (or signing in) has one, and one that
        ``redeemed`` an invitation already may register with it: neither
        redeems another.

        Raises:
            ChatError: ``NOT_ALLOWED`` (signed in, or redeemed already),
                ``BAD_CODE`` (unknown, used up or expired),
                ``RATE_LIMITED`` past the back-off.
        """
        if signed_in:
            raise errors.not_allowed("you are signed in to an account already")
        if redeemed is not None:
            raise errors.not_allowed("this connection redeemed an invitation already")
        guess = (CODES_BY_ADDRESS, address)
        try:
            await self.guesses.attempt(guess)
        except ThrottledError as refused:
            raise errors.sign_in_throttled("from your address", refused.wait) from None
        given = code_hash(code)
        kept = await self.store.invitation(given)
        for _attempt in range(DECISION_ATTEMPTS):
            found = InviteLink.decoded(given, kept) if kept else None
            if found is None or not (
                hmac.compare_digest(found.code, given)
                and found.usable(self.clock.seconds())
            ):
                raise errors.bad_invitation()
            try:
                await self.apply(spent(found))
            except PremiseFailedError as refusal:
                kept = refusal.facts if isinstance(refusal.facts, str) else ""
                continue
            await self.guesses.settle([guess])
            log.info("invitation {id} redeemed", id=found.id)
            return Redeemed(given, found.room)
        raise errors.unavailable()
