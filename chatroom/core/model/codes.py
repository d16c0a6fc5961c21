"""The codes the server hands people to type back: a mail's, an invitation's.

A code is :data:`CODE_LENGTH` characters of an alphabet without look-alikes
(50 bits), kept only as its SHA-256 (:func:`code_hash`) and compared in
constant time (:func:`hmac.compare_digest`), so a copy of the store opens
nothing and a comparison's time tells nothing of the code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

#: A code's characters: capitals and digits without 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: A code's length: 10 of 31 characters, about 50 bits.
CODE_LENGTH = 10


def new_code() -> str:
    """A fresh code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_hash(code: str) -> str:
    """What is kept of ``code``: the SHA-256 of its canonical form (capitals,
    without the spaces or dashes a user may type)."""
    canonical = re.sub(r"[\s-]", "", code).upper()
    return hashlib.sha256(canonical.encode()).hexdigest()


def same_code(kept: str, code: str) -> bool:
    """Whether ``code`` is the one kept as ``kept``, compared in constant
    time."""
    return bool(kept) and hmac.compare_digest(kept, code_hash(code))
