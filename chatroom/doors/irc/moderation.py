"""Moderation and admin commands in IRC's words: ``MODE``, ``KICK``,
``INVITE``, ``KILL`` and the services-style ``GBAN``/``GUNBAN``/``GBANS``/
``ANNOUNCE``.

Each is a translation, nothing more: a mode change or a kick becomes one
:class:`chatroom.core.policy.moderation.Action` for
:meth:`~chatroom.core.services.moderation.ModerationService.moderate`, which
decides it by the same rules as the line door's ``/op``, ``/kick``,
``/ban``, ``/set`` and ``/invite``; what happened comes back as room
events (``OP``, ``KICK``, ``BAN``, ``SET``...) that
:class:`chatroom.doors.irc.rendering.IRCRenderer` shows as ``MODE`` and ``KICK``.

IRC masks are read as the core's users and masks (:func:`ban_target`):
``$a:account`` (the extban) and ``account:X``/``name:X`` are masks, a nick
or ``nick!*@*`` names that user (banned by account when signed in, else by
name, exactly like ``/ban nick``). Every user here has the same user name
as nick and the same host, so a hostmask says nothing more than a nick;
wildcards are refused rather than guessed at.
"""

from __future__ import annotations

from twisted.words.protocols import irc

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import is_valid_name, name_key
from chatroom.core.moderation.netbans import ServerBan
from chatroom.core.policy.moderation import Action
from chatroom.core.policy.settingvalues import check_key, check_limit_value
from chatroom.doors.irc.commands import (
    find_user,
    plain_text,
    room_name,
    too_many_targets,
)
from chatroom.doors.irc.operators import user_mode
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import (
    ERR_INVALIDMODEPARAM,
    RPL_CREATIONTIME,
    TARGMAX,
    build,
    channel,
    chunks,
    irc_mask,
    room_of,
    split_list,
)
from chatroom.wire.lines import format_time

#: Mode letters that take a parameter when set / when unset.
_PARAM_ON, _PARAM_OFF = frozenset("obklv"), frozenset("obkv")

#: List modes we keep no list for: answered with their empty list's end.
_EMPTY_LISTS = {
    "e": (irc.RPL_ENDOFEXCEPTLIST, "End of channel exception list"),
    "I": (irc.RPL_ENDOFINVITELIST, "End of channel invite list"),
}

#: The ``/set`` switch each simple channel mode is.
_SWITCHES = {"i": "invite-only", "t": "topic-lock", "s": "secret", "m": "moderated"}
_SWITCHES["n"] = "external"  # on for -n

#: Member modes: the core's command that gives it, and the one that takes it.
_MEMBER_MODES = {"o": ("op", "deop"), "v": ("voice", "devoice"), "b": ("ban", "unban")}


def ban_target(mask: str) -> str:
    """What ``+b``/``-b MASK`` names, in the core's terms (a user or a mask).

    ``$a:NAME`` → ``account:NAME``; ``account:``/``name:`` masks as they
    are; ``nick!user@host`` → the nick, or the user (without a leading
    ``~`` or ``*``) when the nick is ``*``: irssi's ``/ban nick`` sends
    ``*!*nick@chatroom``; a bare nick as it is.
    """
    if mask.startswith("$a:"):
        return "account:" + mask[3:]
    if mask.startswith(("account:", "name:")) or ("!" not in mask and "@" not in mask):
        return mask
    nick, _, rest = mask.partition("!")
    user = rest.partition("@")[0].lstrip("~*")
    if is_valid_name(nick):
        return nick
    if nick == "*" and is_valid_name(user):
        return user
    raise errors.bad_args(
        f"{mask}: ban a nick, nick!*@*, *!nick@* or $a:account (no wildcards)"
    )


