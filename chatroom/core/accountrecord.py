"""An account as a back-end keeps it: a plain value.

A leaf module, so that a back-end reads and stores accounts without
importing the rules about them (:mod:`chatroom.core.accounts`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    """A registered name: its key, the name as registered, its password
    hash, and its SCRAM keys (RFC 5803's form; "" until it has some)."""

    key: str
    name: str
    hash: str
    scram: str = ""
