"""The line protocol's ``/txn KEY LINE``: LINE done once per key, ``ACK``.

:meth:`~chatroom.doors.line.session.LineSession.do_txn` splits the line
(:func:`chatroom.wire.txn.split_txn`, the rules the clients read too),
checks that LINE may be sent where the session is (as LINE alone would
be), and runs LINE's handler here, which hands the core LINE's arguments
and the key: the core does it once per key of its sender and answers what
it did (:class:`~chatroom.core.messages.transactions.Acknowledged`), which
the session renders as ``ACK`` after LINE's usual replies. These handlers
mirror LINE's own (:mod:`chatroom.doors.line.session`,
:mod:`chatroom.doors.line.messages`, :mod:`chatroom.doors.line.threads`),
so a plain line's path is left as it is: nothing of a key is read there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from chatroom.core.messages.transactions import Acknowledged
from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import name_key
from chatroom.doors.line.arguments import split_private_message, split_say
from chatroom.doors.line.context import CommandContext
from chatroom.doors.line.messages import id_and_text
from chatroom.wire.txn import ACK


def render_ack(acknowledged: Acknowledged) -> bytes:
    """``ACK <key> <target> <id>``: to the sending connection only, with no
    ``@`` prefix whatever its capabilities."""
    key, target, event_id = acknowledged  # format_line's spelling, with one call
    return f"{ACK} {key} {target} {event_id}\r\n".encode()


def say_here(session: CommandContext, args: str, key: str) -> Awaitable[Acknowledged]:
    """A plain line, or ``//text``: words to the current room. (Not a
    coroutine itself: it hands back the core's, one frame fewer on the
    busiest keyed line.)"""
    if not args:
        raise errors.bad_args("empty message not sent")
    room = session.current_room()
    return session.registry.messages.say_once(session.member, room, args, key)


def say_to(session: CommandContext, args: str, key: str) -> Awaitable[Acknowledged]:
    """``/say ROOM TEXT``: words to a room the session is in (the core's
    coroutine handed back, as :func:`say_here`)."""
    room, text = split_say(args)
    found = session.places.find(room)
    if found is None:  # left since? A repeat is answered all the same
        refusal = errors.not_in_room(f"you are not in {room}")
        return said_outside(session, args, key, refusal)
    return session.registry.messages.say_once(session.member, found, text, key)


async def said_outside(
    session: CommandContext, args: str, key: str, refusal: ChatError
) -> Acknowledged:
    """``/say ROOM TEXT`` to a room the session is not in (left since, or
    from the lobby): the key's first acknowledgement if it said that
    already, whatever happened since; else ``refusal``, as ``/say`` alone
    is refused there."""
    room, text = split_say(args)
    messages = session.registry.messages
    return await messages.said_before(session.member, room, text, key, refusal)


async def act(session: CommandContext, args: str, key: str) -> Acknowledged:
    """``/me TEXT``."""
    if not args:
        raise errors.usage("/me TEXT")
    room = session.current_room()
    messages = session.registry.messages
    return await messages.say_once(session.member, room, args, key, action=True)


async def paste(session: CommandContext, args: str, key: str) -> Acknowledged:
    room = session.current_room()
    return _sure(await session.registry.messages.paste(session.member, room, args, key))


async def reply(session: CommandContext, args: str, key: str) -> Acknowledged:
    event_id, text = id_and_text(args, "/reply ID TEXT")
    room = session.current_room()
    replying = session.registry.messages.reply(
        session.member, room, event_id, text, key=key
    )
    return _sure(await replying)


async def thread(session: CommandContext, args: str, key: str) -> Acknowledged:
    event_id, text = id_and_text(args, "/thread ID TEXT")
    room = session.current_room()
    saying = session.registry.threads.say(session.member, room, event_id, text, key)
    return _sure(await saying)


async def edit(session: CommandContext, args: str, key: str) -> Acknowledged:
    event_id, text = id_and_text(args, "/edit ID TEXT")
    room = session.current_room()
    editing = session.registry.messages.edit(session.member, room, event_id, text, key)
    return _sure(await editing)


async def react(session: CommandContext, args: str, key: str) -> Acknowledged:
    event_id, reaction = id_and_text(args, "/react ID EMOJI")
    room = session.current_room()
    reacting = session.registry.messages.react(
        session.member, room, event_id, reaction, True, key
    )
    return _sure(await reacting)


async def unreact(session: CommandContext, args: str, key: str) -> Acknowledged:
    event_id, reaction = id_and_text(args, "/unreact ID EMOJI")
    room = session.current_room()
    reacting = session.registry.messages.react(
        session.member, room, event_id, reaction, False, key
    )
    return _sure(await reacting)


async def private(session: CommandContext, args: str, key: str) -> Acknowledged:
    """``/msg USER TEXT``: the sender's own copy, as ``/msg`` shows it,
    unless it is a repeat (nothing is delivered again)."""
    target, text = split_private_message(args)
    sent, acknowledged = await session.registry.messages.private_message_once(
        session.member, target, text, key
    )
    if sent is not None and name_key(sent.recipient) != name_key(str(session.name)):
        session.deliver(sent)  # our copy; the target has had its own
    return acknowledged


def _sure(acknowledged: Acknowledged | None) -> Acknowledged:
    """What the core answers a keyed line: always an acknowledgement."""
    assert acknowledged is not None, "a keyed line is acknowledged"
    return acknowledged


#: A keyed LINE's handler: the session, LINE's arguments and the key.
KeyedHandler = Callable[[CommandContext, str, str], Awaitable[Acknowledged]]

#: LINE's command ("": a plain line) → its keyed handler.
KEYED: dict[str, KeyedHandler] = {
    "": say_here,
    "say": say_to,
    "me": act,
    "paste": paste,
    "reply": reply,
    "thread": thread,
    "edit": edit,
    "react": react,
    "unreact": unreact,
    "msg": private,
}
