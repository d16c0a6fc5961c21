"""Profiles at the IRC door: ``draft/metadata-2``'s ``METADATA``.

A user's metadata is its account's profile (display name, pronouns,
status, avatar), the one the line protocol's ``/profile`` and the web page
show: set at one door, it is read at the other. Real IRC sessions and a
line session on ``StringTransport``, one server on a ``task.Clock``, as in
:mod:`tests.doors.irc.test_irc_moderation`.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.doors.irc.test_ircv3 import untagged
from tests.support import FakeClient

CAPS = "draft/metadata-2 batch"


def batched(lines: list[str], kind: str = "metadata") -> list[str]:
    """The lines inside the first batch of ``kind``, untagged, after
    checking it opens and closes."""
    opening = next(i for i, line in enumerate(lines) if " BATCH +" in line)
    ref = lines[opening].split()[2][1:]
    assert lines[opening].split()[3] == kind, lines[opening]
    closing = lines.index(f":chatroom BATCH -{ref}")
    inside = lines[opening + 1 : closing]
    assert all(line.startswith(f"@batch={ref} ") for line in inside), inside
    return [untagged(line) for line in inside]


class IRCMetadataTests(AccountsCase):
    """alice (an account) and carol (a plain name) at IRC with the
    capability, bob (an account) at the line door with ``/caps rich``."""

    def connected(
        self, nick: str, password: str = "", door: int = 0
    ) -> tuple[IRCClient, list[str]]:
        """``nick`` with the capability (signed in with ``password`` if
        given) on the IRC door of server ``door``: the client and its
        welcome."""
        client = IRCClient(self.doors[door])
        client.send("CAP LS 302")
        if password:
            client.send(f"PASS {password}")
        client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", f"CAP REQ :{CAPS}")
        client.received()
        client.send("CAP END")
        return client, client.received()

    def setUp(self) -> None:
        super().setUp()
        self.account("alice")
        self.account("bob")
        self.alice, self.welcome = self.connected("alice", PASSWORD)
        self.carol, _ = self.connected("carol")
        self.bob = FakeClient(self.server)
        for line in ("bob", f"/login bob {PASSWORD}", "/caps rich", "/create tea"):
            self.bob.send(line)
        for client in (self.alice, self.carol):
            client.send("JOIN #tea")
        for client in (self.alice, self.carol):
            client.received()
        self.bob.received()

    def test_the_welcome_has_the_users_own_metadata(self) -> None:
        """The burst has a metadata batch before the MOTD: empty at first;
        after alice set her display name, her next connection's has it."""
        commands = [untagged(line).split()[1] for line in self.welcome]
        self.assertLess(commands.index("BATCH"), commands.index("375"))
        self.assertEqual(batched(self.welcome), [])
        self.alice.send("METADATA * SET display-name :Alice Liddell")
        self.alice.received()
        _, welcome = self.connected("alice", PASSWORD)
        self.assertEqual(
            batched(welcome),
            [":chatroom METADATA alice display-name * :Alice Liddell"],
        )

    def test_set_get_list_and_unset(self) -> None:
        """SET answers 761; GET answers each key in order in a batch (766
        for one not set, a FAIL for one no key can be); LIST the keys set;
        SET without a value unsets (766), and again is KEY_NOT_SET."""
        self.alice.send("METADATA * SET display-name :Alice Liddell")
        self.assertEqual(
            self.alice.received(),
            [":chatroom 761 alice * display-name * :Alice Liddell"],
        )
        self.alice.send("METADATA alice GET display-name pronouns Bad!")
        self.assertEqual(
            batched(self.alice.received()),
            [
                ":chatroom 761 alice alice display-name * :Alice Liddell",
                ":chatroom 766 alice alice pronouns :key not set",
                ":chatroom FAIL METADATA KEY_INVALID Bad! :Invalid key",
            ],
        )
        self.alice.send("METADATA * SET pronouns :she/her", "METADATA * LIST")
        lines = self.alice.received()
        self.assertEqual(
            batched(lines),
            [
                ":chatroom 761 alice * display-name * :Alice Liddell",
                ":chatroom 761 alice * pronouns * :she/her",
            ],
        )
        self.alice.send("METADATA * SET pronouns")
        self.assertEqual(
            self.alice.received(), [":chatroom 766 alice * pronouns :key not set"]
        )
        self.alice.send("METADATA * SET pronouns")
        self.assertEqual(
            self.alice.received(),
            [":chatroom FAIL METADATA KEY_NOT_SET pronouns :Key not set"],
        )

    def test_what_is_refused(self) -> None:
        """A plain name keeps no metadata; nobody sets another's; a key a
        profile does not have, or a value too long, is refused; a nick
        nobody holds and a channel are no target; none of it is heard."""
        self.carol.send("METADATA * SET status :hello")
        self.assertEqual(
            self.carol.received(),
            [
                ":chatroom FAIL METADATA KEY_NO_PERMISSION status "
                ":only accounts keep a profile: /register PASSWORD"
            ],
        )
        self.carol.send("METADATA alice SET display-name :Not Alice")
        self.assertEqual(
            self.carol.received(),
            [
                ":chatroom FAIL METADATA KEY_NO_PERMISSION alice display-name "
                ":Not yours to set"
            ],
        )
        self.alice.send("METADATA * SET color :#c90076")
        self.assertIn("KEY_NO_PERMISSION * color", self.alice.received()[0])
        self.alice.send("METADATA * SET display-name :" + "abcd" * 120)
        self.assertIn(
            "FAIL METADATA INVALID_VALUE display-name", self.alice.received()[0]
        )
        for target in ("nobody", "#tea"):
            self.carol.send(f"METADATA {target} LIST")
            self.assertEqual(
                self.carol.received(),
                [f":chatroom FAIL METADATA INVALID_TARGET {target} :Invalid target"],
            )
        self.assertEqual(self.bob.received(), [])

    def test_one_door_sets_the_other_reads(self) -> None:
        """bob's /profile at the line door is what METADATA GET answers at
        IRC; alice's METADATA SET is what /profile alice shows."""
        self.bob.send("/profile set display-name Bob the Builder")
        self.bob.received()
        self.carol.send("METADATA bob GET display-name")
        self.assertEqual(
            batched(self.carol.received()),
            [":chatroom 761 carol bob display-name * :Bob the Builder"],
        )
        self.alice.send("METADATA * SET status :gone fishing")
        self.bob.send("/profile alice")
        self.assertEqual(
            self.bob.received(),
            [
                "PROFILE alice status gone fishing",  # heard: rich, in tea
                "PROFILE alice status gone fishing",
                "PROFILE_END alice 1",
            ],
        )

    def test_set_on_one_node_read_on_the_other(self) -> None:
        """alice's METADATA SET on the first node is answered by METADATA
        GET on the last (on two nodes, the other) and reaches erin, a
        ``rich`` line user in tea there, as PROFILE; alice's next
        connection there has it in its welcome."""
        dave, _ = self.connected("dave", door=-1)
        erin = FakeClient(self.servers[-1])
        for line in ("erin", "/caps rich", "/join tea"):
            erin.send(line)
        self.assertIn("MEMBERS tea bob alice carol erin", erin.received())
        self.alice.send("METADATA * SET display-name :Alice Liddell")
        self.alice.received()
        self.assertEqual(erin.received(), ["PROFILE alice display-name Alice Liddell"])
        dave.send("METADATA alice GET display-name")
        self.assertEqual(
            batched(dave.received()),
            [":chatroom 761 dave alice display-name * :Alice Liddell"],
        )
        erin.send("/profile alice")
        self.assertEqual(
            erin.received(),
            ["PROFILE alice display-name Alice Liddell", "PROFILE_END alice 1"],
        )
        _, welcome = self.connected("alice", PASSWORD, door=-1)
        self.assertEqual(
            batched(welcome),
            [":chatroom METADATA alice display-name * :Alice Liddell"],
        )

    def test_subscribers_are_told_of_changes(self) -> None:
        """carol subscribes to display-name (770; SUBS lists it): alice's
        change of it reaches her as METADATA, set and unset; a key she did
        not subscribe to does not; after UNSUB (771), nothing does."""
        self.carol.send("METADATA * SUB display-name Bad!")
        self.assertEqual(
            self.carol.received(),
            [
                ":chatroom FAIL METADATA KEY_INVALID Bad! :Invalid key",
                ":chatroom 770 carol :display-name",
            ],
        )
        self.carol.send("METADATA * SUBS")
        self.assertEqual(
            batched(self.carol.received(), "metadata-subs"),
            [":chatroom 772 carol :display-name"],
        )
        self.alice.send(
            "METADATA * SET display-name :Alice",
            "METADATA * SET pronouns :she/her",
            "METADATA * SET display-name",
        )
        self.assertEqual(
            self.carol.received(),
            [
                ":chatroom METADATA alice display-name * :Alice",
                ":chatroom METADATA alice display-name *",
            ],
        )
        self.carol.send("METADATA alice SYNC")
        self.assertEqual(batched(self.carol.received()), [])
        self.carol.send("METADATA * UNSUB display-name")
        self.assertEqual(self.carol.received(), [":chatroom 771 carol :display-name"])
        self.alice.send("METADATA * SET display-name :Alice")
        self.assertEqual(self.carol.received(), [])
