"""Profiles, run against every registry: ``/profile`` at the line door.

With the in-process registry (``tests/backends/local/test_profiles.py``)
and with a real ``redis-server`` (``tests/backends/redis/test_profiles.py``):
an account's display name, pronouns, status and avatar, what its rooms'
``rich`` members hear of a change, and what is refused.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.accounts.files import FileRecord, FileService
from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.account import PASSWORD
from tests.backends.contracts.handler import ContractBase, User
from tests.support import FakeClient

#: Where the tests' server says it is (its uploads' address).
HERE = "http://chat.example"


def profiles_config() -> ServerConfig:
    """Uploads on, in a directory of their own (the avatars)."""
    return ServerConfig(rate=0, files_dir=tempfile.mkdtemp())


class ProfilesContract(ContractBase):
    """alice (an account, ``rich``), bob (``rich``) and carol (plain) in general."""

    @property
    def files(self) -> FileService:
        files = self.server.registry.files
        assert files is not None
        return files

    @defer.inlineCallbacks
    def picture(self, kind: str = "image/png") -> Generator[Any, Any, FileRecord]:
        """A file alice uploaded (what ``POST /upload`` does with its body)."""
        self.addCleanup(shutil.rmtree, self.files.directory.path, True)
        self.files.upload_url = f"{HERE}/upload"
        spool = self.files.directory.spool()
        spool.write(b"picture")
        try:
            record = yield defer.ensureDeferred(
                self.files.accept("alice", spool, "me.png", kind)
            )
        finally:
            spool.discard()
        return record

    @defer.inlineCallbacks
    def in_general(self, name: str, rich: bool) -> Generator[Any, Any, User]:
        user = yield self.connect(name)
        if rich:
            user.say("/caps rich")
            yield self.expect(user, "CAPS")
        user.say("/join general")
        yield self.expect(user, "MEMBERS general")
        return user

    @defer.inlineCallbacks
    def test_a_profile_is_set_shown_and_heard(self) -> Generator[Any, Any, None]:
        """alice sets a display name: she is answered, bob (``rich``)
        hears it, carol does not; anyone reads it back with ``/profile
        alice``, another device of alice's too; unset, it is gone."""
        alice = yield self.in_general("alice", rich=True)
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED")
        bob = yield self.in_general("bob", rich=True)
        carol = yield self.in_general("carol", rich=False)
        alice.say("/profile set display-name  Alice Liddell ")
        said = "PROFILE alice display-name Alice Liddell"
        self.assertEqual((yield self.expect(alice, "PROFILE ")), said)
        self.assertEqual((yield self.expect(bob, "PROFILE ")), said)
        alice.say("/profile set pronouns she/her")
        yield self.expect(alice, "PROFILE alice pronouns")
        yield self.expect(bob, "PROFILE alice pronouns")
        carol.say("/profile alice")
        self.assertEqual((yield self.expect(carol, "PROFILE ")), said)
        self.assertEqual(
            (yield self.expect(carol, "PROFILE ")), "PROFILE alice pronouns she/her"
        )
        self.assertEqual(
            (yield self.expect(carol, "PROFILE_END")), "PROFILE_END alice 2"
        )
        self.assertIsNone(carol.take("PROFILE alice display-name"))  # never heard live
        phone = User(FakeClient(self.server))
        phone.say(f"/login alice {PASSWORD}")
        yield self.expect(phone, "WELCOME alice")
        phone.say("/profile")
        self.assertEqual((yield self.expect(phone, "PROFILE ")), said)
        yield self.expect(phone, "PROFILE_END alice 2")
        phone.say("/profile unset display-name")
        unset = "PROFILE alice display-name"
        self.assertEqual((yield self.expect(phone, "PROFILE ")), unset)
        self.assertEqual((yield self.expect(bob, "PROFILE ")), unset)
        bob.say("/profile ALICE")
        self.assertEqual(
            (yield self.expect(bob, "PROFILE ")), "PROFILE ALICE pronouns she/her"
        )
        self.assertEqual((yield self.expect(bob, "PROFILE_END")), "PROFILE_END ALICE 1")
        bob.say("/profile nobody")
        self.assertEqual((yield self.expect(bob, "PROFILE")), "PROFILE_END nobody 0")

    @defer.inlineCallbacks
    def test_what_is_refused(self) -> Generator[Any, Any, None]:
        """A key no key can be, a value too long or of two lines, and
        ``set`` without a value are refused, and nobody hears of them."""
        alice = yield self.in_general("alice", rich=True)
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED")
        bob = yield self.in_general("bob", rich=True)
        yield self.refusal(alice, "/profile set colour! red", "BAD_ARGS")
        yield self.refusal(alice, "/profile set display-name " + "a" * 65, "BAD_ARGS")
        yield self.refusal(alice, "/profile set status a\x07b", "BAD_ARGS")
        yield self.refusal(alice, "/profile set status", "BAD_ARGS")
        alice.say("/profile set status " + "é" * 200)
        yield self.expect(alice, "PROFILE alice status é")
        self.assertEqual(bob.take("PROFILE alice status é") is not None, True)
        self.assertIsNone(bob.take("PROFILE alice display-name"))
        self.assertIsNone(bob.take("PROFILE alice colour"))

    @defer.inlineCallbacks
    def test_signing_up_keeps_the_profile_with_the_account(
        self,
    ) -> Generator[Any, Any, None]:
        """bob sets his display name as a plain name, registers and sets it
        again: the account's is the one shown, once, and stays after he
        signs in again."""
        bob = yield self.in_general("bob", rich=True)
        bob.say("/profile set display-name Bobby")
        yield self.expect(bob, "PROFILE bob display-name Bobby")
        bob.say(f"/register {PASSWORD}")
        yield self.expect(bob, "REGISTERED")
        bob.say("/profile set display-name Robert")
        yield self.expect(bob, "PROFILE bob display-name Robert")
        bob.say("/profile")
        self.assertEqual(
            (yield self.expect(bob, "PROFILE bob ")), "PROFILE bob display-name Robert"
        )
        self.assertEqual((yield self.expect(bob, "PROFILE_END")), "PROFILE_END bob 1")

    @defer.inlineCallbacks
    def test_a_plain_name_keeps_its_profile_with_its_session(
        self,
    ) -> Generator[Any, Any, None]:
        """bob, no account, sets his status and a key of his own: alice
        hears both and reads them back; once bob's session ends, the next
        bob has none."""
        alice = yield self.in_general("alice", rich=True)
        bob = yield self.in_general("bob", rich=True)
        bob.say("/profile set status hello")
        yield self.expect(bob, "PROFILE bob status hello")
        bob.say("/profile set colour red")
        yield self.expect(bob, "PROFILE bob colour red")
        yield self.expect(alice, "PROFILE bob status hello")
        yield self.expect(alice, "PROFILE bob colour red")
        alice.say("/profile bob")
        yield self.expect(alice, "PROFILE_END bob 2")
        bob.say("/quit")
        yield self.wait()
        bob = yield self.in_general("bob", rich=True)
        bob.say("/profile bob")
        self.assertEqual((yield self.expect(bob, "PROFILE")), "PROFILE_END bob 0")

    @defer.inlineCallbacks
    def test_an_avatar_is_a_picture_uploaded_here(self) -> Generator[Any, Any, None]:
        """An avatar must be the address of a picture this server keeps:
        another site's, an unknown file's, or a file that is no picture
        is refused; alice's uploaded picture is her avatar."""
        alice = yield self.in_general("alice", rich=True)
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED")
        record = yield self.picture()
        page = yield self.picture("text/html")
        own = f"{HERE}/files/{record.id}/me.png"
        for elsewhere in (
            "https://evil.example/cat.png",
            f"https://evil.example/files/{record.id}/me.png",
            f"{HERE}/files/{'x' * 16}/me.png",
            f"{HERE}/files/{page.id}/me.png",
        ):
            yield self.refusal(alice, f"/profile set avatar {elsewhere}", "BAD_ARGS")
        alice.say(f"/profile set avatar {own}")
        self.assertEqual(
            (yield self.expect(alice, "PROFILE ")), f"PROFILE alice avatar {own}"
        )
