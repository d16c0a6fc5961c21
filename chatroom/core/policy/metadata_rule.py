"""What a metadata key and value may be, for users and rooms alike
(:mod:`chatroom.core.accounts.profiles` keeps users',
:func:`chatroom.core.policy.moderation.decide`
rooms'): the four profile keys in any case, or a key as IRC's
``draft/metadata-2`` spells them; a value on one line, within its key's
length and :data:`MAX_BYTES`."""

from __future__ import annotations

import re

from chatroom.core.model import errors

DISPLAY_NAME = "display-name"
PRONOUNS = "pronouns"
STATUS = "status"
AVATAR = "avatar"
#: Every key a profile has, in the order ``/profile NAME`` lists them.
KEYS = (DISPLAY_NAME, PRONOUNS, STATUS, AVATAR)
#: The most characters each key's value may have.
LIMITS = {DISPLAY_NAME: 64, PRONOUNS: 32, STATUS: 200, AVATAR: 300}
#: The most bytes of UTF-8 any value may have (IRC's irctest refuses 480).
MAX_BYTES = 400
#: A metadata key beyond the four, as ``draft/metadata-2`` spells them.
KEY = re.compile(r"^[a-z0-9_./-]{1,64}$")
#: The most keys a session keeps (``draft/metadata-2``'s ``max-keys``).
SESSION_KEYS = 20


def check_key(key: str) -> str:
    """``key`` (a profile key in lower case), if a profile may have it
    (``BAD_ARGS``)."""
    if key.lower() in KEYS:
        return key.lower()
    if not KEY.match(key):
        raise errors.bad_args(
            f"profiles have {', '.join(KEYS)}, or keys of a-z 0-9 _ . / -"
        )
    return key


def check_value(key: str, value: str) -> str:
    """``value`` without its outer spaces, if ``key`` may hold it
    (``BAD_ARGS``): one line, within the key's :data:`LIMITS` and
    :data:`MAX_BYTES`."""
    value = value.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise errors.bad_args(f"a {key} is one line of text")
    most = LIMITS.get(key, MAX_BYTES)
    if len(value) > most or len(value.encode("utf-8")) > MAX_BYTES:
        raise errors.bad_args(f"a {key} has {most} characters at most")
    return value