async def moderate(
    session: IRCSession, chan: str, action: Action, command: str = "MODE"
) -> bool:
    """One action in the room ``chan`` names; a refusal is answered here, so
    the rest of a ``MODE`` line or a ``KICK`` list goes on. True if done."""
    try:
        await session.registry.moderation.moderate(
            session.member, room_name(chan), action
        )
    except ChatError as refused:
        if refused.code == "NOT_IN_ROOM" and not await room_exists(session, chan):
            session.refuse(errors.no_such_room(chan), command, chan)  # 403
        elif refused.code == "NO_SUCH_USER" and action.command != "invite":
            if command == "MODE" and await find_user(session, action.target) is None:
                session.refuse(refused, command, action.target)  # 401
                return False
            session.numeric(
                irc.ERR_USERNOTINCHANNEL,
                action.target,
                chan,
                "They aren't on that channel",
            )
        elif refused.code == "NO_SUCH_USER":
            session.refuse(refused, command, action.target)
        else:
            session.refuse(refused, command, chan)
        return False
    return True


async def room_exists(session: IRCSession, chan: str) -> bool:
    """Whether ``chan`` names a room (``403`` rather than ``442`` if not)."""
    try:
        await session.registry.rooms.room_details(room_name(chan))
    except ChatError:
        return False
    return True


# -- MODE ----------------------------------------------------------------------


def mode_changes(
    modes: str, args: tuple[str, ...]
) -> list[tuple[bool, str, str | None]]:
    """``+ok-b alice key bob!*@*`` → ``[(True, "o", "alice"), ...]``.

    A parameter a letter needs but was not given is None (``+b`` alone
    asks for the ban list).
    """
    changes: list[tuple[bool, str, str | None]] = []
    adding = True
    rest = list(args)
    for letter in modes:
        if letter in "+-":
            adding = letter == "+"
            continue
        takes = letter in (_PARAM_ON if adding else _PARAM_OFF)
        changes.append((adding, letter, rest.pop(0) if takes and rest else None))
    return changes


async def mode(session: IRCSession, params: tuple[str, ...]) -> None:
    """A channel's modes: shown, listed (``b``) or changed, one by one; the
    on/off ones of a line (``-int``) together, as one change (one ``MODE``
    back, as ircds answer), after the others."""
    target = params[0]
    if room_of(target) is None:
        await user_mode(session, target, params[1:])
        return
    if len(params) == 1:
        await show_modes(session, target)
        return
    listed, settings, values = False, [], []
    for adding, letter, arg in mode_changes(params[1], params[2:]):
        if (letter == "b" and arg is None) or letter in _EMPTY_LISTS:
            if not listed:  # one list per line, as ircds answer "MODE #c bb"
                listed = True
                await list_mode(session, target, letter)
        elif letter in _SWITCHES:  # n is "no external messages": external off
            settings.append(_SWITCHES[letter])
            values.append("on" if adding != (letter == "n") else "off")
        else:
            await change_mode(session, target, adding, letter, arg)
    if settings:
        switches = Action("set", ",".join(settings), ",".join(values))
        await moderate(session, target, switches)


async def change_mode(
    session: IRCSession, chan: str, adding: bool, letter: str, arg: str | None
) -> None:
    if letter == "k":
        if adding and arg is None:
            session.numeric(irc.ERR_NEEDMOREPARAMS, "MODE", "Not enough parameters")
            return
        key = arg if adding and arg is not None else "off"
        try:
            if adding:
                check_key(key)
        except ChatError as refused:  # Modern: a bad key is 696
            session.numeric(ERR_INVALIDMODEPARAM, chan, "k", "*", refused.text)
            return
        await moderate(session, chan, Action("set", "key", key))
        return
    if letter == "l":
        await set_limit(session, chan, arg if adding else "off")
        return
    if letter in _MEMBER_MODES and arg:
        command = _MEMBER_MODES[letter][not adding]
        try:
            user = ban_target(arg) if letter == "b" else arg
        except ChatError as refused:
            session.refuse(refused, "MODE", chan)
            return
        await moderate(session, chan, Action(command, user))
        return
    if letter in "ov":
        session.numeric(irc.ERR_NEEDMOREPARAMS, "MODE", "Not enough parameters")
        return
    session.numeric(irc.ERR_UNKNOWNMODE, letter, "is unknown mode char to me")


