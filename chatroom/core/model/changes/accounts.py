"""An account: its record (the name it was registered as, its password
and SCRAM keys, its mailbox, its app passwords, its OpenID binding), when
it was registered, its erasure, the invitations that admit new ones, and
the sign-in tokens of its device sessions (:mod:`chatroom.core.accounts.accounts`,
:mod:`chatroom.core.accounts.invitations`,
:mod:`chatroom.core.accounts.sign_in_tokens`).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import (
    AccountSubject,
    Operation,
    Premise,
    Subject,
    declare,
)
from chatroom.core.model.changes.moderation import EndSessions, SignOut
from chatroom.core.model.changes.rooms import Exists

# -- subjects ------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRecord(AccountSubject):
    """Account ``account``'s record (its name key): the name it was
    registered as, its password hash and its SCRAM keys, its mailbox, its
    app passwords and, for a bot, what makes it one."""


@dataclass(frozen=True)
class AccountAge(AccountSubject):
    """When account ``account`` (its name key) was registered."""


@dataclass(frozen=True)
class AccountHoldings(AccountSubject):
    """Everything kept of account ``account`` (its name key) but its room
    messages: the account, its read markers, remembered rooms and
    settings, its private conversations, the messages kept for it and
    those it sent that wait for others (what a deletion erases)."""


@dataclass(frozen=True)
class AccountSignIns(AccountSubject):
    """The sign-in tokens of account ``account`` (its name key): each
    device session ``/session new`` made, kept by its token's hash
    (:mod:`chatroom.core.accounts.sign_in_tokens`)."""


@dataclass(frozen=True)
class InvitationCode(Subject):
    """The invitation kept under ``code`` (the SHA-256 of its code, never
    the code: :mod:`chatroom.core.accounts.invitations`)."""

    code: str


# -- an account's record: premises and operations ------------------------------


@dataclass(frozen=True)
class Registered(Premise):
    """The account the change is of is registered still: a write of what
    is kept for it (a private message waiting for it, a push
    subscription, an upload token) decided before its deletion, on a node
    that had not yet heard of it, and come after, is refused and keeps
    nothing. A refusal brings no facts."""


@dataclass(frozen=True)
class PasswordHashIs(Premise):
    """The account exists and its password hash is ``hash``: the password
    a decision checked (or replaced) is still the account's. A refusal
    brings the account as it is now
    (:class:`~chatroom.core.model.accountrecord.Account`, or None: gone)."""

    hash: str


@dataclass(frozen=True)
class MakeAccount(Operation):
    """Register the account, as ``name`` (its password set in the same
    change: :class:`SetPassword`). Rests on :class:`Exists` False."""

    name: str


@dataclass(frozen=True)
class SetPassword(Operation):
    """The account's password is now the one hashed ``hash`` (Argon2id),
    with SCRAM keys ``scram`` (RFC 5803's form) made from it."""

    hash: str
    scram: str


@dataclass(frozen=True)
class SetScramKeys(Operation):
    """The account's SCRAM keys are now ``scram``, its password unchanged
    (keys made at a sign-in, for an account that had none)."""

    scram: str


@dataclass(frozen=True)
class MailboxIs(Premise):
    """The account exists and its mailbox (its e-mail address and the codes
    mailed to it, as :class:`~chatroom.core.model.accountrecord.Mailbox` encodes them)
    is ``mailbox``: a code a decision checked is still the one kept, so it
    is used once. A refusal brings the account as it is now."""

    mailbox: str


@dataclass(frozen=True)
class SetMailbox(Operation):
    """The account's mailbox is now ``mailbox`` (encoded; "" for none)."""

    mailbox: str


@dataclass(frozen=True)
class AppPasswordsAre(Premise):
    """The account exists and its app passwords (as
    :func:`~chatroom.core.model.accountrecord.encode_app_passwords` encodes them)
    are ``app_passwords``: a label found free is still free, one found kept
    is still kept, and the most an account keeps is not passed by two
    devices adding at once. A refusal brings the account as it is now."""

    app_passwords: str


@dataclass(frozen=True)
class SetAppPasswords(Operation):
    """The account's app passwords are now ``app_passwords`` (encoded; ""
    for none)."""

    app_passwords: str


@dataclass(frozen=True)
class BotIs(Premise):
    """The account exists and what makes it a bot (as
    :meth:`~chatroom.core.model.accountrecord.Bot.encode` encodes it; "" for
    an account of a person) is ``bot``: a bot removed is the bot a
    decision found, never a person's account made since under its name.
    A refusal brings the account as it is now."""

    bot: str


@dataclass(frozen=True)
class FewerBotsThan(Premise):
    """Account key ``owner`` owns fewer than ``count`` bots: one more made
    under the most the core allows (:data:`~chatroom.core.accounts.bots.
    MOST_BOTS`), however many ``/bot add`` race on any node. A refusal
    brings the account as it is now (still none); the core counts again."""

    owner: str
    count: int


@dataclass(frozen=True)
class SetBot(Operation):
    """The account is now the bot ``bot`` (encoded): its owner, its relay
    permission, when it was made and its token's hash."""

    bot: str


@dataclass(frozen=True)
class OidcUnbound(Premise):
    """No account is bound to ``oidc`` (an OpenID provider's issuer and
    subject, as :func:`chatroom.core.accounts.oidc.binding` encodes them): a first
    sign-in through the provider makes one account, not two. A refusal
    brings no facts: the core reads the binding again."""

    oidc: str


@dataclass(frozen=True)
class BindOidc(Operation):
    """The account is bound to ``oidc``: a sign-in through the provider as
    that subject is a sign-in to it, whatever the account is called. The
    binding goes with the account."""

    oidc: str


@dataclass(frozen=True)
class DropAccount(Operation):
    """The account goes, with its read markers, its remembered rooms and
    the private messages kept for it."""


@dataclass(frozen=True)
class SetRegistered(Operation):
    """The account was registered at ``at`` (seconds since the epoch)."""

    at: float


# -- an account's holdings: operations -----------------------------------------


@dataclass(frozen=True)
class EraseAccount(Operation):
    """Everything of the account's holdings goes, in one step, the account
    itself last. It rests on no premise: its room messages were changed
    first, each resting on its words as read."""


# -- an invitation: premises and operations ------------------------------------


@dataclass(frozen=True)
class InvitationIs(Premise):
    """The invitation is kept as ``kept`` (as :class:`~chatroom.core.
    invitations.InviteLink` encodes it; "" for none): the uses left that a
    decision counted are still left, so two nodes spending the last one
    at once spend it once. A refusal brings the invitation as kept now
    (its encoding, "" for none)."""

    kept: str


@dataclass(frozen=True)
class SetInvitation(Operation):
    """The invitation is now kept as ``kept`` (encoded)."""

    kept: str


@dataclass(frozen=True)
class DropInvitation(Operation):
    """The invitation is gone: its code admits nobody."""


# -- an account's sign-in tokens: premises and operations -----------------------


@dataclass(frozen=True)
class SignInTokenIs(Premise):
    """The sign-in token whose hash is ``token`` is kept as ``kept`` (as
    :class:`~chatroom.core.accounts.sign_in_tokens.SignInToken` encodes it; "" for
    none): a token made is new, and a use (its time moved on) rests on
    the token as read, so one ended meanwhile (``/logout``, ``/password``)
    is never kept again. A refusal brings the token as kept now (its
    encoding, "" for none)."""

    token: str
    kept: str


@dataclass(frozen=True)
class KeepSignInToken(Operation):
    """Keep the token whose hash is ``token`` as ``kept`` (encoded) until
    ``until`` (seconds on the core's clock: its last use and the time a
    token lasts unused); a back-end may forget it then. ``at`` is the
    write's time on that clock: a token kept until before it is past,
    and a back-end may forget it now."""

    token: str
    kept: str
    until: float
    at: float


@dataclass(frozen=True)
class DropSignInToken(Operation):
    """The token whose hash is ``token`` signs nobody in from now on."""

    token: str


@dataclass(frozen=True)
class DropSignInTokens(Operation):
    """No token of the account signs anybody in from now on."""


# -- the declarations -----------------------------------------------------------

declare(
    AccountRecord,
    operations=(
        MakeAccount,
        SetPassword,
        SetScramKeys,
        SetMailbox,
        SetAppPasswords,
        SetBot,
        BindOidc,
        DropAccount,
        SignOut,
        EndSessions,
    ),
    premises=(
        Exists,
        PasswordHashIs,
        MailboxIs,
        AppPasswordsAre,
        BotIs,
        FewerBotsThan,
        OidcUnbound,
    ),
)
declare(AccountAge, operations=(SetRegistered,))
declare(AccountHoldings, operations=(EraseAccount,))
declare(
    InvitationCode,
    operations=(SetInvitation, DropInvitation),
    premises=(InvitationIs,),
)
declare(
    AccountSignIns,
    operations=(KeepSignInToken, DropSignInToken, DropSignInTokens),
    premises=(Registered, SignInTokenIs),
)
