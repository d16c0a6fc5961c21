"""Signing in, and keeping passwords out of everything the client shows or keeps.

A registered name is only taken with ``/login NAME PASSWORD`` (see
``docs/protocol.md``, *Accounts*). :class:`SignIn` holds the password the
user signed in with, in memory and for this run only, because a reconnect
must sign in again: the bare name would now be refused with
``NAME_REGISTERED``. Nothing else in the client ever sees a password as
text: the lines that carry one (the commands the wire table marks secret,
:mod:`chatroom.wire.commands`) are masked wherever a line is shown again
(:func:`masked`), kept out of the input history (:func:`is_secret`), and
drawn masked while they are typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from chatroom.client.model import SessionModel
from chatroom.client.staying import SessionTokens
from chatroom.wire.commands import COMMANDS, secret_words
from chatroom.wire.goodbyes import SIGNED_IN_ELSEWHERE, is_final
from chatroom.wire.lines import ParsedLine
from chatroom.wire.passwords import password_words
from chatroom.wire.signin import account_required_words

#: What a password is shown as: always eight stars, so not even its length shows.
HIDDEN = "********"


def secret_start(text: str) -> int | None:
    """Where the passwords of a secret command start in ``text``; None: no secret.

    Commands are matched as the server matches them (any case), and
    everything after the words before the password counts as secret,
    so a half-typed or mistyped line is hidden too.
    """
    words = text.split(" ")
    shown = secret_words(words[0])
    if not shown:
        return None
    start = 0
    for word in words[:shown]:
        start += len(word) + 1
    return min(start, len(text))


def is_secret(text: str) -> bool:
    """Whether a typed line carries a password (it is never recalled or shown)."""
    return secret_start(text) is not None


def masked(text: str) -> str:
    """``text`` with every password replaced by :data:`HIDDEN`, fit to show
    or log: one per password the command takes (as its synopsis names
    them), so neither a password's length nor a passphrase's words show."""
    start = secret_start(text)
    if start is None:
        return text
    shown = text[:start].rstrip()
    if not text[start:].strip():
        return shown
    command = COMMANDS[text.split(" ", 1)[0][1:].lower()]
    passwords = len(command.arguments.split()) - command.secret + 1
    return " ".join([shown, *(HIDDEN for _ in range(passwords))])


def argument(text: str, index: int) -> str:
    """The ``index``-th word after the command of a typed line ("" if missing)."""
    words = text.split()
    return words[index + 1] if len(words) > index + 1 else ""


def password_after(text: str, index: int) -> str:
    """The password of a typed line as the server reads it: the rest of
    the line after the command and ``index`` words ("" if none)."""
    words = text.strip().split(None, index + 1)
    return words[index + 1] if len(words) > index + 1 else ""


def session_ended(reason: str | None) -> str | None:
    """Why a ``BYE`` means "do not come back on your own"; None: reconnect
    (:func:`chatroom.wire.goodbyes.is_final` decides, as the page does)."""
    if reason is None or not is_final(reason):
        return None
    if reason == SIGNED_IN_ELSEWHERE:
        return "your account was signed in from somewhere else"
    return reason


@dataclass(slots=True)
class Credentials:
    """An account and its password; the password never appears in a repr."""

    account: str
    password: str = field(repr=False)


class SignIn:
    """The account side of one client session.

    The controller asks it what to send when the server greets, hands it
    the refusals of the username step and the confirmations of
    ``/register``, ``/password`` and ``/unregister``; the username page's
    prompt (a name, or a password for a name) lives in the model.

    Args:
        model: the session, whose username page asks for a name or a password.
        send: queues one line for the server.
    """

    def __init__(
        self,
        model: SessionModel,
        send: Callable[[str], None],
        credentials: Credentials | None = None,
        tokens: SessionTokens | None = None,
        server: str = "",
    ) -> None:
        """Args:
        tokens: where device sessions are kept, to stay signed in (None:
            the user chose not to, see :mod:`.staying`).
        server: the server's address, which the kept tokens go by.
        """
        self.model = model
        self.send = send
        self.tokens = tokens
        self.server = server
        #: The account this session signed in to with a kept token (no
        #: password held), None otherwise.
        self.by_token: str | None = None
        #: A ``/session TOKEN`` on its way, for this account.
        self._token_for: str | None = None
        #: What the session is signed in with (or, before the first
        #: WELCOME, what it will sign in with): held to sign in again after
        #: a reconnect, in memory only.
        self.credentials = credentials
        #: A ``/login`` on its way, until WELCOME or a refusal answers it.
        self.pending: Credentials | None = None

    @property
    def signed_in(self) -> bool:
        """Whether the session is an account's (with its password or a
        kept token), whose rooms, markers and conversations the server
        keeps."""
        return self.credentials is not None or self.by_token is not None

    def greet(self, name: str | None = None) -> bool:
        """The server said HELLO: sign in if we can, with the password held
        or else a token kept for ``name``; False: we cannot."""
        if self.credentials is not None:
            self.login(self.credentials.account, self.credentials.password)
            return True
        token = self.tokens.token(self.server, name) if self.tokens and name else None
        if token is None or name is None:
            return False
        self._token_for = name
        self.send(f"/session {token}")
        return True

    def login(self, account: str, password: str) -> None:
        """Send ``/login ACCOUNT PASSWORD``; WELCOME makes it the session's."""
        self.pending = Credentials(account, password)
        self.send(f"/login {account} {password}")

    def typed_login(self, text: str) -> bool:
        """``/login NAME [PASSWORD]`` typed on the username page.

        Without a password the page asks for one (so it is typed masked);
        False: not a ``/login`` line at all.
        """
        if text.split(" ", 1)[0].lower() != "/login":
            return False
        name, password = argument(text, 0), password_after(text, 1)
        if name and not password:
            self.model.ask_password(name, "")
        elif name:
            self.login(name, password)
        else:
            self.model.ask_name("to sign in, type /login NAME or just the name")
        return True

    def plain_name(self) -> None:
        """A bare name was sent: a WELCOME now means no account."""
        self.pending = None

    def welcomed(self) -> bool:
        """WELCOME: signed in with the pending credentials, a kept token, or
        neither. True when a device session is to be asked for (staying
        signed in, with a password, and none kept yet)."""
        self.credentials, self.pending = self.pending, None
        self.by_token, self._token_for = self._token_for, None
        account = self.credentials.account if self.credentials else ""
        return bool(
            self.tokens and account and self.tokens.token(self.server, account) is None
        )

    def session_made(self, token: str) -> bool:
        """``SESSION TOKEN``: kept, to sign in with next time; False when
        the user did not choose to stay signed in (it is not kept)."""
        account = self.model.own_name
        if self.tokens is None or not account or not token:
            return False
        self.tokens.keep(self.server, account, token)
        return True

    def session_ended(self) -> None:
        """``SESSION_ENDED`` (``/session end``): the token is forgotten."""
        account = self.by_token or self.model.own_name
        if self.tokens is not None and account:
            self.tokens.forget(self.server, account)

    def refused(self, code: str, text: str, name: str) -> bool:
        """An error on the username page; False when it is not about accounts.

        ``name`` is the bare name just tried; a ``/login`` tried its own.
        Only an answer to a ``/login`` is a failed sign-in (a flood
        refusal of a bare name, from an older server, is not).
        """
        login, self.pending = self.pending, None
        if login is not None:
            name = login.account
        model = self.model
        token_for, self._token_for = self._token_for, None
        if token_for is not None and self.tokens is not None and code == "BAD_TOKEN":
            # Ended by the server (unused for weeks, /logout, a new
            # password): the password, as before there was one.
            self.tokens.forget(self.server, token_for)
            model.ask_password(
                token_for, f"you were signed out of {token_for}: type its password"
            )
            return True
        if code == "BANNED":
            self.credentials = None
            model.ask_name(text or f"{name} is banned from this server")
        elif not name:
            return False  # e.g. /nick to a registered name: the error says it
        elif code == "NAME_REGISTERED":
            model.ask_password(name, f"{name} is a registered name")
        elif code == "ACCOUNT_REQUIRED":
            model.ask_password(name, account_required_words(text))
        elif login is None:
            return False
        elif code == "BAD_PASSWORD":
            self.credentials = None
            model.ask_password(name, f"wrong password for {name}; try again")
        elif code == "RATE_LIMITED":
            model.ask_password(name, text or "too many failed sign-ins: wait a while")
        elif code == "NO_SUCH_ACCOUNT":
            self.credentials = None
            model.ask_name(f"there is no account called {name}: choose a username")
        else:
            return False
        return True

    def cancel(self) -> None:
        """Esc at the password prompt: back to choosing a name."""
        self.pending = None
        self.model.ask_name()

    def confirmed(self, event: ParsedLine, line: str) -> None:
        """REGISTERED, PASSWORD_CHANGED or UNREGISTERED, answering ``line``.

        The password to sign in with after a reconnect is the one that
        line gave (the server never repeats it).
        """
        command = line.split(" ", 1)[0].lower()
        if event.name == "REGISTERED" and command == "/register":
            name = event.field("account") or self.model.own_name or ""
            self.credentials = Credentials(name, password_after(line, 0))
        elif event.name == "PASSWORD_CHANGED" and command == "/password":
            held = self.credentials.account if self.credentials else ""
            account = event.field("account") or held
            passwords = password_words(password_after(line, 0), (2,)) or []
            new = passwords[1] if len(passwords) == 2 else ""
            self.credentials = Credentials(account, new)
        elif event.name == "UNREGISTERED":
            self.credentials = None
        if event.name in ("PASSWORD_CHANGED", "UNREGISTERED"):
            # The server ended the account's device sessions.
            account = event.field("account") or self.model.own_name or ""
            if self.tokens is not None and account:
                self.tokens.forget(self.server, account)
            self.by_token = None
