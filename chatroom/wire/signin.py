"""A name refused for want of an account, in words.

A server that takes accounts only (``--require-account``, a lockdown to
accounts, an address a blocklist lists) refuses a plain name with ``ERR
ACCOUNT_REQUIRED``: the server's reason, then the command that signs in on
the line protocol. The server words it by these tables and every client
says it by them (the terminal client imports them, the page reads them
from ``/wire.js``, the IRC door sends the server's words), so the three
word it alike and a client shows no command its user does not type.
"""

from __future__ import annotations

#: The reason when it is only that the server takes accounts.
ACCOUNTS_ONLY = "this server requires an account"

#: What follows the reason on the line protocol: how to sign in there.
LOGIN_HINT = ": /login NAME PASSWORD"


def account_required_words(text: str) -> str:
    """What ``ERR ACCOUNT_REQUIRED <text>`` means to a person at the name
    step: the server's reason without the line protocol's command, or
    :data:`ACCOUNTS_ONLY` when it gives none."""
    return text.removesuffix(LOGIN_HINT) or ACCOUNTS_ONLY
