"""An IRC client's reactions and typing notices, for every door.

``TAGMSG`` carries client-only tags; the door relays them to its own IRC
users with ``message-tags`` (:func:`chatroom.doors.irc.extensions.tagmsg`).
Three of them also mean something to the shared side, which then tells
line and web users (``/caps rich``) and other cluster nodes:

- ``+draft/react=EMOJI`` with ``+draft/reply=MSGID``: ``/react MSGID EMOJI``;
- ``+draft/unreact=EMOJI`` with ``+draft/reply=MSGID``: ``/unreact``;
- ``+typing=active|paused|done``: ``/typing`` in that channel.

The shared side's ``REACT``, ``UNREACT`` and ``TYPING`` come back as
``TAGMSG`` (:class:`chatroom.doors.irc.rendering.Variant`) to every IRC
user with ``message-tags`` but those of the node whose IRC user sent them,
who had the door's own relay. ``TAGMSG`` is never answered: a refusal
(an unknown msgid, a bad reaction) is silent, as IRC clients expect.
"""

from __future__ import annotations

from chatroom.core.errors import ChatError
from chatroom.doors.irc.extensions import tagmsg
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import room_of

#: The client tags of a reaction, and whether each adds it.
REACTION_TAGS = (("+draft/react", True), ("+draft/unreact", False))


async def tagmsg_to_all(session: IRCSession, params: tuple[str, ...]) -> None:
    """``TAGMSG target``: relayed by the door, then, for a channel, its
    reactions and typing notice told to the shared side."""
    await tagmsg(session, params)
    room = room_of(params[0])
    if room is None:
        return  # private: the door's relay is all there is
    tags, member, registry = session.tags, session.member, session.registry
    try:
        state = tags.get("+typing")
        if state is not None:
            await registry.typing(member, room, state)
        target = tags.get("+draft/reply", "")
        if target.isascii() and target.isdigit():
            for key, adding in REACTION_TAGS:
                if key in tags:
                    await registry.react(member, room, int(target), tags[key], adding)
    except ChatError:
        return  # TAGMSG is never answered