async def set_limit(session: IRCSession, chan: str, value: str | None) -> None:
    """``+l N`` (``/set limit N``) or ``-l`` (``off``); a limit that is not
    a number from 1 to the server's room capacity is ``696``, as Modern
    says of invalid mode parameters."""
    if value is None:
        session.numeric(irc.ERR_NEEDMOREPARAMS, "MODE", "Not enough parameters")
        return
    if value != "off":
        try:
            check_limit_value(value, session.config.room_capacity)
        except ChatError as refused:
            session.numeric(ERR_INVALIDMODEPARAM, chan, "l", value or "*", refused.text)
            return
    await moderate(session, chan, Action("set", "limit", value))


async def show_modes(session: IRCSession, chan: str) -> None:
    """``324``: ``+n``, then ``+t``/``+i``/``+s``/``+m``/``+k``/``+l`` as set.

    The settings are the room's ``/info``, which only members may read:
    others see ``+n``. The key itself is shown to those who may see it
    (owner, operators), ``*`` to the rest; the limit (``+l``) is the room's
    own, when it has one (``--room-capacity`` holds for every room).
    """
    details = await session.registry.rooms.room_details(room_name(chan))
    modes, shown = "+", []
    try:
        settings = await session.registry.rooms.room_settings(
            session.member, details.room
        )
    except ChatError:
        values = {}
    else:
        values = dict(settings.lines)
    if values.get("external") != "on":
        modes += "n"
    if values.get("topic-lock") == "on":
        modes += "t"
    if values.get("invite-only") == "on":
        modes += "i"
    if values.get("secret") == "on":
        modes += "s"
    if values.get("moderated") == "on":
        modes += "m"
    key = values.get("key", "off")
    if key != "off":
        modes += "k"
        shown.append("*" if key == "on" else key)
    limit = values.get("limit", "off")
    if limit != "off":
        modes += "l"
        shown.append(limit)
    session.numeric(irc.RPL_CHANNELMODEIS, channel(details.room), modes, *shown)
    if details.created_at:
        created = str(details.created_at)
        session.numeric(RPL_CREATIONTIME, channel(details.room), created)


async def list_mode(session: IRCSession, chan: str, letter: str) -> None:
    """The ban list (``367``/``368``) as IRC masks; ``e`` and ``I`` are empty."""
    if letter in _EMPTY_LISTS:
        numeric, text = _EMPTY_LISTS[letter]
        session.numeric(numeric, chan, text)
        return
    settings = await session.registry.rooms.room_settings(
        session.member, room_name(chan)
    )
    shown = channel(settings.room)
    session.send(
        b"".join(
            build(session.me, irc.RPL_BANLIST, session.nick, shown, irc_mask(mask))
            for mask in settings.bans
        )
    )
    session.numeric(irc.RPL_ENDOFBANLIST, shown, "End of channel ban list")


# -- KICK and INVITE -----------------------------------------------------------


async def kick(session: IRCSession, params: tuple[str, ...]) -> None:
    """``KICK #room nick[,nick] [:reason]``: the core's ``/kick``, per nick,
    each refused or done on its own. ``KICK #a,#b nick1,nick2`` pairs them
    (RFC 2812 3.2.8: as many channels as nicks, else ``461``). At most
    ``TARGMAX=KICK:4`` nicks; each past it is ``407``."""
    chans, users = split_list(params[0]), split_list(params[1])
    try:
        pairs = (
            list(zip(chans, users, strict=True))
            if len(chans) > 1
            else [(chans[0] if chans else params[0], user) for user in users]
        )
    except ValueError:  # not as many channels as nicks
        session.numeric(irc.ERR_NEEDMOREPARAMS, "KICK", "Not enough parameters")
        return
    for chan in chans or [params[0]]:
        room_name(chan)  # 403 for a target that is no channel
    # A KICK without a comment carries the kicker's nick as its comment
    # (RFC 2812 3.2.8); one that cannot be shown is the core's to replace.
    reason = plain_text(params[2] if len(params) > 2 else "") or session.nick
    limit = TARGMAX["KICK"]
    for chan, user in pairs[:limit]:
        await moderate(session, chan, Action("kick", user, reason), "KICK")
    too_many_targets(session, [user for _, user in pairs[limit:]])


