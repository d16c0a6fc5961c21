"""Pastes: several lines pasted into the input line are one message.

A paste is what the terminal marks as one. A terminal that knows
*bracketed paste* (the client turns it on: ``ESC[?2004h``) wraps a paste
in markers, which urwid reports as the keys ``begin paste`` and ``end
paste``; :class:`PasteCollector` gathers the keys between them into text.
A terminal without it writes a paste at once, so it arrives as one read
holding several lines, after a quiet moment; :class:`BurstPastes`
(urwid's input filter) marks such a read as a paste.

Typing is never a paste, however fast: lines typed one after another
reach the client a few milliseconds apart, and a read may hold the Enter
of one with the start of the next, or (when the client was busy a
moment) several whole lines. So a read of several lines is a paste only
when the terminal was quiet for :data:`QUIET_SECONDS` before it: nobody
was typing, someone pasted. Only typing breaks the quiet: a paste just
before (bracketed, over however many reads, or one found here) does not,
so two pastes in quick succession are two pastes.

A paste of several lines is sent as ``/paste TEXT`` (protocol.md,
*Pastes*): one message, one id, counted once by the flood limit. Its
lines, how TEXT is written and the bounds the server holds a paste to are
the wire's (:mod:`chatroom.wire.pastes`); a paste past them is sent line
by line instead, paced as typed lines are.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime

from chatroom.wire.pastes import oversize, paste_command

#: The longest protocol line the server takes by default (``--max-line``).
MAX_LINE_BYTES = 4096

#: What a key in a paste stands for, besides a printable character.
_KEY_TEXT = {"enter": "\n", "tab": "\t", "ctrl j": "\n", "ctrl m": "\n"}


def fits(lines: list[str]) -> bool:
    """Whether the server takes these lines as one paste: within the
    wire's bounds, on one protocol line."""
    return not oversize(lines) and len(paste_command(lines).encode()) < MAX_LINE_BYTES


class PasteCollector:
    """The keys between ``begin paste`` and ``end paste``, as text."""

    def __init__(self) -> None:
        self._parts: list[str] | None = None

    @property
    def collecting(self) -> bool:
        """Whether a paste has begun and not ended."""
        return self._parts is not None

    def key(self, key: str) -> str | None:
        """Take one key; the pasted text once the paste ends, else None."""
        if key == "begin paste":
            self._parts = []
            return None
        if self._parts is None:
            return None
        if key == "end paste":
            text, self._parts = "".join(self._parts), None
            return text
        if len(key) == 1:
            self._parts.append(key)
        elif key in _KEY_TEXT:
            self._parts.append(_KEY_TEXT[key])
        return None


#: What urwid's input filter gets: key names, and mouse events as tuples.
Keys = list[str | tuple[str, int, int, int]]

#: How long the terminal must have sent nothing before a read of several
#: lines counts as a paste. Typed keys come a few milliseconds apart (tens
#: when the client is busy); whoever pastes stops typing first.
QUIET_SECONDS = 0.3


def holds_lines(keys: Keys) -> bool:
    """Whether one read's keys are plain text making two or more lines
    with something on them (``a`` Enter ``b``); an Enter and the start of
    the next line are one line, two Enters none."""
    if not all(
        isinstance(key, str) and (len(key) == 1 or key in ("enter", "tab"))
        for key in keys
    ):
        return False
    text = "".join(_KEY_TEXT.get(str(key), str(key)) for key in keys)
    return sum(1 for line in text.split("\n") if line.strip()) >= 2


class BurstPastes:
    """urwid's input filter: a read of several lines, after the terminal
    was quiet (a paste from a terminal without bracketed paste), becomes a
    bracketed paste; anything else passes unchanged.

    Args:
        clock: when each read comes (the reactor; a ``task.Clock`` in tests).
    """

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        #: When the last read of typing came (None: none yet).
        self._last_typed: float | None = None
        #: Inside a bracketed paste whose end has not been read yet.
        self._in_paste = False

    def __call__(self, keys: Keys, raw: list[int]) -> Keys:
        if self._in_paste or "begin paste" in keys:
            # The terminal's own paste markers: passed on, and no typing.
            for key in keys:
                if key in ("begin paste", "end paste"):
                    self._in_paste = key == "begin paste"
            return keys
        now = self.clock.seconds()
        last = self._last_typed
        quiet = last is None or now - last >= QUIET_SECONDS
        if quiet and holds_lines(keys):
            return ["begin paste", *keys, "end paste"]
        self._last_typed = now
        return keys
