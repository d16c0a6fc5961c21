"""One handler per IRC command, each written against the shared registry.

A handler is ``async def handler(session, params)``. It holds no rules: a
refusal comes from the registry (or ``chatroom.core.policy.rules``) as a
:class:`~chatroom.core.model.errors.ChatError`, and the session's error boundary turns
it into the numeric for its code (:func:`chatroom.doors.irc.wire.refusal`).
Commands that take several targets (``JOIN #a,#b``, ``PRIVMSG a,#b``)
answer each target on its own, as IRC servers do.

This module has keepalive, channels and who is who; registration
(``CAP``, ``NICK``, ``USER``) is :mod:`chatroom.doors.irc.registration`,
signing in (``PASS``, ``AUTHENTICATE``) :mod:`chatroom.doors.irc.signin`, and
moderation and admin commands (``MODE``, ``KICK``, ``INVITE``, ``KILL``)
:mod:`chatroom.doors.irc.moderation`. The table that names them all is
:data:`chatroom.doors.irc.table.COMMANDS`.
"""

from __future__ import annotations

import contextlib
import re
from functools import partial

from twisted.words.protocols import irc

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Welcome
from chatroom.core.model.text import name_key
from chatroom.core.rooms.big_rooms import quiet_notice
from chatroom.core.rooms.roominfo import Roster
from chatroom.doors.irc import caps, metadata_sync, positions, services
from chatroom.doors.irc.formatting import irc_markdown
from chatroom.doors.irc.markers import send_marker
from chatroom.doors.irc.services import NICKSERV, nickserv
from chatroom.doors.irc.session import REGISTERED, IRCSession
from chatroom.doors.irc.statusmsg import status_room
from chatroom.doors.irc.tags import NOTICE_TAG, REPLY_TAG, reply_target, shared_tags
from chatroom.doors.irc.truncate import fitted
from chatroom.doors.irc.wire import (
    END_OF_NAMES,
    RPL_TOPICWHOTIME,
    X_DELIM,
    bounded,
    build,
    channel,
    names_lines,
    room_of,
    safe_target,
    split_list,
)
from chatroom.wire.tags import Tags

#: IRC's formatting codes (bold, colour, italics...) and every other C0
#: control: a line without one is taken as it is.
_FORMATTING = re.compile("[\x00-\x1f]")


#: NickServ's name as names are compared: a message to it is a command.
_NICKSERV_KEY = name_key(NICKSERV)


def plain_text(text: str) -> str:
    """IRC formatting (bold, colours...) stripped: our text has no controls.

    Looked for with one regular expression search, 0.3 µs for a line of 60
    characters against 3.1 µs for a generator over its characters: 2 % of
    the IRC door's time at its peak (docs/performance.md); an ASCII line
    is asked of ``str.isprintable`` first, faster still (its only
    unprintable character besides the controls, DEL, is left as it was)."""
    if text.isascii() and text.isprintable():
        return text
    if _FORMATTING.search(text) is not None:
        return str(irc.stripFormatting(text))
    return text


# -- keepalive and leaving ------------------------------------------------------


async def ping(session: IRCSession, params: tuple[str, ...]) -> None:
    """``PONG <server> <token>``; ``PING`` with no token at all is ``409``
    (an empty one, ``PING :``, is echoed empty), as Modern says. On a
    cluster node the ``PONG`` waits until the node has caught up with what
    the cluster published before (:meth:`Registry.caught_up`), as one
    server has handled every line that came before."""
    if not params:
        session.numeric(irc.ERR_NOORIGIN, "No origin specified")
        return
    await session.registry.caught_up()
    session.send(build(session.me, "PONG", session.me, params[0]))


async def pong(session: IRCSession, params: tuple[str, ...]) -> None:
    """Any line proves the client alive; nothing to answer."""


#: What a QUIT without words says, as IRC servers say it.
CLIENT_QUIT = "Client Quit"


async def quit_(session: IRCSession, params: tuple[str, ...]) -> None:
    """``QUIT [:reason]``: the core's quit (its rule for the words), then
    ``ERROR`` saying them."""
    said = plain_text(params[0] if params else "")
    if session.state == REGISTERED:  # in every node's WHOWAS before the ERROR
        await session.remember_gone(session.nick)
        await positions.keep(session)  # kept before a reconnect can read them
    words = session.registry.quit(session.member, said, CLIENT_QUIT)
    session.close(f"Quit: {words}")


# -- channels -------------------------------------------------------------------


def room_name(target: str) -> str:
    """The room a ``#channel`` names; ``403`` for anything else."""
    room = room_of(target)
    if room is None:
        raise errors.no_such_room(target)  # channels start with #
    return room


