"""E-mail addresses and resets by mail against the Redis back-end on a
real redis-server (``tests/backends/contracts/mailbox.py``): a mailbox's
premise is checked by the script that applies the change."""

from __future__ import annotations

from twisted.internet import defer, reactor

from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.files import (
    AccountUploadTokens,
    IssueToken,
    RevokeTokens,
)
from tests.backends.contracts.account_changes import CONFIG
from tests.backends.contracts.mailbox import (
    REQUIRED,
    MailboxContract,
    RequiredEmailContract,
)
from tests.cluster.support import RedisRegistryTestCase


class RedisMailboxTests(RedisRegistryTestCase, MailboxContract):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisRequiredEmailTests(RedisRegistryTestCase, RequiredEmailContract):
    config = REQUIRED


class RedisRevokeTests(RedisRegistryTestCase):
    """A reset's sign-out revokes the account's upload tokens on every node."""

    config = REQUIRED

    @defer.inlineCallbacks
    def test_upload_tokens_go(self):
        backend = self.registry.backend
        tokens = backend.accounts.upload_tokens
        until = reactor.seconds() + 60
        for token, account in (("mine", "alice"), ("theirs", "bob")):
            issued = IssueToken(token, until)
            change = DecidedChange(AccountUploadTokens(account), (), (issued,))
            yield defer.ensureDeferred(backend.apply(change))
        mine, theirs = "mine", "theirs"
        revoked = DecidedChange(AccountUploadTokens("alice"), (), (RevokeTokens(),))
        yield defer.ensureDeferred(backend.apply(revoked))
        self.assertIsNone((yield defer.ensureDeferred(tokens.account(mine))))
        self.assertEqual((yield defer.ensureDeferred(tokens.account(theirs))), "bob")
