"""The client's colours, made to read on 16-, 88- and 256-colour terminals.

Each entry has a 16-colour form, a monochrome form and a high-colour form
(urwid uses the last on 88- and 256-colour terminals). Two things make
plain 16-colour names unsafe there:

- urwid draws the bright half of the 16 colours (``dark gray`` ...
  ``white``) as *bold* plus the dark colour on terminals it believes
  brighten bold text, which is every ``TERM`` outside a known list:
  ``screen-256color``, the usual ``TERM`` under tmux and GNU screen, is
  one. ``dark gray`` then becomes bold black, invisible on a dark
  background wherever bold is not brightened.
- So the high-colour form names bright colours by number (``h8`` ...
  ``h15``: SGR 38;5;N, no bold involved) and greys as a grey level.

On a 16-colour terminal that brightens bold (``TERM=screen``, ``linux``),
:func:`for_terminal` draws the dim styles (times, replayed history, the
divider) faint in the default colour instead of bold black.
"""

from __future__ import annotations

from collections.abc import Mapping

import urwid

from chatroom.client.formatting import BASES, style_mixes, styled
from chatroom.client.widgets import USER_ATTRIBUTES

#: (name, foreground, background, monochrome, high foreground, high background).
PaletteEntry = tuple[str, str, str, str, str, str]

#: (name, foreground, background, monochrome): the last column is what a
#: monochrome terminal shows, so styles stay distinguishable without colour.
BASIC: list[tuple[str, str, str, str]] = [
    ("header", "white,bold", "dark blue", "standout"),
    ("status", "black", "light gray", "standout"),
    ("status_alert", "white,bold", "dark red", "standout,bold"),
    ("input", "default", "default", ""),
    ("caption", "light cyan,bold", "default", "bold"),
    ("timestamp", "dark gray", "default", ""),
    ("message", "default", "default", ""),
    ("earlier", "dark gray", "default", ""),
    ("action", "light magenta", "default", "italics"),
    ("join", "dark green", "default", ""),
    ("part", "brown", "default", ""),
    ("notice", "dark cyan", "default", ""),
    ("topic", "yellow", "default", "bold"),
    ("private", "light magenta,bold", "default", "bold"),
    ("mention", "black", "yellow", "standout"),
    ("error", "light red,bold", "default", "bold"),
    ("moderation", "light cyan", "default", "bold"),
    ("alert", "white,bold", "dark magenta", "standout,bold"),
    ("help", "light gray", "default", ""),
    ("indicator", "black", "yellow", "standout"),
    ("queued", "black", "light cyan", "standout"),
    ("room", "default", "default", ""),
    ("selected", "black", "light cyan", "standout"),
    ("reactions", "yellow", "default", "bold"),
    ("typing", "dark blue", "light gray", "standout"),
    ("members_title", "white,bold", "default", "underline"),
    ("own_name", "white,bold", "default", "bold"),
    ("greeting", "white,bold", "default", "bold"),
    ("divider", "dark gray", "default", ""),
    ("buffers", "light gray", "default", ""),
    ("buffer_shown", "black", "light cyan", "standout"),
    ("buffer_news", "white,bold", "default", "bold"),
    ("buffer_mention", "black", "yellow", "standout"),
]
_USER_COLOURS = (
    "light green",
    "light blue",
    "yellow",
    "light cyan",
    "light magenta",
    "light red",
    "dark green",
    "dark cyan",
)
BASIC += [
    (attribute, f"{colour},bold", "default", "bold")
    for attribute, colour in zip(USER_ATTRIBUTES, _USER_COLOURS, strict=True)
]

#: The bright half of the 16 colours, by the number 256-colour terminals use.
_BRIGHT = {
    "light red": "h9",
    "light green": "h10",
    "yellow": "h11",
    "light blue": "h12",
    "light magenta": "h13",
    "light cyan": "h14",
    "white": "h15",
}
#: Dark gray as a grey level: readable on dark and light backgrounds alike.
DIM_GREY = "g50"
#: Dark gray on a 16-colour terminal that would draw it as bold black.
DIM_FAINT = "default,faint"