def prefixes_of(details: Roster, multi: bool = False) -> dict[str, str]:
    """Each member's prefix, for those who have one: ``@`` for the owner
    and the operators, ``+`` for a voice; a member with both shows ``@``
    alone, or ``@+`` to a client with ``multi-prefix``."""
    prefixes = {name: "+" for name in details.voiced}
    owner = "" if details.owner_unopped else details.owner
    for name in {owner, *details.operators} - {""}:
        prefixes[name] = "@+" if multi and name in prefixes else "@"
    return prefixes


def tell_quiet_members(session: IRCSession, arrival: Welcome) -> None:
    """The ``NOTICE`` that a big room just joined announces only the
    members who speak (also to a ``no-implicit-names`` client, which is
    shown no names)."""
    assert arrival.total is not None
    session.send(
        build(session.me, "NOTICE", channel(arrival.room), quiet_notice(arrival.total))
    )


async def send_names(
    session: IRCSession, room: str, arrival: Welcome | None = None, end: bool = True
) -> None:
    """``353``s and ``366`` (not when ``end`` is False: ``NAMES #a,#b``
    ends once); a closed room's members (secret, keyed or invite-only:
    :meth:`~chatroom.core.rooms.roominfo.Roster.members_shown`) are shown to
    its members only (others get the ``366`` alone, as for no channel).

    ``arrival``: the welcome of a big room just joined, which has quiet
    members (chatroom.core.rooms.big_rooms): its names are those the joiner will
    see leave, so they are the ones shown, its owner marked, then a
    ``NOTICE`` that says so. The whole room is not asked for: its details
    cost the registry work per member, for every joiner. The welcome of
    any other room that marks no one but its owner
    (:attr:`~chatroom.core.model.events.Welcome.owner_alone_marked`) lists it
    all, so its names are the welcome's, with no read of the room.
    """
    if arrival is not None:
        owner = arrival.owner
        session.send(
            names_lines(
                session.me,
                session.nick,
                channel(arrival.room),
                arrival.members,
                {owner: "@"} if owner else {},
                "userhost-in-names" in session.caps,
                arrival.secret,
                end,
            )
        )
        if arrival.total is not None:
            tell_quiet_members(session, arrival)
        return
    details = await session.registry.rooms.room_details(room)
    chan = channel(details.room)
    if not details.members_shown(session.in_channel(details.room) is not None):
        if end:
            session.numeric(irc.RPL_ENDOFNAMES, chan, END_OF_NAMES)
        return
    session.send(
        names_lines(
            session.me,
            session.nick,
            chan,
            details.members,
            prefixes_of(details, "multi-prefix" in session.caps),
            "userhost-in-names" in session.caps,
            details.secret,
            end,
        )
    )


async def join(session: IRCSession, params: tuple[str, ...]) -> None:
    """Join each channel, creating the room if there is none (its owner is us).

    Keys (``JOIN #a,#b keyA,keyB``) go with the channels in order, to the
    room's ``/set key``. ``JOIN 0`` leaves every channel, as RFC 2812 says.
    """
    if params[0] == "0":
        for room in list(session.rooms.values()):
            await leave(session, room)
        return
    keys = params[1].split(",") if len(params) > 1 else []
    targets, too_many = bounded("JOIN", split_list(params[0]))
    for index, target in enumerate(targets):
        key = keys[index] if index < len(keys) and keys[index] else None
        try:
            room = room_name(target)
            if name_key(room) in session.rooms:
                continue  # already there: IRC servers say nothing
            # a catch-up: after what it (or its account's IRC sessions) was
            # sent there, or the account's read marker if later
            # (chatroom.doors.irc.positions)
            entering = session.registry.rooms.enter_or_create(
                session.member, room, key, catch_up=True, sent=session.position_in(room)
            )
            room = await session.entering(entering)
            if "draft/read-marker" in session.caps:
                await send_marker(session, room)
            arrival, session.arrival = session.arrival, None
            if caps.NO_IMPLICIT_NAMES not in session.caps:
                await send_names(session, room, arrival)
            elif arrival is not None and arrival.total is not None:
                tell_quiet_members(session, arrival)
            if session.metadata_subs:  # draft/metadata-2 (nothing asked: no read)
                await metadata_sync.joined(session, room)
            session.play_history(room)
        except ChatError as refused:
            session.refuse(refused, "JOIN", target)
    too_many_targets(session, too_many)


async def join_invited(session: IRCSession) -> None:
    """After a registration with an invitation that names a room: the new
    account joins it once the connection is complete (at once after a
    ``REGISTER`` once connected; at the welcome after one made before,
    :func:`chatroom.doors.irc.registration.try_register`)."""
    if session.state != REGISTERED:
        return  # kept for the welcome
    room, session.invited_room = session.invited_room, ""
    if room:
        await join(session, (channel(room),))


