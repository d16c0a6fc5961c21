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
"""

from __future__ import annotations

import unicodedata
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
#: How many times at most a key is folded and skeletoned again.
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
