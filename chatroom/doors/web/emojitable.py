"""``/emoji.json``: the emoji the web page completes and searches, made from
the vendored emojibase data (``static/emojibase/``, its README says which
version).

emojibase's English ``compact.json`` (570 kB) carries skin tones and tags
that completing ``:tea`` and searching the reaction picker do not use; its
GitHub shortcodes come in a file of their own. The site joins the two once,
when it is built, into one list of about 80 kB that the page fetches on first
use (never on its first load): one row per emoji in Unicode's order,
``[emoji, label, shortcode, ...]``.

Each emoji is written as Unicode's list of emoji (``emoji-test.txt``)
writes it, its *fully qualified* form, which the ``emoji`` package (the
terminal client's) follows: emojibase adds a presentation selector to
every emoji that also has a text form (``👍`` + U+FE0F), and a reaction
is its exact text, so 👍 picked by name must be the 👍 of the picker's
row of common emoji, of the terminal client and of IRC users, or the
message would show two 👍 chips.
"""

from __future__ import annotations

import json
from importlib import resources


def emoji_table() -> bytes:
    """The page's emoji list as UTF-8 JSON (see the module's docstring).

    The ``emoji`` package (some megabytes) is imported here, by the first
    request for the list (:func:`fully_qualified`), not when the site is
    built."""
    data = resources.files("chatroom.doors.web") / "static" / "emojibase"
    emoji = json.loads((data / "compact.json").read_bytes())
    shortcodes = json.loads((data / "github.json").read_bytes())
    rows = []
    # Entries with no place in Unicode's order are the regional indicator
    # letters: parts of flags, not emoji anyone picks.
    for entry in sorted(
        (entry for entry in emoji if "order" in entry), key=lambda e: e["order"]
    ):
        codes = shortcodes.get(entry["hexcode"], [])
        if isinstance(codes, str):
            codes = [codes]
        rows.append([fully_qualified(entry["unicode"]), entry["label"], *codes])
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()


def fully_qualified(character: str) -> str:
    """``character`` as Unicode writes it: without the presentation
    selectors emojibase adds where Unicode has none (``👍``, ``☕``), kept
    where it has (``❤️``); as it is when the emoji package does not know it."""
    import emoji as unicode_emoji

    wanted = unicode_emoji.STATUS["fully_qualified"]
    for form in (character, character.replace("\ufe0f", "")):
        data = unicode_emoji.EMOJI_DATA.get(form)
        if data is not None and data["status"] == wanted:
            return form
    return character
