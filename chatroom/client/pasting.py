"""Pastes: several lines pasted into the input line are one message.

A terminal that knows *bracketed paste* (the client asks for it) wraps a
paste in markers, which urwid reports as the keys ``begin paste`` and
``end paste``; :class:`PasteCollector` gathers the keys between them
into text. Without it, a paste still arrives as a burst: one read of the
terminal holding Enter followed by more keys, which nobody types that
fast; :func:`bracket_burst` (urwid's input filter) marks such a burst as
a paste.

A paste of several lines is sent as ``/paste TEXT`` (protocol.md,
*Pastes*): one message, one id, counted once by the flood limit. TEXT
escapes each backslash as ``\\\\`` and each line break as ``\\n``. The
server takes at most :data:`MAX_LINES` lines and :data:`MAX_BYTES` bytes;
a longer paste is sent line by line instead, paced as typed lines are.
"""

from __future__ import annotations

#: The server's bounds on one paste (protocol.md, *Pastes*).
MAX_LINES = 32
MAX_BYTES = 4000
#: The longest protocol line the server takes by default (``--max-line``).
MAX_LINE_BYTES = 4096

#: What a key in a paste stands for, besides a printable character.
_KEY_TEXT = {"enter": "\n", "tab": "\t", "ctrl j": "\n", "ctrl m": "\n"}


def pasted_lines(text: str) -> list[str]:
    """The lines of a paste, blank lines at both ends left out."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def paste_command(lines: list[str]) -> str:
    r"""``/paste`` of the lines: ``\`` as ``\\``, line breaks as ``\n``."""
    return "/paste " + "\\n".join(line.replace("\\", "\\\\") for line in lines)


def fits(lines: list[str]) -> bool:
    """Whether the server takes these lines as one paste."""
    size = sum(len(line.encode()) for line in lines)
    command = paste_command(lines).encode()
    short = len(command) < MAX_LINE_BYTES
    return len(lines) <= MAX_LINES and size <= MAX_BYTES and short


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


def bracket_burst(keys: Keys) -> Keys:
    """urwid's input filter: keys read at once that hold Enter followed by
    more keys (a paste from a terminal without bracketed paste) become a
    bracketed paste; anything else passes unchanged."""
    if "begin paste" in keys or "enter" not in keys:
        return keys
    last_enter = len(keys) - 1 - keys[::-1].index("enter")
    enters = keys.count("enter")
    typed = all(
        isinstance(key, str) and (len(key) == 1 or key in ("enter", "tab"))
        for key in keys
    )
    if typed and (enters > 1 or last_enter < len(keys) - 1):
        return ["begin paste", *keys, "end paste"]
    return keys
