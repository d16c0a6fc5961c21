"""Records the core hands a back-end as typed changes, run against every
registry: a moderation log's entries, an export kept and taken once,
upload tokens given and revoked, an account's push subscriptions
dropped, a name's past holders.

With the in-process registry (``tests/backends/local/test_records.py``)
and with a real ``redis-server`` (``tests/backends/redis/test_records.py``),
each through :meth:`~chatroom.core.backend.Backend.apply`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

from twisted.internet import defer

from chatroom.core.accounts.push import dropped
from chatroom.core.backend import Backend
from chatroom.core.infra.applying import Applied
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.files import (
    AccountUploadTokens,
    ExportKept,
    IssueToken,
    RevokeTokens,
)
from chatroom.core.model.changes.moderation import RoomModeration
from chatroom.core.model.changes.modlog import RecordEntries
from chatroom.core.model.changes.push import AccountPush, AddSubscription
from chatroom.core.model.changes.server import NameHolders, RememberGone
from chatroom.core.model.subscription import Subscription
from chatroom.core.model.whowas import Departed
from chatroom.core.moderation.modlog import (
    MODLOG_KEEP,
    SERVER_LOG,
    ModAction,
    ModEntry,
    recorded,
)
from chatroom.core.policy.userdata import EXPORT_TTL, kept_export, taken_export
from tests.backends.contracts.handler import ContractBase


class RecordsContract(ContractBase):
    """The server's back-end, written to as the core writes."""

    @property
    def backend(self) -> Backend:
        return cast(Backend, cast(Any, self.server.registry).backend)

    def applied(self, change: Any) -> defer.Deferred[Applied]:
        return defer.ensureDeferred(self.backend.apply(change))

    @defer.inlineCallbacks
    def test_a_log_keeps_its_newest_entries(self) -> Generator[Any, Any, None]:
        """Entries recorded in a room's log (under its name as the user
        wrote it) are read back oldest first, by the room's name in any
        case; past :data:`MODLOG_KEEP` the oldest go; the server's log is
        apart; a room gone keeps none."""
        yield self.in_room("Tea", "alice")
        first = [ModEntry("t0", "alice", ModAction.KICK, "bob", "spam")]
        yield self.applied(recorded("Tea", first))
        more = [
            ModEntry(f"t{n}", "alice", ModAction.SET, f"limit={n}")
            for n in range(1, MODLOG_KEEP + 1)
        ]
        yield self.applied(recorded("tea", more))
        killed = ModEntry("t", "root", ModAction.KILL)
        yield self.applied(recorded(SERVER_LOG, [killed]))
        read = self.backend.moderation.modlog.read
        kept = yield defer.Deferred.fromCoroutine(read("TEA", MODLOG_KEEP))
        self.assertEqual(kept, more)
        newest = yield defer.Deferred.fromCoroutine(read("tea", 2))
        self.assertEqual([e.target for e in newest], [f"limit={n}" for n in (199, 200)])
        server = yield defer.Deferred.fromCoroutine(read(SERVER_LOG, 10))
        self.assertEqual([e.action for e in server], [ModAction.KILL])
        yield self.applied(recorded("gone", first))
        gone = yield defer.Deferred.fromCoroutine(read("gone", 10))
        self.assertEqual(gone, [])

    @defer.inlineCallbacks
    def test_a_kick_is_in_the_rooms_log(self) -> Generator[Any, Any, None]:
        """The owner's ``/kick`` reaches ``/modlog`` in the one change the
        core hands the back-end: the kick's entry rides in the room's
        moderation change, with no change of the log of its own."""
        alice, _ = yield self.in_room("tea", "alice", "bob")
        table = cast(Any, self.server.registry).backend._appliers
        kept, handed = dict(table), []

        def spied(apply: Any) -> Any:
            async def applying(change: DecidedChange, *args: Any) -> None:
                handed.append(change)
                await apply(change, *args)

            return applying

        table.update({kind: spied(apply) for kind, apply in kept.items()})
        self.addCleanup(table.update, kept)
        alice.say("/kick bob enough")
        yield self.expect(alice, "KICK tea bob")
        alice.say("/modlog")
        line = yield self.expect(alice, "MODLOG tea")
        self.assertRegex(line, r"^MODLOG tea \S+ alice kick bob enough$")
        self.assertEqual([type(c.subject) for c in handed], [RoomModeration])
        (recorded_entries,) = handed[0].of(RecordEntries)
        self.assertEqual(
            [(e.action, e.target) for e in recorded_entries.entries],
            [(ModAction.KICK, "bob")],
        )

    def take(self, token: str) -> defer.Deferred[bytes | None]:
        users = cast(Any, self.server.registry).users
        return defer.Deferred.fromCoroutine(users.take_export(token))

    @defer.inlineCallbacks
    def test_an_export_is_taken_once(self) -> Generator[Any, Any, None]:
        """An export kept is read as kept and handed out once; a second
        taking, and a taking of a token never kept, get nothing."""
        now = self.server.clock.seconds()
        yield self.applied(kept_export("tok", b"[1]", now + EXPORT_TTL))
        kept = yield defer.Deferred.fromCoroutine(
            self.backend.accounts.user_data.export("tok")
        )
        self.assertEqual(kept, (b"[1]", now + EXPORT_TTL))
        self.assertEqual((yield self.take("tok")), b"[1]")
        self.assertIsNone((yield self.take("tok")))
        self.assertIsNone((yield self.take("never")))

    @defer.inlineCallbacks
    def test_an_export_taken_meanwhile_is_not_taken_again(
        self,
    ) -> Generator[Any, Any, None]:
        """Two takings read the export; the first to drop it hands it out,
        the other's change refuses naming :class:`ExportKept` (nothing
        done), and the core hands out nothing."""
        now = self.server.clock.seconds()
        yield self.applied(kept_export("tok", b"[1]", now + EXPORT_TTL))
        yield self.applied(taken_export("tok"))
        with self.assertRaises(PremiseFailedError) as refused:
            yield self.applied(taken_export("tok"))
        self.assertIsInstance(refused.exception.premise, ExportKept)
        self.assertIsNone((yield self.take("tok")))

    @defer.inlineCallbacks
    def test_an_export_past_its_deadline_is_not_handed_out(
        self,
    ) -> Generator[Any, Any, None]:
        """An export whose deadline (the core's clock) has come is not
        handed out, and is gone."""
        now = self.server.clock.seconds()
        yield self.applied(kept_export("late", b"[2]", now))
        self.assertIsNone((yield self.take("late")))
        gone = yield defer.Deferred.fromCoroutine(
            self.backend.accounts.user_data.export("late")
        )
        self.assertIsNone(gone)

    @defer.inlineCallbacks
    def test_upload_tokens_given_and_revoked(self) -> Generator[Any, Any, None]:
        """A token given to an account names it at this node; revoking the
        account's tokens ends each of them, and no other account's."""
        until = self.server.clock.seconds() + 60
        for token, account in (("a1", "alice"), ("a2", "alice"), ("b1", "bob")):
            issued = IssueToken(token, until)
            yield self.applied(
                DecidedChange(AccountUploadTokens(account), (), (issued,))
            )
        tokens = self.backend.accounts.upload_tokens
        holders = []
        for token in ("a1", "a2", "b1", "nobodys"):
            holders.append((yield defer.Deferred.fromCoroutine(tokens.account(token))))
        self.assertEqual(holders, ["alice", "alice", "bob", None])
        revoked = DecidedChange(AccountUploadTokens("alice"), (), (RevokeTokens(),))
        yield self.applied(revoked)
        holders = []
        for token in ("a1", "a2", "b1"):
            holders.append((yield defer.Deferred.fromCoroutine(tokens.account(token))))
        self.assertEqual(holders, [None, None, "bob"])

    @defer.inlineCallbacks
    def test_every_subscription_of_an_account_dropped(
        self,
    ) -> Generator[Any, Any, None]:
        """Dropping an account's subscriptions forgets each of them, and
        no other account's; the account may subscribe again."""
        for account, endpoint in (
            ("alice", "https://push.test/a1"),
            ("alice", "https://push.test/a2"),
            ("bob", "https://push.test/b1"),
        ):
            added = AddSubscription(Subscription(endpoint, "key", "auth"))
            yield self.applied(DecidedChange(AccountPush(account), (), (added,)))
        yield self.applied(dropped("alice"))
        kept = yield defer.Deferred.fromCoroutine(
            self.backend.accounts.push.of(["alice", "bob"])
        )
        self.assertEqual(
            {a: [s.endpoint for s in subs] for a, subs in kept.items()},
            {"bob": ["https://push.test/b1"]},
        )
        again = AddSubscription(Subscription("https://push.test/a3", "key", "auth"))
        yield self.applied(DecidedChange(AccountPush("alice"), (), (again,)))
        kept = yield defer.Deferred.fromCoroutine(
            self.backend.accounts.push.of(["alice"])
        )
        self.assertEqual([s.endpoint for s in kept["alice"]], ["https://push.test/a3"])

    @defer.inlineCallbacks
    def test_a_names_past_holders_newest_first(self) -> Generator[Any, Any, None]:
        """Departures kept under a name's key are recalled newest first, as
        many as asked, and under no other name."""
        for n, (nick, key) in enumerate(
            (("Dave", "dave"), ("DAVE", "dave"), ("eve", "eve"))
        ):
            gone = Departed(nick, f"u{n}", f"real {n}", 1000.0 + n)
            change = DecidedChange(NameHolders(key), (), (RememberGone(gone),))
            yield self.applied(change)
        recall = self.backend.server.whowas.recall
        both = yield defer.Deferred.fromCoroutine(recall("dave", 5))
        self.assertEqual([g.nick for g in both], ["DAVE", "Dave"])
        self.assertEqual(both[0], Departed("DAVE", "u1", "real 1", 1001.0))
        one = yield defer.Deferred.fromCoroutine(recall("dave", 1))
        self.assertEqual([g.nick for g in one], ["DAVE"])
        none = yield defer.Deferred.fromCoroutine(recall("frank", 5))
        self.assertEqual(none, [])