def high_colour(spec: str) -> str:
    """A colour spec with bright names as colour numbers (no implicit bold)."""
    colour, *settings = spec.split(",")
    if colour == "dark gray":
        colour = DIM_GREY
    colour = _BRIGHT.get(colour, colour)
    return ",".join([colour, *settings])


def _entry(name: str, fg: str, bg: str, mono: str) -> PaletteEntry:
    return (name, fg, bg, mono, high_colour(fg), high_colour(bg))


#: What each of Markdown's styles adds to a line's colours (code: a colour
#: of its own on a plain line; every character is monospaced already).
_FORMAT_SETTINGS = {
    "strong": "bold",
    "emphasis": "italics",
    "struck": "strikethrough",
    "link": "underline",
    "code": "",
}
_CODE_COLOUR = "light cyan"


def formatted_entries(
    basic: list[tuple[str, str, str, str]],
) -> list[tuple[str, str, str, str]]:
    """An entry for each mix of Markdown's styles on each line that shows
    a message's words (:mod:`chatroom.client.formatting`): the line's
    colours with the styles' settings added (``message.emphasis+strong``)."""
    by_name = {entry[0]: entry for entry in basic}
    entries = []
    for base in BASES:
        _, fg, bg, mono = by_name[base]
        for mix in style_mixes():
            colour, *settings = fg.split(",")
            if "code" in mix and colour == "default":
                colour = _CODE_COLOUR
            added = [
                _FORMAT_SETTINGS[style] for style in mix if _FORMAT_SETTINGS[style]
            ]
            spec = ",".join(dict.fromkeys([colour, *settings, *added]))
            mono_settings = [setting for setting in mono.split(",") if setting]
            mono_spec = ",".join(dict.fromkeys([*mono_settings, *added])) or mono
            entries.append((styled(base, mix), spec, bg, mono_spec))
    return entries


BASIC += formatted_entries(BASIC)

PALETTE: list[PaletteEntry] = [_entry(*entry) for entry in BASIC]


class ColourError(ValueError):
    """A colour urwid does not know (the message names it)."""


def check_colour(spec: str) -> bool:
    """Whether ``spec`` works on a 16-colour terminal (else only on 88/256).

    Raises:
        ColourError: not a colour on any terminal.
    """
    try:
        urwid.AttrSpec(high_colour(spec), "default", 256)
    except urwid.AttrSpecError:
        raise ColourError(
            f"no such colour {spec!r} (urwid colour names such as "
            "'light magenta' or 'dark gray', h0-h255, g0-g100 or #rgb)"
        ) from None
    try:
        urwid.AttrSpec(spec, "default", 16)
    except urwid.AttrSpecError:
        return False
    return True


def palette_with(
    palette: list[PaletteEntry], colours: Mapping[str, tuple[str, str]]
) -> list[PaletteEntry]:
    """The palette with the settings' colours in place of the defaults.

    A high-colour spec (``h208``, ``#f80``) replaces the 88/256-colour form
    and leaves the 16-colour default.

    Raises:
        ValueError: a palette entry that does not exist, or a bad colour
            (the message names it).
    """
    known = {entry[0] for entry in palette}
    unknown = sorted(set(colours) - known)
    if unknown:
        raise ValueError(
            f"no such palette entry: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    replaced = []
    for name, fg, bg, mono, fg_high, bg_high in palette:
        if name in colours:
            new_fg, new_bg = colours[name]
            try:
                basic = [check_colour(new_fg), check_colour(new_bg)]
            except ColourError as problem:
                raise ValueError(f"{name}: {problem}") from None
            fg = new_fg if basic[0] else fg
            bg = new_bg if basic[1] else bg
            fg_high, bg_high = high_colour(new_fg), high_colour(new_bg)
        replaced.append((name, fg, bg, mono, fg_high, bg_high))
    return replaced


def for_terminal(
    palette: list[PaletteEntry], bright_is_bold: bool
) -> list[PaletteEntry]:
    """The palette as a terminal draws it: where bright colours would be bold
    (16 colours), dark gray is faint instead, so it never becomes bold black."""
    if not bright_is_bold:
        return palette
    return [
        (name, DIM_FAINT if fg.startswith("dark gray") else fg, bg, mono, high, back)
        for name, fg, bg, mono, high, back in palette
    ]
