"""What a valid name is, and when two names are the same name.

Names are compared by a key so that ``Alice``, ``alice``, ``ＡＬＩＣＥ`` and
``Аlice`` (a Cyrillic А) are one name, while the name is shown as typed:
NFKC and case folding, then the UTS #39 *skeleton* (Unicode's confusables
data, through ICU's ``SpoofChecker`` from PyICU), so that names that look
alike are the same name, for users and rooms alike, at every door, in
every back-end and in both clients. A name must also satisfy UTS #39's
*highly restrictive* profile: one script (Latin, Cyrillic, Greek...), or
Latin with the Han, Kana and Hangul combinations of Chinese, Japanese and
Korean; mixed-script names such as ``rоot`` with a Cyrillic ``о`` are
refused outright.

The web page computes the same key (``nameKey`` in ``app.js``), and must:
it compares a name it was given with one the user typed or one it kept
(joining a listed room typed another way, ``STRASSE`` for ``Straße`` or
``0FFICE`` for ``office``; which messages are the user's own after a
rename to a look-alike; the operators, conversations and reactions it
keeps by name), and a page that folded case alone would call two names
different that the server holds to be one. A browser has Unicode's
normalisations (``String.normalize``) but neither Python's full case
folding (``toLowerCase`` keeps ``ß``, which folds to ``ss``, and lowers
``Σ`` to ``ς`` at a word's end, which folds to ``σ``) nor ICU's
confusables, so ``/wire.js`` gives it both as data: :func:`case_folds`
and :func:`prototypes`, each character that changes with what it becomes.
One character at a time is the whole rule for both (full case folding
has no context; a skeleton maps each code point of the decomposed string
on its own, then decomposes the result), so the page does what
:func:`name_key` does, step for step: NFKC, fold by the table, NFKC;
decompose (NFD), map by the table, compose (NFC), ``rn`` to ``m``; again
until the key stands still, at most :data:`KEY_ROUNDS` times. The tables
come from the server's own Python and ICU when the web door starts (half
a second, once; some 60 KB of ``/wire.js``), so page and server agree on
every name; only characters newer than the server's Unicode, which no
name may hold, could normalise differently in a newer browser.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import icu

NAME_MAX_LENGTH = 32

_NAME_PUNCTUATION = frozenset("_-.")


def _spoof_checker() -> icu.SpoofChecker:
    checker = icu.SpoofChecker()
    checker.setRestrictionLevel(icu.URestrictionLevel.HIGHLY_RESTRICTIVE)
    checker.setChecks(icu.USpoofChecks.RESTRICTION_LEVEL)
    return checker


#: Only ever used on the reactor thread (or a client's one thread).
_SPOOF = _spoof_checker()


def is_valid_name(name: str) -> bool:
    """True for 1–32 letters, digits, ``_``, ``-`` and ``.``, in a mix of
    scripts UTS #39's highly restrictive profile allows."""
    return (
        0 < len(name) <= NAME_MAX_LENGTH
        and all(ch.isalnum() or ch in _NAME_PUNCTUATION for ch in name)
        and (name.isascii() or not _SPOOF.check(name))
    )


def _folded(name: str) -> str:
    """NFKC + casefold, NFKC again (Unicode's NFKC_Casefold in spirit):
    case folding can leave a string that is no longer NFKC-normal."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _skeleton(folded: str) -> str:
    """UTS #39's skeleton, composed (NFC) and with ``rn`` shown as ``m``.

    The skeleton writes ``m`` as ``rn`` (they look alike), so no skeleton
    holds an ``m``: turning every ``rn`` back into ``m`` loses nothing and
    keeps keys readable where users see them (masks: ``name:emma``).
    """
    return unicodedata.normalize("NFC", _SPOOF.getSkeleton(0, folded)).replace(
        "rn", "m"
    )


#: Names whose keys are remembered: rooms and the names in use most often.
#: Kept small, since a cache entry per connected name would show as memory
#: per connection (a miss costs one ICU skeleton, a few microseconds).
NAME_KEYS_CACHED = 4096
#: How many times at most a key is folded and skeletoned again (the page
#: stops at the same count: ``WIRE.names.rounds``).
KEY_ROUNDS = 4


@lru_cache(maxsize=NAME_KEYS_CACHED)
def name_key(name: str) -> str:
    """The form under which names are unique: look-alikes have one key.

    Folding and the skeleton are repeated until the key stands still (the
    skeleton may bring back a capital, as ``0`` → ``O``), so the key of a
    key is itself, and a key stored before skeletons were part of it is
    brought up to date by ``name_key(old_key)``. Cached: doors compare
    names on every delivered event, and a key is computed once per name.
    """
    key = name
    for _ in range(KEY_ROUNDS):
        step = _skeleton(_folded(key))
        if step == key:
            break
        key = step
    return key


def _assigned() -> Iterator[str]:
    """Every character this Python's Unicode assigns but surrogates and
    private use (which no name holds, and which neither the folding nor
    the skeleton changes), one at a time: a list of all 280,000, freed
    among the objects the server keeps, would leave their pages resident
    and the process megabytes larger for good."""
    return (
        char
        for char in map(chr, range(sys.maxunicode + 1))
        if unicodedata.category(char) not in ("Cn", "Cs", "Co")
    )


def case_folds() -> dict[str, str]:
    """Each character whose full case folding (``str.casefold``) is not
    itself, with its folding: the page's ``casefold``. Made each time it is
    asked (once, for ``/wire.js``), not kept."""
    return {char: char.casefold() for char in _assigned() if char.casefold() != char}


def prototypes() -> dict[str, str]:
    """Each character of a decomposed (NFD) string that the skeleton
    changes, with what the skeleton makes of it (decomposed): ICU's
    confusables as the page applies them, one code point at a time, to a
    decomposed string, before decomposing the result again.

    Made each time it is asked (once, for ``/wire.js``, at the web door's
    start: about half a second), not kept."""
    table = {}
    for char in _assigned():
        if unicodedata.normalize("NFD", char) == char:
            skeleton = _SPOOF.getSkeleton(0, char)
            if skeleton != char:
                table[char] = skeleton
    return table
