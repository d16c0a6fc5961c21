"""Input-line helpers with no urwid in them: history recall and name completion."""

from __future__ import annotations

from collections.abc import Sequence


class InputHistory:
    """Earlier lines, recalled with Up/Down like a shell.

    The line being typed when recall starts is kept as a draft and comes
    back when the user moves past the newest entry, so nothing typed is lost.
    """

    def __init__(self, limit: int = 500) -> None:
        self.limit = limit
        self.lines: list[str] = []
        self._index: int | None = None  # None: not recalling
        self._draft = ""

    def add(self, line: str) -> None:
        """Remember a sent line (not blank ones, not a repeat of the last)."""
        self._index = None
        if line.strip() and (not self.lines or self.lines[-1] != line):
            self.lines.append(line)
            del self.lines[: -self.limit]

    def previous(self, current: str) -> str | None:
        """The line before the one shown, or None when there is none."""
        if not self.lines:
            return None
        if self._index is None:
            self._draft = current
            self._index = len(self.lines)
        if self._index == 0:
            return None
        self._index -= 1
        return self.lines[self._index]

    def next(self) -> str | None:
        """The line after the one shown (the draft after the newest)."""
        if self._index is None:
            return None
        self._index += 1
        if self._index >= len(self.lines):
            self._index = None
            return self._draft
        return self.lines[self._index]


class NameCompleter:
    """Tab completion of member names; repeated Tab cycles the candidates."""

    def __init__(self) -> None:
        self._cycle: list[str] = []
        self._position = 0
        self._start = 0
        self._tail = ""
        self._last_result: tuple[str, int] | None = None

    def reset(self) -> None:
        """Forget the cycle (any key other than Tab does this)."""
        self._last_result = None

    def complete(
        self, text: str, cursor: int, names: Sequence[str]
    ) -> tuple[str, int] | None:
        """The new (text, cursor) after Tab, or None when nothing matches.

        The word before the cursor is completed; at the start of the line a
        name gets ``": "`` after it, elsewhere a space, as IRC clients do.
        """
        if self._last_result == (text, cursor) and self._cycle:
            self._position = (self._position + 1) % len(self._cycle)
        else:
            start = cursor
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            prefix = text[start:cursor].casefold()
            if not prefix:
                return None
            self._cycle = sorted(
                (name for name in names if name.casefold().startswith(prefix)),
                key=str.casefold,
            )
            if not self._cycle:
                return None
            self._start = start
            self._position = 0
            self._tail = text[cursor:]
        name = self._cycle[self._position]
        suffix = ": " if self._start == 0 else " "
        head = text[: self._start] + name + suffix
        result = (head + self._tail, len(head))
        self._last_result = result
        return result
