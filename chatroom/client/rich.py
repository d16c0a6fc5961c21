"""Messages with a life (``/caps rich``): replies, edits, deletions,
reactions and pastes, as pure functions of the log's lines.

The client turns on ``rich`` (protocol.md, *Messages with a life*), so a
stored event's ``@ID`` may carry tags (``@8;reply=7 MSG ...``, which
:func:`chatroom.wire.lines.parse_event` reads) and a message may later be
changed (``EDIT``) or deleted (``REDACT``), live or in a replay. The
session model puts each change into the line it concerns, wherever it is
in its room's log, with these functions: an edited line shows its new
text marked ``(edited)``, a deleted one is a dim ``message deleted``
line, a reply names the line it answers, a reaction is counted under its
line (``REACT``, ``UNREACT``), a paste (the ``multiline`` tag) keeps
its lines, to be shown as a block, a link's preview (``PREVIEW``: the
page's title, description and site, from its tags) is one line under it,
and so is a shared file's name, type and size (the ``file-name``,
``file-type`` and ``file-size`` tags of a message carrying its URL).

Reactions: a line keeps, for each emoji, the users who gave it, in the
order the emoji first came; the screen shows each with its count
(``👍 2``). The server relays a reaction once, but a replay after a
rejoin may bring one the line already has: adding it again, or taking
back one that is not there, changes nothing, so replays are safe to
apply twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from chatroom.client.entries import EntryKind, LogEntry, Person, Words
from chatroom.wire.lines import ParsedLine

#: How much of the line a reply answers is quoted before it.
QUOTE_LENGTH = 40

#: The lines a change can concern: stored messages and actions.
CHANGEABLE = (EntryKind.MESSAGE, EntryKind.ACTION)


def block_lines(value: str) -> tuple[str, ...]:
    r"""A ``multiline`` tag's lines (unescaped): ``\n`` separates them, a
    ``\r`` glues a line to the one before it (IRC's multiline-concat)."""
    return tuple(value.replace("\r", "").split("\n"))


def paste_lines(event: ParsedLine) -> tuple[str, ...]:
    """The lines of the paste an event carries (its ``multiline`` tag);
    () when it is no paste."""
    value = event.tag("multiline")
    return block_lines(value) if value is not None else ()


def quoted(entry: LogEntry) -> Words:
    """The start of a line, as a reply to it quotes it: its author (by
    display name, as the line has it) and its first words."""
    text = entry.text if len(entry.text) <= QUOTE_LENGTH else entry.text[:39] + "…"
    return (Person(entry.user, entry.shown_as), f": {text}")


def find_message(
    logs: Iterable[list[LogEntry]], number: str
) -> tuple[list[LogEntry], int] | None:
    """The log holding message ``number`` (an id, as sent) and where in
    it, searching each of ``logs`` from its newest line; None: not there."""
    if not number.isdigit():
        return None
    wanted = int(number)
    for log in logs:
        for index in range(len(log) - 1, -1, -1):
            if log[index].id == wanted and log[index].kind in CHANGEABLE:
                return log, index
    return None


def edited(entry: LogEntry, text: str, lines: tuple[str, ...]) -> LogEntry:
    """``entry`` as it now reads (its paste's ``lines``, if one), marked edited."""
    return replace(entry, text=text, edited=True, lines=lines)


def deleted(entry: LogEntry, by: Person, reason: str) -> LogEntry:
    """``entry`` deleted by ``by``, for ``reason`` (``-`` or "": none given)."""
    why = "" if reason in ("", "-") else f": {reason}"
    return replace(
        entry, deleted=("deleted by ", by, why) if why else ("deleted by ", by)
    )


def reacted(entry: LogEntry, emoji: str, user: str, given: bool) -> LogEntry:
    """``entry`` with ``user``'s ``emoji`` given (True) or taken back (False)."""
    reactions: list[tuple[str, tuple[str, ...]]] = []
    found = False
    for each, users in entry.reactions:
        if each == emoji:
            found = True
            if given and user not in users:
                users = (*users, user)
            elif not given:
                users = tuple(name for name in users if name != user)
        if users:
            reactions.append((each, users))
    if given and not found:
        reactions.append((emoji, (user,)))
    return replace(entry, reactions=tuple(reactions))


#: The longest preview line kept (the screen wraps it; the server bounds
#: each part already).
PREVIEW_LENGTH = 300


def previewed(entry: LogEntry, event: ParsedLine) -> LogEntry:
    """``entry`` with the preview ``event`` (``PREVIEW``) tells of its link:
    ``title — description (site)``, what the page gave of it."""
    url = event.field("url")
    site = url.partition("://")[2].partition("/")[0]
    words = " — ".join(
        part for part in (event.tag("title"), event.tag("description")) if part
    )
    line = f"{words} ({site})" if words else site
    if len(line) > PREVIEW_LENGTH:
        line = line[: PREVIEW_LENGTH - 1] + "…"
    return replace(entry, preview=line)


def own_reactions(entry: LogEntry, user: str | None) -> list[str]:
    """The emoji ``user`` gave ``entry`` (for taking one back)."""
    return [emoji for emoji, users in entry.reactions if user in users]


def summary(entry: LogEntry) -> str:
    """The reactions as the log shows them: ``👍 2  :tea: 1``."""
    return "  ".join(f"{emoji} {len(users)}" for emoji, users in entry.reactions)


def size_in_words(size: int) -> str:
    """``68 bytes``, ``47.1 KiB``, ``3.0 MiB``: a file's size for people."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"  # pragma: no cover (1 KiB and over: a unit above)


def attachment(event: ParsedLine) -> str:
    """The file a message shares (its ``file-*`` tags), as one line:
    ``cat.png (image/png, 47.1 KiB)``; "" when it shares none."""
    name = event.tag("file-name")
    if not name:
        return ""
    size = event.tag("file-size") or ""
    details = [part for part in (event.tag("file-type") or "",) if part]
    if size.isdigit():
        details.append(size_in_words(int(size)))
    return f"{name} ({', '.join(details)})" if details else name