async def register(session: IRCSession, params: tuple[str, ...]) -> None:
    """draft/account-registration's ``REGISTER``
    (:func:`~chatroom.doors.irc.services.register`), then the invitation's
    room."""
    await services.register(session, params)
    await join_invited(session)


async def nickserv_command(session: IRCSession, params: tuple[str, ...]) -> None:
    """``NICKSERV ...`` / ``NS ...``
    (:func:`~chatroom.doors.irc.services.nickserv_command`), then the room
    of an invitation a ``REGISTER`` there was made with."""
    await services.nickserv_command(session, params)
    await join_invited(session)


def too_many_targets(session: IRCSession, targets: list[str]) -> None:
    """``407`` for each target past the command's ``TARGMAX``."""
    for target in targets:
        session.numeric(irc.ERR_TOOMANYTARGETS, safe_target(target), "Too many targets")


async def leave(session: IRCSession, room: str, words: str = "") -> None:
    """Out of ``room``, saying ``words`` (the ``PART`` message, if any):
    our own ``PART`` is the departure the others heard."""
    departure = await session.registry.rooms.leave_room(session.member, room, words)
    if session.parted(room) is not None:
        session.send(session.renderer.departure(departure))
        positions.keep_later(session)  # what it was sent there, for the account


async def part(session: IRCSession, params: tuple[str, ...]) -> None:
    words = plain_text(params[1] if len(params) > 1 else "")
    targets, too_many = bounded("PART", split_list(params[0]))
    too_many_targets(session, too_many)
    for target in targets:
        try:
            room = session.in_channel(room_name(target))
            if room is None:
                raise errors.not_in_room()
            await leave(session, room, words)
        except ChatError as refused:
            session.refuse(refused, "PART", target)


async def privmsg(session: IRCSession, params: tuple[str, ...]) -> None:
    """To a channel: a room message (``/me`` for CTCP ACTION); to a nick: a
    private message."""
    await send_text(session, params, "PRIVMSG")


async def notice(session: IRCSession, params: tuple[str, ...]) -> None:
    """Travels as a message tagged ``notice`` (line users see a ``MSG``),
    which IRC users get as a ``NOTICE``; never answered with an error, as
    IRC requires of automatic replies."""
    await send_text(session, params, "NOTICE")


async def send_text(session: IRCSession, params: tuple[str, ...], command: str) -> None:
    quiet = command == "NOTICE"
    if not params or not params[0]:
        if not quiet:
            session.numeric(irc.ERR_NORECIPIENT, f"No recipient given ({command})")
        return
    if len(params) < 2 or not params[1]:
        if not quiet:
            session.numeric(irc.ERR_NOTEXTTOSEND, "No text to send")
        return
    action, text = False, params[1]
    if text.startswith(X_DELIM):
        tag, _, rest = text.strip(X_DELIM).partition(" ")
        if tag.upper() != "ACTION":
            if not quiet:
                session.notice(f"CTCP {tag} is not relayed by this server")
            return
        action, text = True, rest
    # Words said are Markdown (formatting.py); an action, a command to
    # NickServ (a password as typed) and an admin's announcement are plain.
    plain = plain_text(text)
    text = plain if action else irc_markdown(text)
    tags = shared_tags(session.tags, notice=quiet, bot=session.bot)
    session.spoke = session.now  # WHOIS's idle time counts from here
    targets, too_many = bounded(command, split_list(params[0]))
    if not quiet:
        too_many_targets(session, too_many)
    for target in targets:
        if room_of(target) is None and name_key(target) == _NICKSERV_KEY:
            if not quiet:  # a NOTICE to a service is never answered
                await nickserv(session, plain)
                await join_invited(session)
            continue
        said = plain if target.startswith("$") else text
        if not target.startswith("$"):  # what the relayed line can hold
            said = fitted(session.nick, session.me, command, target, text, action)
        try:
            await say_to(session, target, said, tags, action)
        except ChatError as refused:
            if target.startswith("$"):  # an admin's command: always answered
                session.refuse(refused, "ANNOUNCE", target)
            elif not quiet:
                session.refuse(refused, command, target)


