"""``/call``: a room's call at the line door (and so at ``/ws``, the page's).

``/call [ROOM]``, ``/call start [ROOM]``, ``/call join [ROOM]``, ``/call
leave`` and ``/call signal USER JSON`` (:mod:`chatroom.core.calls.service`
decides); a handler of :data:`chatroom.doors.line.session.COMMANDS`, in any
named state. The call's news comes as events the session renders
(:mod:`chatroom.doors.line.rendering`); the page's address a ``started``
names is this server's HTTP door's (``--public-url``, else its own).
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.doors.line.context import CommandContext
from chatroom.wire import calls as words
from chatroom.wire.commands import COMMANDS

USAGE = COMMANDS["call"].usage


def _room(session: CommandContext, named: str) -> str:
    """The room named, else the current one (``NOT_IN_ROOM``: none)."""
    if named:
        if " " in named:
            raise errors.usage(USAGE)
        return named
    if session.room is None:
        raise errors.not_in_room()
    return session.room


def page_address(session: CommandContext) -> str:
    """Where the web page is, for the others to join the call there ("":
    no HTTP door)."""
    base = session.server.address()
    return base.rstrip("/") + "/" if base else ""


async def do_call(session: CommandContext, args: str) -> None:
    action, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    calls = session.registry.calls
    word = action.lower()
    if word == words.START:
        await calls.start(session.member, _room(session, rest), page_address(session))
    elif word == words.JOIN:
        await calls.join(session.member, _room(session, rest))
    elif word == words.LEAVE and not rest:
        await calls.leave(session.member)
    elif word == words.SIGNAL:
        user, _, text = rest.partition(" ")
        if not user or not text.strip():
            raise errors.usage(USAGE)
        await calls.signal(session.member, user, text.strip())
    elif word in (words.LEAVE, words.SIGNAL):
        raise errors.usage(USAGE)
    else:
        session.member.deliver(
            await calls.members(session.member, _room(session, args.strip()))
        )
