"""Emoji by ``:shortcode``, as Slack, Discord and Element take them.

The names are the ``emoji`` package's (Unicode's emoji, kept up to date
there): its GitHub-style aliases (``:tea:``) and Unicode's own names
(``:teacup_without_handle:``), both for 🍵. Tab after ``:te`` completes
to the emoji of the best names (:func:`matching`, used by
:class:`~chatroom.client.editing.NameCompleter`); a whole ``:tea:`` becomes
🍵 when a space follows it (:func:`typed_space`) or when it is the
reaction of a ``/react`` (:func:`reaction_line`). The web page ranks its
own data the same way (static/emoji.js).
"""

from __future__ import annotations

import re
from functools import cache

import emoji

#: The ``emoji`` package's status of an emoji as people type it (its other
#: ones are variants without their presentation selector, and components).
_FULLY_QUALIFIED = emoji.STATUS["fully_qualified"]

_SHORTCODE_WORD = re.compile(r"(?:^|(?<=\s)):([\w+-]+):$")
_REACT = re.compile(r"^(\s*/react\s+\S+\s+):([\w+-]+):(\s*)$", re.IGNORECASE)


@cache
def shortcodes() -> dict[str, str]:
    """Every shortcode (without its colons, lower case) → its emoji."""
    found: dict[str, str] = {}
    for character, data in emoji.EMOJI_DATA.items():
        if data["status"] != _FULLY_QUALIFIED:
            continue
        for name in (*data.get("alias", ()), data["en"]):
            found.setdefault(name.strip(":").casefold(), character)
    return found


def matching(typed: str) -> list[tuple[str, str]]:
    """The emoji a typed ``:word`` (without its colon) may mean, best
    first, each once, as (shortcode, emoji): shortcodes that start with
    it (shortest first, so ``te`` offers ``tea`` before ``teddy_bear``),
    then those with a later part that does (``bubble_tea`` after them)."""
    wanted = typed.casefold()
    if not wanted:
        return []
    starts: list[str] = []
    inside: list[str] = []
    for name in shortcodes():
        if name.startswith(wanted):
            starts.append(name)
        elif any(part.startswith(wanted) for part in name.split("_")[1:]):
            inside.append(name)
    ranked: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name in [*sorted(starts, key=_rank), *sorted(inside, key=_rank)]:
        character = shortcodes()[name]
        if character not in seen:
            seen.add(character)
            ranked.append((name, character))
    return ranked


def _rank(name: str) -> tuple[int, str]:
    return len(name), name


def in_code(text: str) -> bool:
    """Whether the end of ``text`` is inside a Markdown code span (an odd
    number of backticks before it): a shortcode there is meant as written."""
    return text.count("`") % 2 == 1


def typed_space(text: str, cursor: int) -> tuple[str, int] | None:
    """The line after a space typed at ``cursor`` when a whole known
    ``:shortcode:`` ends there (it becomes its emoji); None otherwise."""
    head = text[:cursor]
    found = _SHORTCODE_WORD.search(head)
    if found is None or in_code(head[: found.start()]):
        return None
    character = shortcodes().get(found.group(1).casefold())
    if character is None:
        return None
    head = head[: found.start()] + character + " "
    return head + text[cursor:], len(head)


def reaction_line(line: str) -> str:
    """``/react ID :tea:`` as ``/react ID 🍵`` (a known shortcode only: an
    unknown ``:word:`` is a reaction of its own, which the server takes)."""
    found = _REACT.match(line)
    if found is None:
        return line
    character = shortcodes().get(found.group(2).casefold())
    if character is None:
        return line
    return found.group(1) + character + found.group(3)
