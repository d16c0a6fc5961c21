"""What IRC says in tags, in words: for clients without ``message-tags``.

A client with ``message-tags`` is told what a reply answers by its
``+draft/reply`` tag, and gets reactions as ``TAGMSG`` and edits tagged
as answers. A client without it (irssi as it comes, which asks for
``server-time`` alone) would see a reply with no sign of whom it answers,
a thread's message as any line, and nothing of a reaction. So it is told
in words, the way people write them:

- a reply starts with its addressee and a quote of what it answers:
  ``bob: “who has the scones?” → yes, in the blue tin`` (the addressee
  first, so the client highlights it for bob);
- a thread's message names its thread by its root: ``(in bob's thread
  “who has the scones?”) I brought jam``;
- a reaction, an edit and a deletion are each one server ``NOTICE`` to
  the channel, a *note*, naming the message: ``alice reacted 👍 to bob's
  “who has the scones?”``, ``alice edited “yes, in the blue tin” → yes,
  in the red tin``, ``alice deleted bob's message of 16:39:05`` (a
  deletion by who said it and when, never its words). A deletion's note
  is also what a client without ``draft/message-redaction`` gets.

The notes can be turned off (``irc-notes``,
:mod:`chatroom.core.accounts.door_settings`):
:data:`NOTED` are the events a session then drops when they would reach
it as a note. The quotes come with the events, from the core
(:mod:`chatroom.core.messages.quoting`); an event without them (an older store's)
is said without.
"""

from __future__ import annotations

from chatroom.core.model.events import Edited, Message, Reaction, Redacted
from chatroom.wire.tags import THREAD_TAG

#: The core's tag of a reply, the id of the message it answers (IRC's is
#: ``+draft/reply``, with its msgid: chatroom.doors.irc.tags).
REPLY_KEY = "reply"
#: Events that reach a client without tags for them as a note.
NOTED = (Reaction, Edited, Redacted)


def quote(text: str) -> str:
    """A message's first words, as a note quotes them."""
    return f"“{text}”"


def quoted_prefix(message: Message) -> str:
    """What goes before a reply's or a thread message's words for a client
    without tags ("" for any other message)."""
    if not (message.quoted_user or message.quoted_text):
        return ""
    keys = {key for key, _ in message.tags}
    who, words = message.quoted_user, message.quoted_text
    if REPLY_KEY in keys:
        said = f"{quote(words)} → " if words else ""
        return f"{who}: {said}" if who else said
    if THREAD_TAG in keys:
        whose = f"{who}'s thread" if who else "thread"
        return f"(in {whose} {quote(words)}) " if words else f"(in {whose}) "
    return ""


def _message(user: str, words: str) -> str:
    """A message named by its author and first words: ``bob's “hi”``."""
    if user and words:
        return f"{user}'s {quote(words)}"
    if words:
        return quote(words)
    return f"a message of {user}'s" if user else "a message"


def reaction_note(event: Reaction) -> str:
    """``alice reacted 👍 to bob's “who has the scones?”`` (``took back``
    for a reaction taken back)."""
    named = _message(event.quoted_user, event.quoted_text)
    if event.adding:
        return f"{event.user} reacted {event.reaction} to {named}"
    return f"{event.user} took back {event.reaction} from {named}"


def edit_note(event: Edited) -> str:
    """``alice edited “yes, in the blue tin” → yes, in the red tin``."""
    if event.quoted_text:
        return f"{event.user} edited {quote(event.quoted_text)} → {event.text}"
    return f"{event.user} edited a message → {event.text}"


def redaction_note(event: Redacted) -> str:
    """``alice deleted bob's message of 16:39:05[: reason]``: by who said
    it and when (its date too, when it was said on another day than it
    was deleted), never its words, which the deletion takes away."""
    said = "a message"
    if event.quoted_user:
        whose = "their" if event.quoted_user == event.by else f"{event.quoted_user}'s"
        said = f"{whose} message"
    if event.quoted_time:
        said += f" of {_when(event.quoted_time, event.time)}"
    words = f"{event.by} deleted {said}"
    return f"{words}: {event.reason}" if event.reason else words


def _when(stamp: str, now: str) -> str:
    """``2026-11-21T16:39:05.123Z`` as ``16:39:05``, after its date when
    ``now`` (the deletion's time) is on another day."""
    clock = stamp[11:19]
    if len(stamp) < 19:
        return stamp
    return clock if stamp[:10] == now[:10] else f"{stamp[:10]} {clock}"
