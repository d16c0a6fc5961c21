"""An account as a back-end keeps it: a plain value.

A leaf module, so that a back-end reads and stores accounts without
importing the rules about them (:mod:`chatroom.core.accounts`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    """A registered name: its key, the name as registered, its password
    hash, its SCRAM keys (RFC 5803's form; "" until it has some), and its
    mailbox: its e-mail address and the codes mailed there, as
    :class:`chatroom.core.mailbox.Mailbox` encodes them ("" for none)."""

    key: str
    name: str
    hash: str
    scram: str = ""
    mailbox: str = ""
