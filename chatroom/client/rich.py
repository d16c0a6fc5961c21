"""Messages with a life (``/caps rich``): replies, edits, deletions,
reactions and pastes.

The client turns on ``rich`` (protocol.md, *Messages with a life*), so a
stored event's ``@ID`` may carry tags (``@8;reply=7 MSG ...``) and a
message may later be changed (``EDIT``) or deleted (``REDACT``), live or
in a replay. :class:`RichMessages` is the part of
:class:`chatroom.client.model.SessionModel` that reads the tags and puts
the changes into the line they concern, wherever it is in its room's log:
an edited line shows its new text marked ``(edited)``, a deleted one is a
dim ``message deleted`` line, a reply names the line it answers, a
reaction is counted under its line (``REACT``, ``UNREACT``), and a paste
(the ``multiline`` tag) keeps its lines, to be shown as a block.
"""

from __future__ import annotations

from dataclasses import replace

from chatroom.client.buffers import Buffers
from chatroom.client.entries import Change, EntryKind, LogEntry, Page, log_key
from chatroom.client.reactions import reacted
from chatroom.wire.lines import ParsedLine
from chatroom.wire.tags import parse_tags

#: How much of the line a reply answers is quoted before it.
QUOTE_LENGTH = 40


def split_tags(prefix: str) -> tuple[str, dict[str, str]]:
    """``8;reply=7`` (an ``@ID`` prefix without its ``@``) → ``("8", {...})``."""
    number, _, tags = prefix.partition(";")
    return number, parse_tags(tags)


def block_lines(value: str) -> tuple[str, ...]:
    r"""A ``multiline`` tag's lines (unescaped): ``\n`` separates them, a
    ``\r`` glues a line to the one before it (IRC's multiline-concat)."""
    return tuple(value.replace("\r", "").split("\n"))


def quoted(entry: LogEntry) -> str:
    """The start of a line, as a reply to it quotes it."""
    text = entry.text if len(entry.text) <= QUOTE_LENGTH else entry.text[:39] + "…"
    return f"{entry.user}: {text}"


class RichMessages(Buffers):
    """Tags, edits and deletions, applied to the room logs."""

    def _tagged(self, event: ParsedLine) -> ParsedLine:
        """The event with a plain id; its tags are kept for its handler."""
        number, self._tags = split_tags(event.id) if event.id else ("", {})
        return event._replace(id=number)

    #: The tags of the event being applied (replaced for each, never changed).
    _tags: dict[str, str] = {}

    def _find(self, room: str, number: str) -> tuple[list[LogEntry], int] | None:
        """The log of ``room`` and where in it message ``number`` is (or
        the older lines being fetched with PgUp, not yet in the log)."""
        if not number.isdigit():
            return None
        wanted = int(number)
        for log in (self.logs.get(log_key(Page.ROOM, room), []), self._older or []):
            for index in range(len(log) - 1, -1, -1):
                if log[index].id == wanted and log[index].kind in (
                    EntryKind.MESSAGE,
                    EntryKind.ACTION,
                ):
                    return log, index
        return None

    def _block(self) -> tuple[str, ...]:
        """The lines of the paste being read (its ``multiline`` tag), if one."""
        value = self._tags.get("multiline")
        return block_lines(value) if value is not None else ()

    def _answering(self, room: str) -> str:
        """What the message being read answers (its ``reply`` tag), quoted."""
        found = self._find(room, self._tags.get("reply", ""))
        if found is None:
            return ""
        log, index = found
        return quoted(log[index])

    def _changed_entry(self, log: list[LogEntry], index: int, entry: LogEntry) -> None:
        """Line ``index`` of ``log`` now reads as ``entry``; the screen redraws it."""
        log[index] = entry
        if log is self.logs.get(self.shown_log):
            self._changed(Change.LOG_EDITED, entry)

    def _on_EDIT(self, event: ParsedLine) -> None:
        room, number = self._field(event, 0), self._field(event, 1)
        self._seen(event)
        found = self._find(room, number)
        if found is not None:
            log, index = found
            edited = replace(
                log[index], text=event.text, edited=True, lines=self._block()
            )
            self._changed_entry(log, index, edited)

    def _on_REDACT(self, event: ParsedLine) -> None:
        room, number = self._field(event, 0), self._field(event, 1)
        self._seen(event)
        found = self._find(room, number)
        if found is not None:
            log, index = found
            by = self._field(event, 2)
            why = "" if event.text in ("", "-") else f": {event.text}"
            gone = replace(log[index], deleted=f"deleted by {by}{why}")
            self._changed_entry(log, index, gone)

    def _reaction(self, event: ParsedLine, given: bool) -> None:
        room, number = self._field(event, 0), self._field(event, 1)
        self._seen(event)
        found = self._find(room, number)
        user, emoji = self._field(event, 2), self._field(event, 3) or event.text
        if found is not None and user and emoji:
            log, index = found
            self._changed_entry(log, index, reacted(log[index], emoji, user, given))

    def _on_REACT(self, event: ParsedLine) -> None:
        self._reaction(event, given=True)

    def _on_UNREACT(self, event: ParsedLine) -> None:
        self._reaction(event, given=False)

    def last_own_message(self) -> LogEntry | None:
        """The user's newest message in the room on screen, to edit (Up)."""
        if self.room is None:
            return None
        for entry in reversed(self.log):
            if (
                entry.user == self.own_name
                and entry.id is not None
                and entry.kind in (EntryKind.MESSAGE, EntryKind.ACTION)
                and not entry.deleted
            ):
                return entry
        return None
