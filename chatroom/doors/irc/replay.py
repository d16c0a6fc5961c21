"""A room's history as IRC: the original messages, in a ``chathistory`` batch.

A joiner (and ``CHATHISTORY``) gets stored messages back as what they
were: ``PRIVMSG`` (or CTCP ``ACTION``) from the original nick, so clients
colour nicks, highlight and log them as messages. How each looks is the
session's rendering variant (:mod:`chatroom.doors.irc.rendering`):

- with ``server-time`` each carries its original ``@time`` (and with
  ``message-tags`` its ``@msgid``);
- without it the time it was said is put before the text, ``[18:04]
  hello``: clients would otherwise show the time of the replay;
- with ``batch`` they come in one ``BATCH +ref chathistory #chan`` ...
  ``BATCH -ref``, so clients know it is history, not live talk.

Events are rendered through the per-variant cache of each event, so the
bytes of a history line are made once per variant however many join.
"""

from __future__ import annotations

from collections.abc import Iterable

from chatroom.core.model.events import (
    PLAYBACK_ONLY,
    Edited,
    Event,
    Reaction,
    Redacted,
    Typing,
)
from chatroom.doors.irc.rendering import IRCRenderer
from chatroom.doors.irc.tags import add_tags, has_tag, lines_of
from chatroom.doors.irc.wire import build_words
from chatroom.wire.tags import tag_section

#: What IRC clients are never played back: edits, deletions and reactions
#: change the messages a replay shows as they now stand.
_NEVER_PLAYED = (Edited, Redacted, Reaction, Typing)
#: ... and what only a client with ``draft/event-playback`` is: topic
#: changes and tags-only messages (with ``message-tags``: their tags).
_NOT_PLAYED = (*_NEVER_PLAYED, *PLAYBACK_ONLY)


def in_batch(
    renderer: IRCRenderer,
    kind: str,
    params: tuple[str, ...],
    data: bytes,
    tags: bytes = b"",
) -> bytes:
    """``data``'s lines inside one ``BATCH`` of ``kind``; lines already in a
    batch of their own (a multiline message) keep theirs, whose opening
    line then carries the outer one (batches nest). ``tags``: the opening
    line's own (``@label=...``)."""
    ref = renderer.batch_ref()
    inner = tag_section({"batch": ref})
    body = b"".join(
        line if has_tag(line, b"batch") else add_tags(line, inner)
        for line in lines_of(data)
    )
    opening = build_words(renderer.server, "BATCH", f"+{ref}", kind, *params)
    return (
        add_tags(opening, tags)
        + body
        + build_words(renderer.server, "BATCH", f"-{ref}")
    )


def replay(
    renderer: IRCRenderer,
    caps: frozenset[str],
    target: str,
    events: Iterable[Event],
) -> bytes:
    """``events`` (stored events, oldest first) as one client sees them:
    the messages as they now stand (edits, deletions and reactions are
    events of ``/caps rich``, which IRC does not map yet), and with
    ``draft/event-playback`` the topic changes (``TOPIC``) and the kept
    tags-only messages (``TAGMSG``, with their ``msgid`` and ``time``)
    among them."""
    hidden = _NEVER_PLAYED if "draft/event-playback" in caps else _NOT_PLAYED
    render = renderer.replay_encoder(caps)
    data = b"".join(
        event.encoded(render) for event in events if not isinstance(event, hidden)
    )
    if "batch" not in caps:
        return data
    return in_batch(renderer, "chathistory", (target,), data)
