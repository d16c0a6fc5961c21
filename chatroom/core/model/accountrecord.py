"""An account as a back-end keeps it: a plain value.

A leaf module, so that a back-end reads and stores accounts without
importing the rules about them (:mod:`chatroom.core.accounts.accounts`,
:mod:`chatroom.core.services.mailbox`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    """A registered name: its key, the name as registered, its password
    hash (:data:`NO_PASSWORD` for none), its SCRAM keys (RFC 5803's form;
    "" until it has some), its mailbox: its e-mail address and the codes
    mailed there, as :class:`Mailbox` encodes them ("" for none), the
    OpenID provider's subject it is bound to, as
    :func:`chatroom.core.accounts.oidc.binding` encodes it ("" for none), and its
    app passwords, as :func:`encode_app_passwords` writes them ("" for
    none)."""

    key: str
    name: str
    hash: str
    scram: str = ""
    mailbox: str = ""
    oidc: str = ""
    app_passwords: str = ""
    bot: str = ""


#: The password hash of an account that has none (one made by a sign-in
#: through an OpenID provider): no password matches it, as ``!`` in
#: ``/etc/shadow`` locks a password out.
NO_PASSWORD = "!"


@dataclass(frozen=True)
class Mailbox:
    """An account's e-mail address (``""``: none), whether it is verified,
    the hashes of the codes mailed to it with when each expires (Unix
    seconds), and, for an account registered under ``--require-email``,
    when it goes unless an address is verified by then (0: it counts)."""

    address: str = ""
    verified: bool = False
    code: str = ""
    code_until: float = 0.0
    reset: str = ""
    reset_until: float = 0.0
    required_until: float = 0.0

    def encode(self) -> str:
        """As an account's record keeps it ("" for an empty mailbox)."""
        if self == Mailbox():
            return ""
        return json.dumps(
            [
                self.address,
                self.verified,
                self.code,
                self.code_until,
                self.reset,
                self.reset_until,
                self.required_until,
            ],
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str) -> Mailbox:
        if not text:
            return cls()
        return cls(*json.loads(text))

    def unverified_past(self, now: float) -> bool:
        """Whether the account was to verify an address before now and did
        not (``--require-email``): it is to go."""
        return (
            bool(self.required_until)
            and not self.verified
            and now >= self.required_until
        )

    @property
    def state(self) -> str:
        """``verified`` or ``pending``."""
        return "verified" if self.verified else "pending"


def mailbox_of(account: Account | None) -> Mailbox:
    """``account``'s mailbox (an empty one for no account)."""
    return Mailbox.decode(account.mailbox) if account is not None else Mailbox()


@dataclass(frozen=True)
class AppPassword:
    """One of an account's app passwords (:mod:`chatroom.core.services.app_passwords`):
    its owner's ``label`` for it, its ``id`` (the password's first group,
    which finds it among the others at a sign-in), the Argon2id ``hash`` of
    the whole password, and when it was made (Unix seconds)."""

    label: str
    id: str
    hash: str
    made: float


def encode_app_passwords(kept: tuple[AppPassword, ...]) -> str:
    """As an account's record keeps them ("" for none)."""
    if not kept:
        return ""
    rows = [[each.label, each.id, each.hash, each.made] for each in kept]
    return json.dumps(rows, separators=(",", ":"))


def app_passwords_of(account: Account | None) -> tuple[AppPassword, ...]:
    """``account``'s app passwords, oldest first (none for no account)."""
    if account is None or not account.app_passwords:
        return ()
    return tuple(AppPassword(*row) for row in json.loads(account.app_passwords))


@dataclass(frozen=True)
class Bot:
    """What makes an account a bot (:mod:`chatroom.core.services.bots`): the
    key and the name of the account that owns it ("" for none: made by the
    operator), whether it may relay others' words (IRC's ``RELAYMSG``),
    when it was made (Unix seconds), and the SHA-256 of its token (hex):
    the token itself is shown once and never kept."""

    owner: str
    owner_name: str
    relay: bool
    made: float
    token_hash: str

    def encode(self) -> str:
        """As an account's record keeps it."""
        row = [self.owner, self.owner_name, self.relay, self.made, self.token_hash]
        return json.dumps(row, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> Bot:
        owner, owner_name, relay, made, token_hash = json.loads(text)
        return cls(owner, owner_name, bool(relay), float(made), token_hash)


def bot_of(account: Account | None) -> Bot | None:
    """What makes ``account`` a bot (None: it is none, or no account)."""
    if account is None or not account.bot:
        return None
    return Bot.decode(account.bot)
