"""What counts as a valid name and as safe text.

Names are compared by a key (NFKC, then case folding) so that ``Alice``,
``alice`` and ``ＡＬＩＣＥ`` are one name, while the name is shown as typed.
Text that other users will see must not carry control characters: an ESC or
CSI could otherwise move their cursor, recolour or retitle their terminal.
"""

from __future__ import annotations

import re
import unicodedata

NAME_MAX_LENGTH = 32
TOPIC_MAX_LENGTH = 300

_NAME_PUNCTUATION = frozenset("_-.")

# C0 controls except TAB, DEL, and C1 controls (which include CSI, U+009B).
# Every ANSI escape sequence starts with ESC or CSI, so this catches them all.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def is_valid_name(name: str) -> bool:
    """True for 1–32 letters, digits, ``_``, ``-`` and ``.``."""
    return 0 < len(name) <= NAME_MAX_LENGTH and all(
        ch.isalnum() or ch in _NAME_PUNCTUATION for ch in name
    )


def name_key(name: str) -> str:
    """The form under which names are unique (NFKC + casefold, NFKC again).

    Case folding can leave a string that is no longer NFKC-normal, hence the
    second normalisation (Unicode's NFKC_Casefold in spirit).
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def has_control_characters(text: str) -> bool:
    """True if ``text`` holds anything that could drive a terminal."""
    return _CONTROL.search(text) is not None


def without_control_characters(text: str) -> str:
    """``text`` with each control character replaced by U+FFFD.

    Only for the server's own replies that quote input back (error texts);
    what users send to each other is refused, never silently altered.
    """
    return _CONTROL.sub("\ufffd", text)
