"""The buffer list above the status bar: every room and conversation,
numbered for Alt-1..9, with its unread count and a mention mark.

``1:#tea  2:#cafe(3)  3:#help(1!)  4:carol(2)``: the buffer on screen is
highlighted, ``(3)`` counts the messages not seen yet, and ``!`` (drawn
as a mention) says that at least one of them names the user. It is one
line at every width: on a narrow terminal it is cut at the right edge
(Alt-Left/Right still reach every buffer).
"""

from __future__ import annotations

import urwid

from chatroom.client.buffers import Buffer

Markup = list[tuple[str, str] | str]


def buffer_markup(buffers: list[Buffer], focused: str | None) -> Markup:
    """The list as urwid markup, one ``N:name(count)`` per buffer."""
    markup: Markup = []
    for number, buffer in enumerate(buffers, start=1):
        if markup:
            markup.append("  ")
        shown = buffer.key == focused
        attribute = "buffer_shown" if shown else "buffers"
        if buffer.unread and not shown:
            attribute = "buffer_news"
        markup.append((attribute, f"{number}:{buffer.label}"))
        if buffer.mentions:
            markup.append(("buffer_mention", f"({buffer.unread}!)"))
        elif buffer.unread:
            markup.append((attribute, f"({buffer.unread})"))
    return markup


class BufferBar(urwid.Text):
    """One line listing the buffers (empty when there are none)."""

    def __init__(self) -> None:
        super().__init__("", wrap="clip")

    def show(self, buffers: list[Buffer], focused: str | None) -> None:
        """Redraw the list."""
        markup = buffer_markup(buffers, focused)
        self.set_text([" ", *markup] if markup else "")
