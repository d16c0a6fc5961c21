"""IRCv3 commands beyond the RFC: ``BATCH`` (``draft/multiline`` from a
client), ``TAGMSG`` (client-only tags) and ``SETNAME``.

- ``draft/multiline`` (https://ircv3.net/specs/extensions/multiline): a
  client sends ``BATCH +ref draft/multiline #target``, its ``PRIVMSG`` lines
  tagged ``@batch=ref``, then ``BATCH -ref``. It is said as one message
  with its lines as a tag (:mod:`chatroom.core.multiline`); a batch
  over the limits ``CAP LS`` announces is ``FAIL BATCH
  MULTILINE_MAX_BYTES``/``MULTILINE_MAX_LINES``, a blank line marked
  ``draft/multiline-concat`` ``FAIL BATCH MULTILINE_INVALID``, and nothing
  of it is said.
- ``TAGMSG`` (https://ircv3.net/specs/extensions/message-tags): a message
  with tags and no text (typing notifications, reactions). The shared
  side carries text, not tags, so client-only tags (``+typing``) reach the
  IRC members with ``message-tags`` of the same server; line and web users
  have nothing to show for them.
- ``SETNAME`` (https://ircv3.net/specs/extensions/setname): changes the
  realname ``WHOIS`` and ``WHO`` show; the client, and the IRC users here
  with ``setname`` who share a channel with it, get ``SETNAME``.
"""

from __future__ import annotations

from chatroom.core import errors, multiline
from chatroom.core.multiline import MULTILINE_MAX_BYTES, MULTILINE_MAX_LINES
from chatroom.core.text import has_control_characters
from chatroom.doors.irc.commands import plain_text, say_to
from chatroom.doors.irc.session import IRCSession, Multiline
from chatroom.doors.irc.tags import client_only, shared_tags
from chatroom.doors.irc.wire import Message, build, build_words, room_of
from chatroom.wire.tags import tag_section

#: The longest realname ``SETNAME`` takes (``NAMELEN`` of other servers).
REALNAME_MAX = 100
_CONCAT = "draft/multiline-concat"


def fail(session: IRCSession, command: str, code: str, *context: str) -> None:
    """A standard reply (``FAIL COMMAND CODE [context] :description``)."""
    *words, description = context
    session.send(build(session.me, "FAIL", command, code, *words, description))


# -- draft/multiline ------------------------------------------------------------


def collect(session: IRCSession, message: Message) -> bool:
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
    if batch.size > MULTILINE_MAX_BYTES or len(batch.lines) >= MULTILINE_MAX_LINES:
        if not batch.failed:
            code = "BYTES" if batch.size > MULTILINE_MAX_BYTES else "LINES"
            limit = MULTILINE_MAX_BYTES if code == "BYTES" else MULTILINE_MAX_LINES
            fail(session, "BATCH", f"MULTILINE_MAX_{code}", str(limit), "Too long")
        batch.failed = True
        batch.lines.clear()
    if not batch.failed:
        batch.lines.append((plain_text(text), _CONCAT in message.tags))
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
    await say_to(session, open_batch.target, "MSG", text, shared)


# -- TAGMSG -------------------------------------------------------------------------


async def tagmsg(session: IRCSession, params: tuple[str, ...]) -> None:
    """``TAGMSG target``: its client-only tags relayed (:func:`relay_client_tags`);
    never answered, as it has no text to refuse."""
    tags = client_only(session.tags)
    if tags:
        await relay_client_tags(session, params[0], tags)


async def relay_client_tags(
    session: IRCSession, target: str, tags: dict[str, str]
) -> None:
    """Client-only tags (``+typing``, ``+draft/react``...) as a ``TAGMSG``
    from ``session`` to ``target``'s IRC users here with ``message-tags``:
    a channel's members, or one nick; back to the sender too with
    ``echo-message`` (labeled, if the command was). The shared side carries
    texts, not tags, so this is the door's own relay, with a ``msgid`` of
    its own for the TAGMSG."""
    room = room_of(target)
    if room is None:
        nicks = [target]
    else:
        if session.in_channel(room) is None:
            session.refuse(errors.not_in_room(), "PRIVMSG", target)
            return
        nicks = (await session.registry.room_details(room)).members
    renderer = session.renderer
    tagged = {**tags, "msgid": renderer.fresh_msgid()}
    line = build_words(session.source, "TAGMSG", target)
    plain, timed = tag_section(tagged), tag_section({**tagged, "time": renderer.now()})
    for nick in nicks:
        other = session.directory.find(nick)
        if other is None or "message-tags" not in other.caps:
            continue
        if other is session and room is not None:
            continue  # a member's own copy is the echo below, if it asked
        section = timed if "server-time" in other.caps else plain
        other.connection.send(section + line)  # never part of a labeled answer
    if "echo-message" in session.caps and "message-tags" in session.caps:
        section = timed if "server-time" in session.caps else plain
        session.send(section + line)


# -- SETNAME ------------------------------------------------------------------------


async def setname(session: IRCSession, params: tuple[str, ...]) -> None:
    realname = params[0]
    if len(realname) > REALNAME_MAX or has_control_characters(realname):
        fail(session, "SETNAME", "INVALID_REALNAME", "Realname is not valid")
        return
    session.realname = realname
    line = build(session.source, "SETNAME", realname)
    if "setname" in session.caps:
        session.send(line)
    session.tell_peers(line, "setname")
