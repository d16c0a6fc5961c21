"""``chatroom-admin restore --redis``'s checks that need no Redis: a backup
whose keys are not a chat's is refused before anything is loaded, a
chat's keys take the target layout's prefix whichever they came with, and
a room's keys with rooms apart are known as the chat's."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.backends.redis.dumpfile import (
    MAGIC,
    RECORD,
    Contents,
    check,
    patterns,
    unprefixed,
)
from chatroom.wiring.redisrestore import RestoreError, restore_redis
from tests.support import free_port


class RestoreChecksTests(unittest.TestCase):
    def backup(self, *keys: bytes) -> str:
        """A whole backup file of ``keys`` (their dumps are not looked at here)."""
        path = self.mktemp()
        with open(path, "wb") as file:
            file.write(MAGIC)
            for key in keys:
                file.write(RECORD.pack(len(key), 0, 1) + key + b"x")
            file.write(RECORD.pack(0, 0, len(keys)))
        return path

    def test_a_key_of_another_application_is_refused_first(self) -> None:
        """The file is read through before Redis is even asked: a Redis on
        a closed port is not what the operator is told about."""
        path = self.backup(b"chatroom:rooms", b"sessions:42")
        url = f"redis://127.0.0.1:{free_port()}/0"
        with self.assertRaises(RestoreError) as refused:
            restore_redis(path, url)
        self.assertEqual(
            str(refused.exception),
            f"{path}: a key under no chat prefix: b'sessions:42'",
        )

    def test_either_layouts_prefix_comes_off(self) -> None:
        self.assertEqual(unprefixed(b"chatroom:room:tea"), b"room:tea")
        self.assertEqual(unprefixed(b"{chatroom}:room:tea"), b"room:tea")

    def test_a_rooms_keys_under_their_own_tags_are_a_chats(self) -> None:
        """With rooms apart a room's keys (``{chatroom/r}:kind``) are the
        chat's too, and make the backup one of rooms apart; a backup
        scans for them only then."""
        together = self.backup(b"{chatroom}:rooms", b"{chatroom}:room:tea")
        self.assertEqual(check(together), Contents(2, rooms_apart=False))
        apart = self.backup(b"{chatroom}:rooms", b"{chatroom/tea}:history")
        self.assertEqual(check(apart), Contents(2, rooms_apart=True))
        self.assertEqual(patterns("{chatroom}:", False), [b"{chatroom}:*"])
        self.assertEqual(
            patterns("{chatroom}:", True), [b"{chatroom}:*", b"{chatroom/*"]
        )