async def invite(session: IRCSession, params: tuple[str, ...]) -> None:
    """``INVITE nick #room``: ``341`` here; the invitee sees ``INVITE``."""
    nick, chan = params[0], params[1]
    room = room_name(chan)
    if session.in_channel(room) is not None:  # a member of it may ask: 443
        details = await session.registry.rooms.room_details(room)
        if name_key(nick) in map(name_key, details.members):
            session.numeric(irc.ERR_USERONCHANNEL, nick, chan, "is already on channel")
            return
    if await moderate(session, chan, Action("invite", nick), "INVITE"):
        shown = session.in_channel(room) or room
        session.numeric(irc.RPL_INVITING, nick, channel(shown))


# -- server admins -------------------------------------------------------------


async def kill(session: IRCSession, params: tuple[str, ...]) -> None:
    """``KILL nick [:reason]``: an admin ends someone's session (``481``
    for anyone else); they get ``ERROR :Closing Link: ... (killed by ...)``."""
    reason = plain_text(params[1] if len(params) > 1 else "")
    killed = await session.registry.moderation.kill(session.member, params[0], reason)
    session.notice(f"Killed {killed.name}: {killed.reason}")


async def gban(session: IRCSession, params: tuple[str, ...]) -> None:
    """``GBAN nick|mask [duration] [reason]``: ``/gban`` (irssi sends
    unknown commands as they are; other clients with ``/quote``)."""
    words = " ".join((ban_target(params[0]), *params[1:]))
    ban = await session.registry.moderation.server_ban(session.member, words, True)
    session.notice(f"Banned {irc_mask(ban.mask)} on the whole server{ban_end(ban)}")


async def gunban(session: IRCSession, params: tuple[str, ...]) -> None:
    """``GUNBAN nick|mask``: ``/gunban``."""
    lifted = await session.registry.moderation.server_ban(
        session.member, ban_target(params[0]), False
    )
    session.notice(f"Lifted the ban on {irc_mask(lifted.mask)} on the whole server")


def ban_end(ban: ServerBan) -> str:
    """`` until TIME`` for a timed ban, nothing for one for ever."""
    return f" until {format_time(ban.terms.until)}" if ban.terms.until else ""


async def server_bans(session: IRCSession, params: tuple[str, ...]) -> None:
    """``/gbans``: the server's bans, as notices (a timed one's with its end)."""
    bans = await session.registry.moderation.listed_server_bans(session.member)
    masks = [
        f"{irc_mask(ban.mask)}@{format_time(ban.terms.until)}"
        if ban.terms.until
        else irc_mask(ban.mask)
        for ban in bans
    ]
    for line in chunks(masks) or ["(none)"]:
        session.notice(f"Server bans: {line}")


async def lockdown(session: IRCSession, params: tuple[str, ...]) -> None:
    """``LOCKDOWN [off|accounts|closed]``: ``/lockdown``; asked, the level
    as a ``NOTICE`` (set, every admin's ``NOTICE`` says it)."""
    level = params[0] if params else ""
    now = await session.registry.moderation.lockdown(session.member, level)
    if not level:
        session.notice(f"LOCKDOWN {now.level} {now.by or '-'}")


async def announce(session: IRCSession, params: tuple[str, ...]) -> None:
    """``ANNOUNCE :text`` (or ``NOTICE $* :text``): ``/announce``."""
    await session.registry.moderation.announce(session.member, plain_text(params[0]))
