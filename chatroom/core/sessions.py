"""Who each connected member is: its name, its account and its session token.

:class:`Sessions` is the one record of a process's sessions. Only the core
(:class:`chatroom.core.chat.ChatCore`) writes it, once per change: a session
is opened on its first claim, renamed, signed in or out, and closed on
release. Back-ends read it (the in-process one to find a member's account,
the Redis one to route a node-channel message to a token), never write it.

A token names one session, unique over time and, in a cluster, over the
nodes: ``namespace:prefix.number``, where ``namespace`` is the node's id
(``local`` alone) and ``prefix`` is new with each process, so a grant a
room keeps for a plain name's session (operator, invitation) never matches
a session of a later run.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace

from chatroom.core.moderation import Actor
from chatroom.core.registry import Member
from chatroom.core.text import name_key


@dataclass(frozen=True, slots=True)
class Session:
    """One member's session: its token, its name ("" before its first claim),
    the account it is signed in to ("" for none, else its key) and that
    account's name as it was registered (what IRC's ``account-tag`` shows:
    a key is folded, ``morning`` keys as ``moming``)."""

    token: str
    name: str = ""
    account: str = ""
    account_name: str = ""


class Sessions:
    """Member → :class:`Session`, and token → member."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._prefix = secrets.token_hex(4)
        self._numbers = itertools.count(1)
        self._by_member: dict[Member, Session] = {}
        self._by_token: dict[str, Member] = {}
        #: A named session's name key → its account's name, for who says
        #: what (IRC's ``account-tag``, ``extended-join``).
        self._accounts: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._by_member)

    def __contains__(self, member: object) -> bool:
        return member in self._by_member

    def get(self, member: Member) -> Session | None:
        return self._by_member.get(member)

    def __getitem__(self, member: Member) -> Session:
        return self._by_member[member]

    def by_token(self, token: str) -> Member | None:
        return self._by_token.get(token)

    def named(self) -> Iterator[tuple[Member, Session]]:
        """Every session that has a name, in the order they were opened."""
        for member, session in list(self._by_member.items()):
            if session.name:
                yield member, session

    def account_of(self, member: Member) -> str:
        session = self._by_member.get(member)
        return session.account if session is not None else ""

    def account_named(self, name: str) -> str:
        """The account name of this process's session called ``name`` ("" for
        none, or a plain name)."""
        return self._accounts.get(name_key(name), "")

    def actor(self, member: Member, admins: frozenset[str]) -> Actor:
        """``member`` as the rules see the user giving a command."""
        session = self._by_member[member]
        return Actor(
            session.name, session.account, session.token, session.account in admins
        )

    # -- written by the core only ------------------------------------------------

    def open(self, member: Member) -> Session:
        """``member``'s session, opened (given its token) if it has none."""
        session = self._by_member.get(member)
        if session is None:
            number = next(self._numbers)
            session = Session(f"{self.namespace}:{self._prefix}.{number}")
            self._by_member[member] = session
            self._by_token[session.token] = member
        return session

    def update(
        self,
        member: Member,
        name: str | None = None,
        account: str | None = None,
        account_name: str | None = None,
    ) -> None:
        """A new name or account (None: unchanged) for an open session;
        ``account_name`` the new account's registered name (its key if not
        given; "" with no account)."""
        session = self._by_member.get(member)
        if session is None:
            return  # released meanwhile
        if session.name:
            self._accounts.pop(name_key(session.name), None)
        if name is not None:
            session = replace(session, name=name)
        if account is not None and account != session.account:
            shown = account_name if account_name is not None else account
            session = replace(session, account=account, account_name=shown)
        elif account_name is not None:
            session = replace(session, account_name=account_name)
        if not session.account:
            session = replace(session, account_name="")
        self._by_member[member] = session
        if session.name and session.account_name:
            self._accounts[name_key(session.name)] = session.account_name

    def close(self, member: Member) -> Session | None:
        """Forget ``member``'s session; returns it (None if there was none)."""
        session = self._by_member.pop(member, None)
        if session is not None:
            self._by_token.pop(session.token, None)
            if session.name:
                self._accounts.pop(name_key(session.name), None)
        return session
