"""An account's Web Push subscriptions (:mod:`chatroom.core.accounts.push`)."""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.accounts import Registered
from chatroom.core.model.changes.base import AccountSubject, Operation, Premise, declare
from chatroom.core.model.subscription import Subscription

# -- subjects ------------------------------------------------------------------


@dataclass(frozen=True)
class AccountPush(AccountSubject):
    """Account ``account``'s Web Push subscriptions (its name key)."""


# -- an account's push subscriptions: premises and operations ------------------


@dataclass(frozen=True)
class FewerSubscriptionsThan(Premise):
    """The account keeps fewer than ``count`` subscriptions, or keeps one
    at ``endpoint`` already (which the change replaces): a subscription
    added under the most the core allows. A refusal brings the account's
    subscriptions as they are now (a list of
    :class:`~chatroom.core.model.subscription.Subscription`)."""

    count: int
    endpoint: str


@dataclass(frozen=True)
class Subscribed(Premise):
    """The account keeps a subscription at ``endpoint``. A refusal brings
    its subscriptions as they are now."""

    endpoint: str


@dataclass(frozen=True)
class EndpointOwner(Premise):
    """The endpoint ``endpoint`` is kept by account ``account`` ("": by
    none), as read: a subscription there is one account's, and its move
    to another was decided on who kept it."""

    endpoint: str
    account: str


@dataclass(frozen=True)
class AddSubscription(Operation):
    """Keep ``subscription`` for the account, in place of its own at the
    same endpoint (an endpoint another account keeps moves to it first:
    :class:`MoveEndpoint`)."""

    subscription: Subscription


@dataclass(frozen=True)
class MoveEndpoint(Operation):
    """The subscription at ``endpoint`` leaves account ``from_account``,
    whose it was, for account ``to_account``: an endpoint is one
    account's, and a browser subscribed again under another account moves
    to it (the core's decision, on who kept it as read)."""

    endpoint: str
    from_account: str
    to_account: str


@dataclass(frozen=True)
class RemoveSubscription(Operation):
    """Forget the account's subscription at ``endpoint``."""

    endpoint: str


@dataclass(frozen=True)
class DropSubscriptions(Operation):
    """Forget every subscription of the account (deleted, or signed out
    everywhere by a reset), whatever it keeps: a change of it alone, on
    no premise."""


# -- the declarations -----------------------------------------------------------

declare(
    AccountPush,
    operations=(AddSubscription, MoveEndpoint, RemoveSubscription, DropSubscriptions),
    premises=(Registered, FewerSubscriptionsThan, Subscribed, EndpointOwner),
)