async def say_to(
    session: IRCSession, target: str, text: str, tags: Tags = (), action: bool = False
) -> None:
    """One message (a CTCP ``ACTION`` if ``action``) to a channel or a nick,
    with ``tags`` (:func:`~chatroom.doors.irc.tags.shared_tags`) carried and
    stored with it."""
    if not text:
        raise errors.bad_args("empty message")
    room = room_of(target)
    if room is not None:
        await say_in_room(session, room, text, tags, action)
        return
    room = status_room(target)
    if room is not None:  # @#room: its operators only (STATUSMSG)
        if action:  # the event has no action form
            text = f"* {session.nick} {text}"
        notice = any(key == NOTICE_TAG for key, _ in tags)
        await session.registry.messages.to_operators(session.member, room, text, notice)
        return
    if target.startswith("$"):  # $* (a server mask): everyone, as ircds do
        await session.registry.moderation.announce(session.member, text)
        return
    if action:
        text = f"* {session.nick} {text}"
    sent = await session.registry.messages.private_message(
        session.member, target, text, tags
    )
    if session.echo:  # echo-message (to oneself: the echo and the message)
        session.send(sent.encoded(session.render))
    recipient = session.directory.find(target)
    if recipient is not None and recipient.away:
        session.numeric(irc.RPL_AWAY, str(recipient.name), recipient.away)
    elif recipient is None:  # an IRC user of another node, maybe
        there = (await session.registry.presence.presence_of([target])).get(
            name_key(target)
        )
        if there is not None and there.away:
            session.numeric(irc.RPL_AWAY, there.name, there.away)


async def say_in_room(
    session: IRCSession, room: str, text: str, tags: Tags, action: bool
) -> None:
    """A message to ``room``: with ``+draft/reply`` naming a message of the
    room, the core's reply (``reply=ID``, the client's other tags after
    it); naming none (or for an action or a notice), a message carrying
    the client's tag as it was, never refused for it. From outside the
    room (one that takes messages from outside, ``-n``) no event comes back."""
    inside = session.in_channel(room) is not None
    session.own_echoes += inside  # its event back is ours, not another device's
    try:
        await _say_in_room(session, room, text, tags, action)
    except BaseException:
        session.own_echoes -= inside
        raise


async def _say_in_room(
    session: IRCSession, room: str, text: str, tags: Tags, action: bool
) -> None:
    registry, member = session.registry, session.member
    target = (
        reply_target(tags, partial(session.renderer.msgids.event_id, room))
        if tags
        else None
    )
    if target is not None and not action and not any(k == NOTICE_TAG for k, _ in tags):
        others = tuple((key, value) for key, value in tags if key != REPLY_TAG)
        try:
            await registry.messages.reply(member, room, target, text, others)
            return
        except ChatError as refused:
            if refused.code != "NO_SUCH_MESSAGE":
                raise
    await registry.messages.say(member, room, text, tags, action=action)


async def topic(session: IRCSession, params: tuple[str, ...]) -> None:
    room = room_name(params[0])
    if len(params) > 1:
        await session.registry.rooms.set_topic(
            session.member, room, plain_text(params[1])
        )
        return
    details = await session.registry.rooms.room_details(room)
    if not send_topic(session, details):
        session.numeric(irc.RPL_NOTOPIC, channel(details.room), "No topic is set")


def send_topic(session: IRCSession, details: Roster) -> bool:
    """A room's topic as a join shows it (``332``, and ``333`` if known);
    False, and nothing sent, if it has none."""
    if not details.topic:
        return False
    chan = channel(details.room)
    session.numeric(irc.RPL_TOPIC, chan, details.topic)
    if details.topic_at and details.topic_by:
        who, when = details.topic_by, str(details.topic_at)
        session.numeric(RPL_TOPICWHOTIME, chan, who, when)
    return True


async def names(session: IRCSession, params: tuple[str, ...]) -> None:
    """``NAMES #a[,#b...]``: each channel's ``353``s, then one ``366``
    (``TARGMAX=NAMES:10``; ``407`` past it). A channel that is not there,
    or closed to a non-member (secret, keyed or invite-only), has no
    ``353``. One channel ends with its own name, as the room spells it;
    several with the list as sent."""
    if not params:
        session.numeric(irc.RPL_ENDOFNAMES, "*", END_OF_NAMES)
        return
    targets, too_many = bounded("NAMES", split_list(params[0]))
    if len(targets) == 1:
        try:
            await send_names(session, room_name(targets[0]))
        except ChatError:
            session.numeric(irc.RPL_ENDOFNAMES, targets[0], END_OF_NAMES)
    else:
        for target in targets:
            with contextlib.suppress(ChatError):
                await send_names(session, room_name(target), end=False)
        session.numeric(irc.RPL_ENDOFNAMES, ",".join(targets) or "*", END_OF_NAMES)
    too_many_targets(session, too_many)


# -- who is who -----------------------------------------------------------------


async def find_user(session: IRCSession, nick: str) -> tuple[str, list[Roster]] | None:
    """A user's name as shown and the rooms they are in, by asking each room.

    The registry answers questions about rooms, not users, so this looks
    through every room (``WHO``/``WHOIS`` of someone else are rare). Users
    in no room at all are not found.
    """
    key = name_key(nick)
    found: str | None = None
    rooms = []
    for info in (await session.registry.rooms.list_rooms()).rooms:
        details = await session.registry.rooms.room_details(info.name)
        for member in details.members:
            if name_key(member) == key:
                found = member
                rooms.append(details)
    return None if found is None else (found, rooms)
