"""The line protocol's invitations: ``/invite-link``, ``/invite-links`` and
``/redeem`` (:mod:`chatroom.core.accounts.invitations` holds the rules;
``docs/protocol.md``, *Invitations*).

Handlers of :data:`chatroom.doors.line.session.COMMANDS`, as plain
functions taking the session. What a connection redeemed is the
session's own (:attr:`InvitingContext.invited`): it lets that connection
register one account, and no other.
"""

from __future__ import annotations

from typing import Protocol

from chatroom.core.accounts.invitations import USAGE, InviteLink, Redeemed, parse_terms
from chatroom.core.model import errors
from chatroom.core.policy.moderation import Actor
from chatroom.doors.line.arguments import single_word
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line, format_time


class InvitingContext(CommandContext, Protocol):
    """A line session, with the invitation its connection redeemed."""

    #: What ``/redeem`` gave this connection (None: nothing yet, or spent
    #: on a registration).
    invited: Redeemed | None


def actor_of(session: CommandContext) -> Actor:
    """Who makes, lists or revokes invitations: the session's name, its
    account, and whether that is an admin's."""
    account = session.registry.sessions.account_of(session.member)
    admin = bool(account) and session.registry.accounts.is_admin(account)
    return Actor(session.name or "", account, admin=admin)


def invitation_line(invitation: InviteLink) -> bytes:
    """``INVITATION <id> <uses> <until> <by> [room]``."""
    fields = [invitation.id, str(invitation.uses), format_time(invitation.until)]
    fields += [invitation.by or "-"] + ([invitation.room] if invitation.room else [])
    return format_line("INVITATION", *fields)


async def do_invite_link(session: CommandContext, args: str) -> None:
    """``/invite-link [USES] [HOURS] [ROOM]``: ``INVITE_LINK <code> [url]``;
    ``/invite-link revoke CODE`` (or the id ``/invite-links`` shows):
    ``INVITE_REVOKED <id>``."""
    service = session.server.invitations
    action, _, rest = args.strip().partition(" ")
    if action.lower() == "revoke":
        code = single_word(rest.strip(), USAGE)
        invitation = await service.revoke(actor_of(session), code)
        session.send(format_line("INVITE_REVOKED", invitation.id))
        return
    uses, hours, room = parse_terms(args)
    code, _invitation = await service.make(actor_of(session), uses, hours, room)
    url = service.link(code)
    session.send(format_line("INVITE_LINK", code, *([url] if url else [])))


async def do_invite_links(session: CommandContext, args: str) -> None:
    """``/invite-links``: an ``INVITATION`` line for each invitation the
    user may see (an admin every one, anyone else their own), then
    ``INVITATIONS_END <count>``."""
    if args:
        raise errors.usage("/invite-links")
    listed = await session.server.invitations.listed(actor_of(session))
    lines = [invitation_line(invitation) for invitation in listed]
    lines.append(format_line("INVITATIONS_END", str(len(listed))))
    session.send(b"".join(lines))


async def do_redeem(session: InvitingContext, args: str) -> None:
    """``/redeem CODE``: ``REDEEMED <code>``; this connection may then
    register one account (into the invitation's room, if it names one)."""
    code = single_word(args.strip(), "/redeem CODE")
    signed_in = bool(session.registry.sessions.account_of(session.member))
    session.invited = await session.server.invitations.redeem(
        code, session.host, signed_in, session.invited
    )
    session.send(format_line("REDEEMED", code))
