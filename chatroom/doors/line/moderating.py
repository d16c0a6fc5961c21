"""The line protocol's moderation and server-admin commands.

Handlers of :data:`chatroom.doors.line.session.COMMANDS` kept in their
own module so the session module stays readable: plain functions taking
the session (as a :class:`~chatroom.doors.line.context.CommandContext`)
and the command's arguments; like every handler they parse arguments,
call the registry and render its answer.
The moderation commands act on the session's current room.
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.core.policy.moderation import Action
from chatroom.doors.line.arguments import single_word, two_words
from chatroom.doors.line.context import CommandContext
from chatroom.wire.commands import SETTINGS
from chatroom.wire.lines import format_line, format_time

#: The user's own setting ``/set`` takes beside the room's.
PREVIEWS = "previews"
#: ``/set mail on|off``: the account's own setting, the mail for what it missed.
MAIL = "mail"
#: ``/set irc-notes on|off``: the account's own choice, whether its IRC
#: sessions are told reactions, edits and deletions in words.
IRC_NOTES = "irc-notes"

# -- moderating the room we are in ------------------------------------------


async def moderate(
    session: CommandContext, command: str, target: str, value: str = ""
) -> None:
    await session.registry.moderation.moderate(
        session.member, session.current_room(), Action(command, target, value)
    )


async def do_op(session: CommandContext, args: str) -> None:
    await moderate(session, "op", single_word(args, "/op USER"))


async def do_deop(session: CommandContext, args: str) -> None:
    await moderate(session, "deop", single_word(args, "/deop USER"))


async def do_owner(session: CommandContext, args: str) -> None:
    """``/owner USER``: the current room handed to USER (every member
    hears ``OWNER``)."""
    user = single_word(args, "/owner USER")
    await session.registry.moderation.hand_over(
        session.member, session.current_room(), user
    )


async def do_opmsg(session: CommandContext, args: str) -> None:
    """``/opmsg TEXT``: ``text`` to the current room's owner and operators
    only (IRC's ``PRIVMSG @#room``); they get ``OPMSG``, nobody else does."""
    if not args:
        raise errors.usage("/opmsg TEXT")
    await session.registry.messages.to_operators(
        session.member, session.current_room(), args, False
    )


async def do_voice(session: CommandContext, args: str) -> None:
    await moderate(session, "voice", single_word(args, "/voice USER"))


async def do_devoice(session: CommandContext, args: str) -> None:
    await moderate(session, "devoice", single_word(args, "/devoice USER"))


async def do_kick(session: CommandContext, args: str) -> None:
    user, _, reason = args.partition(" ")
    if not user:
        raise errors.usage("/kick USER [REASON]")
    await moderate(session, "kick", user, reason.strip())


async def do_ban(session: CommandContext, args: str) -> None:
    await moderate(session, "ban", single_word(args, "/ban USER|MASK"))


async def do_unban(session: CommandContext, args: str) -> None:
    await moderate(session, "unban", single_word(args, "/unban USER|MASK"))


async def do_set(session: CommandContext, args: str) -> None:
    """``/set SETTING VALUE``: a setting of the current room; or ``/set
    previews on|off``, the user's own (link previews shown or hidden on
    this connection), or ``/set mail on|off``, the account's own (mail for
    what it missed: ``MAIL on|off``), or ``/set irc-notes on|off``, the
    account's own choice for its IRC sessions (``IRC_NOTES on|off``),
    in the lobby too."""
    setting, _, value = args.partition(" ")
    if setting.lower() == PREVIEWS:
        if value not in ("on", "off"):
            raise errors.usage("/set previews on|off")
        session.show_previews(value == "on")
        return
    if setting.lower() == MAIL:
        if value not in ("on", "off"):
            raise errors.usage("/set mail on|off")
        account = session.registry.sessions.account_of(session.member)
        await session.registry.missed_mail.choose(account, value == "on")
        session.send(format_line("MAIL", value))
        return
    if setting.lower() == IRC_NOTES:
        account = session.registry.sessions.account_of(session.member)
        users = session.registry.users
        chosen = await users.door_choice(account, IRC_NOTES, value)
        session.send(format_line("IRC_NOTES", chosen))
        return
    if session.room is None:
        raise errors.room_command_only("set")
    setting, value = two_words(args, f"/set {'|'.join(SETTINGS)} VALUE")
    await moderate(session, "set", setting.lower(), value)


async def do_invite(session: CommandContext, args: str) -> None:
    await moderate(session, "invite", single_word(args, "/invite USER"))


async def do_bans(session: CommandContext, args: str) -> None:
    settings = await session.registry.rooms.room_settings(
        session.member, session.current_room()
    )
    session.send(format_line("BANS", settings.room, *settings.bans))


async def do_info(session: CommandContext, args: str) -> None:
    settings = await session.registry.rooms.room_settings(
        session.member, session.current_room()
    )
    session.send(
        b"".join(
            format_line("INFO", settings.room, setting, text=value)
            for setting, value in settings.lines
        )
        + format_line("INFO_END", settings.room)
    )


# -- server admins ----------------------------------------------------------------


async def do_kill(session: CommandContext, args: str) -> None:
    user, _, reason = args.partition(" ")
    if not user:
        raise errors.usage("/kill USER [REASON]")
    killed = await session.registry.moderation.kill(
        session.member, user, reason.strip()
    )
    session.send(
        format_line("KILLED", killed.name, str(session.name), text=killed.reason)
    )


async def do_rehash(session: CommandContext, args: str) -> None:
    """``/rehash``: reload the server's configuration (admins only), as
    ``SIGHUP`` does; ``REHASHED`` says what was done."""
    done = await session.registry.moderation.rehash(session.member)
    session.send(format_line("REHASHED", text=done))


async def do_gban(session: CommandContext, args: str) -> None:
    """``/gban USER|MASK [DURATION] [REASON]``: ``GBAN <mask> <by> [<until>]``."""
    ban = await session.registry.moderation.server_ban(session.member, args, True)
    until = (format_time(ban.terms.until),) if ban.terms.until else ()
    session.send(format_line("GBAN", ban.mask, str(session.name), *until))


async def do_gunban(session: CommandContext, args: str) -> None:
    target = single_word(args, "/gunban USER|MASK")
    lifted = await session.registry.moderation.server_ban(session.member, target, False)
    session.send(format_line("GUNBAN", lifted.mask, str(session.name)))


async def do_gbans(session: CommandContext, args: str) -> None:
    """``GBANS``: each ban's mask, a timed one's with ``@`` and its end."""
    bans = await session.registry.moderation.listed_server_bans(session.member)
    listed = [
        f"{ban.mask}@{format_time(ban.terms.until)}" if ban.terms.until else ban.mask
        for ban in bans
    ]
    session.send(format_line("GBANS", *listed))


async def do_ignore(session: CommandContext, args: str) -> None:
    name = await session.registry.users.ignore(
        session.member, single_word(args, "/ignore USER"), True
    )
    session.send(format_line("IGNORED", name))


async def do_unignore(session: CommandContext, args: str) -> None:
    name = await session.registry.users.ignore(
        session.member, single_word(args, "/unignore USER"), False
    )
    session.send(format_line("UNIGNORED", name))


async def do_ignores(session: CommandContext, args: str) -> None:
    session.send(
        format_line("IGNORES", *await session.registry.users.ignored(session.member))
    )


async def do_lockdown(session: CommandContext, args: str) -> None:
    """``/lockdown [off|accounts|closed]``: ``LOCKDOWN <level> <by>`` (the
    other admins hear it too, when it changes)."""
    now = await session.registry.moderation.lockdown(session.member, args.strip())
    if not args.strip():  # asked: the answer; set: every admin's news, ours too
        session.send(format_line("LOCKDOWN", now.level, now.by or "-"))


async def do_announce(session: CommandContext, args: str) -> None:
    if not args:
        raise errors.usage("/announce TEXT")
    await session.registry.moderation.announce(session.member, args)
