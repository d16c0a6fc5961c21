"""An IRC client's one-line message cut to what one relayed line can hold.

A client may send ``PRIVMSG #chan :text`` in a whole 512-byte line; relayed,
the line gains the sender's source (``:alice!alice@server ``), so it no
longer fits in 512 bytes. IRC servers cut such a message's end
(RFC 2812 2.3: a message is at most 512 bytes; the extra is lost), and
clients expect it: irssi and WeeChat split what their user types so that
the relayed line fits, and bots that do not expect one line in and one line
out. So the door cuts the text **when it is said** (:func:`fitted`), before
anyone sees it: every door's users, the history and the sender's own
``echo-message`` then hold the same text, one message with one ``msgid``
in one line.

Only a single line is cut this way. A text from another door (a line or
web user has no 512-byte limit) and a client's ``draft/multiline`` batch
are whole messages, split at word boundaries when relayed to IRC
(:func:`chatroom.doors.irc.tags.split_text`), or sent as one multiline
batch to clients that asked for it. The split also stays the safety net for
what this cut cannot foresee (a channel's name written differently, a
replayed line's ``[18:04]``): no line over 512 bytes leaves the door.
"""

from __future__ import annotations

from chatroom.doors.irc.tags import MAX_LINE, text_room
from chatroom.doors.irc.wire import hostmask, room_of

#: Bytes CTCP ``ACTION`` adds around its text: ``\x01ACTION `` and ``\x01``.
ACTION_WRAP = 9


def cut_text(text: str, room: int) -> str:
    """``text`` cut to at most ``room`` bytes of UTF-8, between characters."""
    data = text.encode("utf-8")
    if len(data) <= room:
        return text
    cut = max(room, 0)
    while cut > 0 and (data[cut] & 0xC0) == 0x80:  # inside a character
        cut -= 1
    return data[:cut].decode("utf-8")


def fitted(
    nick: str, server: str, command: str, target: str, text: str, action: bool
) -> str:
    """What of ``text`` (a message, or with ``action`` a CTCP ``ACTION``,
    that ``nick`` sent to ``target`` in one ``command`` line) fits in the
    line IRC users get."""
    head = f":{hostmask(nick, server)} {command} {target} :"
    wrap = 0
    if action:  # in a channel CTCP; to a nick "* nick text"
        wrap = ACTION_WRAP if room_of(target) else len(f"* {nick} ".encode())
    if head.isascii() and text.isascii():  # characters are bytes: no encoding
        room = max(MAX_LINE - len(head) - 2 - wrap, 0)
        return text if len(text) <= room else text[:room]
    return cut_text(text, text_room(head, wrap))
