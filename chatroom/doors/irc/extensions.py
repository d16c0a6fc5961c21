"""IRCv3 commands beyond the RFC: ``BATCH`` (``draft/multiline`` from a
client), ``TAGMSG`` (client-only tags) and ``SETNAME``.

- ``draft/multiline`` (https://ircv3.net/specs/extensions/multiline): a
  client sends ``BATCH +ref draft/multiline #target``, its ``PRIVMSG`` lines
  tagged ``@batch=ref``, then ``BATCH -ref``. It is said as one message
  with its lines as a tag (:mod:`chatroom.core.model.multiline`); a batch
  over the limits ``CAP LS`` announces (a paste's,
  :mod:`chatroom.wire.pastes`) is ``FAIL BATCH
  MULTILINE_MAX_BYTES``/``MULTILINE_MAX_LINES``, a blank line marked
  ``draft/multiline-concat`` ``FAIL BATCH MULTILINE_INVALID``, and nothing
  of it is said.
- ``TAGMSG`` (https://ircv3.net/specs/extensions/message-tags): a message
  with tags and no text (typing notifications, reactions), relayed by the
  core (:mod:`chatroom.core.messages.tagmessages`) to the IRC users with
  ``message-tags`` of every node, and kept (but for a typing notice and a
  channel's reaction) for ``draft/event-playback`` clients' history; line
  and web users have nothing to show of its tags, but see what the core
  makes of a ``+typing`` (``TYPING``) and a ``+draft/react`` (``REACT``)
  with ``/caps rich``.
- ``SETNAME`` (https://ircv3.net/specs/extensions/setname): changes the
  realname ``WHOIS`` and ``WHO`` show; the client, and the IRC users with
  ``setname`` who share a channel with it (the core's news, on every
  node), get ``SETNAME``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from chatroom.core.model import multiline
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import PrivateTagMessage, TagMessage
from chatroom.doors.irc.commands import say_to
from chatroom.doors.irc.formatting import irc_markdown
from chatroom.doors.irc.session import IRCSession, Multiline
from chatroom.doors.irc.tags import REPLY_TAG, client_only, shared_tags
from chatroom.doors.irc.wire import ClientLine, build, room_of
from chatroom.wire.pastes import MAX_BYTES, MAX_LINES

_CONCAT = "draft/multiline-concat"


def fail(session: IRCSession, command: str, code: str, *context: str) -> None:
    """A standard reply (``FAIL COMMAND CODE [context] :description``)."""
    *words, description = context
    session.send(build(session.me, "FAIL", command, code, *words, description))


# -- draft/multiline ------------------------------------------------------------


def collect(session: IRCSession, message: ClientLine) -> bool:
    """Keep a line of the multiline batch being sent; True if it was one."""
    batch = session.multiline
    if batch is None or message.tags.get("batch") != batch.ref:
        return False
    if (
        message.command != batch.command
        or len(message.params) < 2
        or message.params[0] != batch.target
    ):
        if not batch.failed:
            fail(session, "BATCH", "MULTILINE_INVALID", "Not a line of this batch")
        batch.failed = True  # only PRIVMSG to the batch's target
        return True
    text = message.params[1]
    batch.size += len(text.encode("utf-8"))
    if batch.size > MAX_BYTES or len(batch.lines) >= MAX_LINES:
        if not batch.failed:
            code = "BYTES" if batch.size > MAX_BYTES else "LINES"
            limit = MAX_BYTES if code == "BYTES" else MAX_LINES
            fail(session, "BATCH", f"MULTILINE_MAX_{code}", str(limit), "Too long")
        batch.failed = True
        batch.lines.clear()
    if not batch.failed:
        batch.lines.append((irc_markdown(text), _CONCAT in message.tags))
    return True


async def batch(session: IRCSession, params: tuple[str, ...]) -> None:
    """``BATCH +ref draft/multiline target`` ... ``BATCH -ref``."""
    ref = params[0]
    if ref.startswith("+"):
        if (
            len(params) < 3
            or params[1] != "draft/multiline"
            or "draft/multiline" not in session.caps
        ):
            fail(session, "BATCH", "INVALID_TYPE", "Unsupported batch type")
            return
        label = session.tags.get("label")
        tags = client_only(session.tags)
        session.multiline = Multiline(ref[1:], params[2], "PRIVMSG", tags, label)
        return
    open_batch, session.multiline = session.multiline, None
    if open_batch is None or ref != f"-{open_batch.ref}":
        fail(session, "BATCH", "MULTILINE_INVALID", "No such batch open")
        return
    if open_batch.failed:
        return
    lines = open_batch.lines
    if multiline.invalid(lines):
        fail(session, "BATCH", "MULTILINE_INVALID", "A blank line cannot be glued")
        return
    text = multiline.joined_text(lines)
    if not text:
        return  # only blank lines: nothing to say
    shared = shared_tags(open_batch.tags, notice=False, bot=session.bot)
    if len(lines) > 1:
        shared += ((multiline.MULTILINE_TAG, multiline.encode_lines(lines)),)
    await say_to(session, open_batch.target, text, shared)


# -- TAGMSG -------------------------------------------------------------------------

#: The client tags of a reaction, and whether each adds it (with
#: ``+draft/reply`` naming the message).
REACTION_TAGS = (("+draft/react", True), ("+draft/unreact", False))


def reactions_of(
    tags: dict[str, str], event_id: Callable[[str], int | None]
) -> list[tuple[int, str, bool]]:
    """The reactions a ``TAGMSG``'s tags carry: ``+draft/react=EMOJI``
    (``+draft/unreact``) with ``+draft/reply=MSGID`` naming the message
    (its id as ``event_id`` reads it: the room's ``msgid``\\ s only)."""
    target = event_id(tags.get(REPLY_TAG, ""))
    if target is None:
        return []
    return [(target, tags[key], adding) for key, adding in REACTION_TAGS if key in tags]


async def tagmsg(session: IRCSession, params: tuple[str, ...]) -> None:
    """``TAGMSG target``: its client-only tags through the core, to a
    channel's other members or to a nick, on every node (only clients with
    ``message-tags`` see them); to a channel, its ``+typing`` and reactions
    are the core's ``/typing`` and ``/react`` too. Back to the sender with
    ``echo-message`` (labeled, if the command was). Never answered, but for
    a channel one is not in (``404``)."""
    tags = client_only(session.tags)
    if not tags:
        return
    target, said = params[0], tuple(tags.items())
    registry, member = session.registry, session.member
    room = room_of(target)
    event: TagMessage | PrivateTagMessage
    try:
        if room is None:
            typed = "+typing" in tags  # of the moment: never kept
            event = await registry.messages.private_tag_message(
                member, target, said, typed
            )
        else:
            typing = tags.get("+typing")
            read = partial(session.renderer.msgids.event_id, room)
            reactions = reactions_of(tags, read)
            event = await registry.messages.tag_message(
                member, room, said, typing, reactions
            )
    except ChatError as refused:
        session.refuse(refused, "PRIVMSG", target)
        return
    if session.echo:
        echo = event.encoded(session.render)
        if echo:  # message-tags: else nothing to show of it
            session.send(echo)


# -- SETNAME ------------------------------------------------------------------------


async def setname(session: IRCSession, params: tuple[str, ...]) -> None:
    """``SETNAME :realname``: the core's news to everyone sharing a channel
    (if it is a realname: :func:`chatroom.core.policy.rules.check_realname`),
    ``SETNAME`` back with ``setname``; the realname is this door's to keep,
    for ``WHOIS`` and ``WHO``."""
    realname = params[0]
    try:
        await session.registry.presence.set_realname(session.member, realname)
    except ChatError:
        fail(session, "SETNAME", "INVALID_REALNAME", "Realname is not valid")
        return
    session.realname = realname
    if not await session.share_presence():  # before the echo
        return
    if "setname" in session.caps:
        session.send(build(session.source, "SETNAME", realname))
