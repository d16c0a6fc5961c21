r"""A message of several lines: its bounds, and how ``/paste`` writes it.

A line client says several lines as one message with ``/paste TEXT``
(protocol.md, *Pastes*), as an IRC client does with a ``draft/multiline``
batch. Both are held to :data:`MAX_LINES` lines and :data:`MAX_BYTES`
bytes: what fits in one line of the line protocol (``--max-line`` 4096)
with its command. TEXT is the lines with each backslash written ``\\``
and each line break ``\n`` (:data:`ESCAPES`): a tag value's escapes, which
the server reads back with :func:`chatroom.wire.tags.unescape`.

Written once for the three that use it: the server's check of a paste
(``chatroom.core.model.multiline``), the terminal client's pastes
(``chatroom.client.pasting``) and the web page's (``compose.js``, which
reads the bounds, the escapes and the line-break rule from ``/wire.js``).
"""

from __future__ import annotations

import re

#: The command that says a message of several lines.
PASTE_COMMAND = "/paste"
#: The most one message of several lines may hold, a paste or an IRC batch.
MAX_LINES = 32
MAX_BYTES = 4000
#: How ``/paste``'s TEXT writes what one protocol line cannot hold.
ESCAPES = {"\\": "\\\\", "\n": "\\n"}
#: A line break in a paste: ``\r\n``, ``\r`` or ``\n`` (a pattern Python
#: and JavaScript read alike).
LINE_BREAK = r"\r\n?|\n"

_LINE_BREAK = re.compile(LINE_BREAK)
_TO_ESCAPE = re.compile("|".join(re.escape(char) for char in ESCAPES))


def pasted_lines(text: str) -> list[str]:
    """The lines of ``text``, the blank ones at either end left out."""
    lines = _LINE_BREAK.split(text)
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


def oversize(lines: list[str]) -> str:
    """What is wrong with the size of a message of ``lines`` ("" for
    nothing): over :data:`MAX_LINES` lines or :data:`MAX_BYTES` bytes
    (UTF-8, line breaks not counted)."""
    size = sum(len(line.encode("utf-8")) for line in lines)
    if len(lines) > MAX_LINES or size > MAX_BYTES:
        return (
            f"at most {MAX_LINES} lines and {MAX_BYTES} bytes:"
            f" this one has {len(lines)} lines, {size} bytes"
        )
    return ""


def paste_command(lines: list[str]) -> str:
    r"""``/paste TEXT`` of ``lines``: ``\`` as ``\\``, line breaks as ``\n``."""
    text = "\n".join(lines)
    return f"{PASTE_COMMAND} {_TO_ESCAPE.sub(lambda found: ESCAPES[found[0]], text)}"
