"""What a message concerns, for a door that can only say it in words.

A reply, a thread's message, a reaction, an edit and a deletion each
concern another message of the room. A door that shows the link itself
(the page, the terminal client, IRC clients with ``message-tags``) needs
only that message's id; a door that can say it only in words (an IRC
client without capabilities: irssi as it comes) names the message by who
said it and how it starts (``bob: “who has the scones?” → yes, in the
blue tin``), or, for a deletion, by who said it and when: a deletion is
meant to take the words away, and its event is kept in the room's
history, so it never carries them.

The core reads that message to decide anyway (a reply must answer a
message of the room, an edit be its author's), so it hands its author and
start with the event it makes (the ``quoted_*`` fields of
:class:`~chatroom.core.model.events.Message`,
:class:`~chatroom.core.model.events.Reaction`,
:class:`~chatroom.core.model.events.Edited` and
:class:`~chatroom.core.model.events.Redacted`): no door reads the store for
them, and every node of a cluster renders another node's event alike.
They are carried fields (:data:`~chatroom.core.model.events.CARRIED`): an event
that concerns no message encodes as it did before they existed.
"""

from __future__ import annotations

#: The most characters of a message a quote keeps (then ``…``).
QUOTE_LENGTH = 40
#: What ends a quote that was cut.
CUT = "…"


def start_of(text: str, length: int = QUOTE_LENGTH) -> str:
    """The first words of ``text``, as a quote shows them: its first line
    that has any (a paste's lines are several), its spaces made one, cut
    at a word's end to at most ``length`` characters with :data:`CUT`
    after it (a first word longer than that is cut inside)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    words = " ".join(first.split())
    if len(words) <= length and first == text.strip():
        return words
    if len(words) <= length:
        return words + CUT  # the first of several lines
    cut = words[: length + 1].rsplit(" ", 1)[0]
    if len(cut) > length:  # one long word
        cut = words[:length]
    return cut.rstrip(" ,.;:") + CUT
