"""Look-alike names: UTS #39 skeletons in the name key, mixed scripts refused,
and a ``--db`` file written before brought up to today's keys."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from twisted.internet.defer import Deferred, ensureDeferred, succeed
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.store import SqliteStore
from chatroom.core.accounts.accounts import HASHER
from chatroom.core.model.facts import RoomPolicy
from chatroom.core.model.text import current_mask, is_valid_name, name_key
from tests.support import account_service


def in_place(function: Callable[[], Any]) -> Deferred[Any]:
    return succeed(function())


class SkeletonTests(unittest.TestCase):
    """Pairs from Unicode's confusables data share a key."""

    def test_look_alikes_share_a_key(self) -> None:
        """Cyrillic о and а, Greek ο, Ukrainian і, Latin ɑ, the digits 0
        and 1, and rn for m: each name has its look-alike's key."""
        for name, twin in (
            ("rооt", "root"),
            ("rοot", "root"),
            ("аlicia", "alicia"),
            ("alicіa", "alicia"),
            ("ɑlicia", "alicia"),
            ("gеneral", "general"),
            ("r00t", "root"),
            ("a1icia", "alicia"),
            ("rnallory", "mallory"),
            ("ＲＯＯＴ", "root"),
        ):
            self.assertEqual(name_key(name), name_key(twin), name)

    def test_keys_stay_readable(self) -> None:
        """Keys of plain names are the names folded (users see them in
        masks): ``m`` stays ``m``, case folds as before."""
        for name, key in (("Emma", "emma"), ("Straße", "strasse"), ("Zoë", "zoë")):
            self.assertEqual(name_key(name), key)

    def test_different_names_stay_different(self) -> None:
        """Names that do not look alike keep different keys."""
        self.assertNotEqual(name_key("alice"), name_key("alicia"))
        self.assertNotEqual(name_key("root"), name_key("roots"))

    @given(st.text(max_size=12))
    def test_a_key_is_its_own_key(self, name: str) -> None:
        """``name_key`` of a key is the key: a key stored before skeletons
        is brought up to date by ``name_key`` of it, and once only."""
        key = name_key(name)
        self.assertEqual(name_key(key), key)


class ScriptMixingTests(unittest.TestCase):
    """UTS #39's highly restrictive profile decides which mixes are names."""

    def test_mixed_scripts_are_not_names(self) -> None:
        """Latin with a Cyrillic or Greek letter is refused."""
        for name in ("rооt", "rοot", "аlicia", "alicіa", "gеneral", "paypаl"):
            self.assertFalse(is_valid_name(name), name)

    def test_one_script_and_cjk_mixes_are_names(self) -> None:
        """One script (Cyrillic, Greek, Latin with ɑ) or Latin with Han,
        Kana or Hangul, and digits, are names."""
        for name in (
            "иван",
            "Ελληνικά",
            "ɑlicia",
            "李alice",
            "日本語テキスト",
            "한국어abc",
        ):
            self.assertTrue(is_valid_name(name), name)


class MigrationTests(unittest.TestCase):
    """A ``--db`` file with keys from before skeletons, opened today."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.db")
        SqliteStore(self.path, Clock(), in_place, 100).db.close()  # the schema
        policy = json.dumps(
            {"keep": True, "owner_account": "b0b", "bans": ["name:r00t"]}
        )
        with sqlite3.connect(self.path) as db:
            db.executemany(
                "INSERT INTO accounts (key, name, hash) VALUES (?, ?, ?)",
                [
                    ("b0b", "b0b", HASHER.hash("password-of-b0b")),
                    ("bob", "bob", HASHER.hash("password-of-bob")),
                    ("a1ice", "A1ice", HASHER.hash("password-of-alice")),
                ],
            )
            db.execute(
                "INSERT INTO rooms (key, name, owner, permanent, topic, topic_by, "
                "created, policy) VALUES ('r00m', 'R00m', '', 0, '', '', 1, ?)",
                (policy,),
            )
            db.execute("INSERT INTO ids VALUES ('r00m', 2)")
            db.executemany(
                "INSERT INTO events (room, id, kind, user, stamp, text, at)"
                " VALUES ('r00m', ?, 'MSG', 'b0b', 's', ?, 0)",
                [(1, "first"), (2, "second")],
            )
            db.execute("INSERT INTO server_bans VALUES ('account:ma11ory')")
        db.close()

    def test_keys_are_rewritten_once(self) -> None:
        """Accounts, rooms with their history and counters, server bans
        and room policies come back under today's keys; the account that
        now shares its key with an older one stays out of reach."""
        store = SqliteStore(self.path, Clock(), in_place, 100)
        self.addCleanup(store.db.close)
        loaded = store.load_accounts()
        self.assertEqual(
            sorted(key for key, _, _ in loaded.accounts), ["alice", "b0b", "bob"]
        )
        self.assertEqual(loaded.server_bans, ["account:mallory"])
        rooms = store.load(10)
        (room,) = rooms.rooms
        self.assertEqual((room.key, room.name), ("room", "R00m"))
        self.assertEqual([row[4] for row in room.recent], ["first", "second"])
        self.assertEqual(rooms.last_ids, {"room": 2})
        policy = RoomPolicy.from_json(room.policy)
        self.assertEqual((policy.owner_account, policy.bans), ("bob", ("name:root",)))
        accounts = account_service(StoredAccounts(store), Clock(), in_place)
        signed_in = ensureDeferred(accounts.sign_in("A1ICE", "password-of-alice", "x"))
        self.assertEqual(self.successResultOf(signed_in).name, "A1ice")

    def test_masks(self) -> None:
        """A mask keeps its kind and session; only the key changes."""
        self.assertEqual(current_mask("name:r00t@s1"), "name:root@s1")
        self.assertEqual(current_mask("account:emma"), "account:emma")
