"""A newcomer's wait, in words.

The server refuses what a newcomer may not do yet with ``ERR NOT_YET
<seconds left>`` (docs/protocol.md, ``--newcomer-wait``): a number, which
a person should not be shown bare. Every client says it by these tables
(the terminal client and the IRC door import them; the page reads them
from ``/wire.js``), so the three word it alike.
"""

from __future__ import annotations

#: The units a wait is said in, largest first: each one's name and seconds.
UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))

#: What a newcomer refused is told, ``{wait}`` the time left in words.
NOT_YET = (
    "Newcomers wait before writing privately to someone they share no room "
    "with, or posting a link: {wait} to go."
)


def wait_words(seconds: int) -> str:
    """``seconds`` in the largest unit it holds at least twice, rounded up
    (``10 minutes``, ``90 seconds``, ``2 hours``); ``1 second`` at least."""
    name, size = next(((n, s) for n, s in UNITS if seconds >= 2 * s), UNITS[-1])
    count = max(1, -(-seconds // size))
    return f"{count} {name}{'' if count == 1 else 's'}"


def not_yet_words(text: str) -> str:
    """What ``ERR NOT_YET <text>`` means, in words; ``text`` itself when it
    is no number of seconds (a server's own words)."""
    if not text.isdigit():
        return text
    return NOT_YET.format(wait=wait_words(int(text)))
