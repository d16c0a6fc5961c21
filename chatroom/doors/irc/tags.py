"""IRCv3 message tags: reading them, writing them, and fitting text in 512 bytes.

Message tags (https://ircv3.net/specs/extensions/message-tags) come before
the source as ``@key=value;key2 ``; values escape ``;``, space, ``\\``, CR
and LF. The 512-byte limit of a line applies to the rest of it: tags have
their own budget (8191 bytes with the ``@`` and the space), so a line is
split for its text alone and every variant of it (with tags or without)
splits the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from chatroom.wire.tags import BOT_TAG, RELAY_TAG, THREAD_TAG, Tags

#: The longest line either side sends (without CRLF): RFC 1459's 512 bytes
#: in all, tags aside.
MAX_LINE = 512
#: The most a client's tags may take (message-tags: 4094 bytes from a client).
CLIENT_TAGS_MAX = 4094
#: The longest line a client may send: its tags (with their ``@`` and the
#: space after them) and the 512 bytes of the rest, each budget on its own.
MAX_CLIENT_LINE = CLIENT_TAGS_MAX + 2 + MAX_LINE
#: The tag on a shared message that was an IRC ``NOTICE`` (the line door's
#: ``/caps rich`` clients see it as ``@ID;notice``).
NOTICE_TAG = "notice"
#: The client tag naming the message a message answers (IRCv3 ``reply``
#: client tag, https://ircv3.net/specs/client-tags/reply).
REPLY_TAG = "+draft/reply"


def client_only(tags: Mapping[str, str]) -> dict[str, str]:
    """The tags a client may send for others to see (``+`` prefixed)."""
    return {key: value for key, value in tags.items() if key.startswith("+")}


def over_budget(line: bytes) -> bool:
    """Whether a client's line breaks message-tags' budgets: more than
    :data:`CLIENT_TAGS_MAX` bytes of tags, or more than :data:`MAX_LINE`
    for the rest of it."""
    if line.startswith(b"@"):
        end = line.find(b" ")
        if end < 0:
            end = len(line)
        if end - 1 > CLIENT_TAGS_MAX:
            return True
        line = line[end + 1 :]
    return len(line) > MAX_LINE


def shared_tags(tags: Mapping[str, str], notice: bool, bot: bool = False) -> Tags:
    """What a client's message carries to the shared side, stored with it:
    its client-only tags, :data:`NOTICE_TAG` if it was a ``NOTICE`` and
    :data:`BOT_TAG` if its sender is in bot mode (``+B``)."""
    if not (tags or notice or bot):
        return ()  # most messages: nothing to carry
    ours: Tags = ((NOTICE_TAG, ""),) if notice else ()
    if bot:
        ours += ((BOT_TAG, ""),)
    return (*ours, *client_only(tags).items())


#: A relayed message's tag (``draft/relaymsg``): its relayer's nick.
RELAYMSG_TAG = "draft/relaymsg"


def relayed_tags(tags: Tags, msgid: Callable[[str], str]) -> dict[str, str]:
    """The client-only tags a message carries to ``message-tags`` clients,
    a reply's ``reply=ID`` (``/reply``) as ``+draft/reply=MSGID`` (``msgid``:
    the ``msgid`` of the message's room's event ID) first, a thread's
    message (``thread=ROOT``, ``/thread``) as a reply to its root unless it
    answers a message of its own, ``bot`` for a bot's message, and
    ``draft/relaymsg=<relayer>`` for a relayed one (``RELAYMSG``)."""
    relayed: dict[str, str] = {}
    for key, value in tags:
        if key == "reply":
            relayed[REPLY_TAG] = msgid(value)
        elif key == THREAD_TAG:
            relayed.setdefault(REPLY_TAG, msgid(value))
        elif key == BOT_TAG:
            relayed[BOT_TAG] = ""
        elif key == RELAY_TAG:
            relayed[RELAYMSG_TAG] = value
        elif key.startswith("+"):
            relayed[key] = value
    return relayed


def reply_target(tags: Tags, event_id: Callable[[str], int | None]) -> int | None:
    """The message a client's message answers: the id ``event_id`` reads
    from its ``+draft/reply`` (a ``msgid`` of the room's, or None)."""
    for key, value in tags:
        if key == REPLY_TAG:
            return event_id(value)
    return None


def add_tags(line: bytes, tags: bytes) -> bytes:
    """``line`` with the tag section ``tags`` (``@k=v `` form) added to the
    front, merged into the line's own tags if it has some."""
    if not tags:
        return line
    if line.startswith(b"@"):
        return tags[:-1] + b";" + line[1:]
    return tags + line


def has_tag(line: bytes, key: bytes) -> bool:
    """Whether ``line``'s tag section has ``key``."""
    if not line.startswith(b"@"):
        return False
    section = line[1 : line.index(b" ")]
    return any(item.partition(b"=")[0] == key for item in section.split(b";"))


def lines_of(data: bytes) -> list[bytes]:
    """Bytes of whole lines → each line with its CRLF."""
    return [line + b"\r\n" for line in data.split(b"\r\n") if line]


def split_text(text: str, room: int) -> list[str]:
    """``text`` in pieces of at most ``room`` bytes of UTF-8 each.

    Pieces end at a space when there is one in the last part of the
    budget (the space stays at the end of its piece, so a multiline client
    joining pieces with ``draft/multiline-concat`` gets the text back
    exactly); a word longer than ``room`` is cut between characters,
    never inside one.
    """
    data = text.encode("utf-8")
    if len(data) <= room:
        return [text]
    pieces: list[str] = []
    while len(data) > room:
        cut = room
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # inside a character
            cut -= 1
        space = data.rfind(b" ", 0, cut)
        if space >= room // 2:
            cut = space + 1
        pieces.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    if data:
        pieces.append(data.decode("utf-8"))
    return pieces


def text_room(head: str, wrap: int = 0) -> int:
    """Bytes left for the text after ``head`` (``:src PRIVMSG #chan :``)
    within :data:`MAX_LINE` with CRLF, less
    ``wrap`` bytes around the text (CTCP ACTION's delimiters)."""
    return MAX_LINE - len(head.encode("utf-8")) - 2 - wrap
