"""Profiles and channels' metadata at the IRC door: ``draft/metadata-2``'s
``METADATA``.

An account's metadata is its profile (display name, pronouns, status,
avatar), the one the line protocol's ``/profile`` and the web page show:
set at one door, it is read at the other. A plain name's, and any other
key, is kept with its session. A channel's is its room's, set by its
owner and operators. Real IRC sessions and a line session on
``StringTransport``, one server (and two nodes) on a ``task.Clock``, as in
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
        self, nick: str, password: str = "", door: int = 0, caps: str = CAPS
    ) -> tuple[IRCClient, list[str]]:
        """``nick`` with the capability (signed in with ``password`` if
        given) on the IRC door of server ``door``: the client and its
        welcome."""
        client = IRCClient(self.doors[door])
        client.send("CAP LS 302")
        if password:
            client.send(f"PASS {password}")
        client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", f"CAP REQ :{caps}")
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
            [":chatroom 761 alice alice display-name * :Alice Liddell"],
        )

    def test_set_before_connect(self) -> None:
        """``before-connect``: METADATA * SET before the welcome is answered
        to ``*`` and kept; GET reads it back; another target is refused;
        once registered, the welcome's batch has it and alice reads it."""
        client = IRCClient(self.doors[0])
        client.send("CAP LS 302", f"CAP REQ :{CAPS}")
        client.received()
        client.send("METADATA * SET display-name :Dora", "METADATA * SET color :teal")
        self.assertEqual(
            client.received(),
            [
                ":chatroom 761 * * display-name * :Dora",
                ":chatroom 761 * * color * :teal",
            ],
        )
        client.send("METADATA * SET color", "METADATA alice GET display-name")
        self.assertEqual(
            client.received(),
            [
                ":chatroom 766 * * color :key not set",
                ":chatroom FAIL METADATA KEY_NO_PERMISSION alice * :Not yet",
            ],
        )
        client.send("METADATA * GET display-name")
        self.assertEqual(
            batched(client.received()), [":chatroom 761 * * display-name * :Dora"]
        )
        client.send("NICK dora", "USER dora 0 * :dora", "CAP END")
        self.assertEqual(
            batched(client.received()),
            [":chatroom 761 dora dora display-name * :Dora"],
        )
        self.alice.send("METADATA dora GET display-name color")
        self.assertEqual(
            batched(self.alice.received()),
            [
                ":chatroom 761 alice dora display-name * :Dora",
                ":chatroom 766 alice dora color :key not set",
            ],
        )

    def test_offered_under_both_names(self) -> None:
        """``CAP LS`` offers ``draft/metadata-2`` and ``draft/metadata-3``
        with the same limits; a client that took ``draft/metadata-3`` sets,
        reads and is told of changes as one with ``draft/metadata-2``."""
        client = IRCClient(self.doors[0])
        client.send("CAP LS 302")
        offered = dict(
            cap.partition("=")[::2]
            for line in client.received()
            for cap in line.partition(" :")[2].split()
        )
        limits = "before-connect,max-subs=10,max-keys=20,max-value-bytes="
        self.assertTrue(offered["draft/metadata-2"].startswith(limits), offered)
        self.assertEqual(offered["draft/metadata-3"], offered["draft/metadata-2"])
        dora, _ = self.connected("dora", caps="draft/metadata-3 batch")
        dora.send("JOIN #tea", "METADATA * SUB display-name")
        self.assertIn(":chatroom 770 dora :display-name", dora.received())
        self.alice.send("METADATA * SET pronouns :she/her")
        self.alice.received()
        dora.send("METADATA alice GET pronouns")
        self.assertEqual(
            batched(dora.received()), [":chatroom 761 dora alice pronouns * :she/her"]
        )
        self.alice.send("METADATA * SET display-name :Alice")
        self.assertEqual(
            dora.received(), [":chatroom 761 * alice display-name * :Alice"]
        )

    def test_set_get_list_and_unset(self) -> None:
        """SET answers 761 (``*`` answered as the nick); GET answers each
        key in order in a batch (766 for one not set, a FAIL for one no key
        can be); LIST the keys set; SET without a value unsets (766), and
        again is KEY_NOT_SET."""
        self.alice.send("METADATA * SET display-name :Alice Liddell")
        self.assertEqual(
            self.alice.received(),
            [":chatroom 761 alice alice display-name * :Alice Liddell"],
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
                ":chatroom 761 alice alice display-name * :Alice Liddell",
                ":chatroom 761 alice alice pronouns * :she/her",
            ],
        )
        self.alice.send("METADATA * SET pronouns")
        self.assertEqual(
            self.alice.received(), [":chatroom 766 alice alice pronouns :key not set"]
        )
        self.alice.send("METADATA * SET pronouns")
        self.assertEqual(
            self.alice.received(),
            [":chatroom FAIL METADATA KEY_NOT_SET pronouns :Key not set"],
        )

    def test_what_is_refused(self) -> None:
        """Nobody sets another's; a value too long is refused; a nick
        nobody holds is no target, a channel one is not in (or that is
        not) is not one's to read; none of it is heard."""
        self.carol.send("METADATA alice SET display-name :Not Alice")
        self.assertEqual(
            self.carol.received(),
            [
                ":chatroom FAIL METADATA KEY_NO_PERMISSION alice display-name "
                ":Not yours to set"
            ],
        )
        self.alice.send("METADATA * SET display-name :" + "abcd" * 120)
        self.assertIn(
            "FAIL METADATA INVALID_VALUE display-name", self.alice.received()[0]
        )
        self.carol.send("METADATA nobody LIST")
        self.assertEqual(
            self.carol.received(),
            [":chatroom FAIL METADATA INVALID_TARGET nobody :Invalid target"],
        )
        self.alice.send("JOIN #coffee")
        self.alice.received()
        for target in ("#coffee", "#nowhere"):
            self.carol.send(f"METADATA {target} LIST")
            self.assertEqual(
                self.carol.received(),
                [f":chatroom FAIL METADATA KEY_NO_PERMISSION {target} * :Not a member"],
            )
        self.assertEqual(self.bob.received(), [])

    def test_a_plain_name_keeps_metadata_with_its_session(self) -> None:
        """carol (no account) sets her display name and a key of her own:
        alice reads them with GET and LIST and sees them in WHOIS (760);
        once carol's session ends they are gone, and the next carol's
        welcome has none."""
        self.carol.send(
            "METADATA * SET display-name :Carol", "METADATA * SET color :#c90076"
        )
        self.assertEqual(
            self.carol.received(),
            [
                ":chatroom 761 carol carol display-name * :Carol",
                ":chatroom 761 carol carol color * :#c90076",
            ],
        )
        self.alice.send("METADATA carol LIST")
        self.assertEqual(
            batched(self.alice.received()),
            [
                ":chatroom 761 alice carol display-name * :Carol",
                ":chatroom 761 alice carol color * :#c90076",
            ],
        )
        self.alice.send("WHOIS carol")
        whois = [line for line in self.alice.received() if " 760 " in line]
        self.assertEqual(
            whois,
            [
                ":chatroom 760 alice carol display-name * :Carol",
                ":chatroom 760 alice carol color * :#c90076",
            ],
        )
        self.carol.send("QUIT")
        self.alice.received()
        _, welcome = self.connected("carol")
        self.assertEqual(batched(welcome), [])
        self.alice.send("METADATA carol GET display-name")
        self.assertEqual(
            batched(self.alice.received()),
            [":chatroom 766 alice carol display-name :key not set"],
        )

    def test_a_plain_names_metadata_on_the_other_node(self) -> None:
        """carol's metadata, set on the first node, is read on the last
        (on two nodes, the other), and still after she changes her nick."""
        dave, _ = self.connected("dave", door=-1)
        self.carol.send("METADATA * SET pronouns :she/her")
        self.carol.received()
        dave.send("METADATA carol GET pronouns")
        self.assertEqual(
            batched(dave.received()),
            [":chatroom 761 dave carol pronouns * :she/her"],
        )
        self.carol.send("NICK caroline")
        self.carol.received()
        dave.send("METADATA caroline GET pronouns")
        self.assertEqual(
            batched(dave.received()),
            [":chatroom 761 dave caroline pronouns * :she/her"],
        )

    def test_a_channels_metadata(self) -> None:
        """dora makes #cake (its owner) and sets its metadata (761); carol,
        a member who is no operator, may not (KEY_NO_PERMISSION) but reads
        it; alice, subscribed, is told of a change (761 to ``*``) and gets
        it in a batch when she joins; CLEAR is a batch of 766; a rename
        takes it along."""
        dora, _ = self.connected("dora", caps=CAPS + " draft/channel-rename")
        dora.send("JOIN #cake")
        self.carol.send("JOIN #cake")
        dora.send("METADATA #cake SET display-name :Cake Room")
        self.assertIn(
            ":chatroom 761 dora #cake display-name * :Cake Room", dora.received()
        )
        self.carol.received()
        self.carol.send("METADATA #cake SET display-name :Pie Room")
        self.assertEqual(
            self.carol.received(),
            [
                ":chatroom FAIL METADATA KEY_NO_PERMISSION #cake display-name "
                ":only the owner and operators of cake can /metadata"
            ],
        )
        self.carol.send("METADATA #cake GET display-name")
        self.assertEqual(
            batched(self.carol.received()),
            [":chatroom 761 carol #cake display-name * :Cake Room"],
        )
        self.alice.send("METADATA * SUB display-name avatar", "JOIN #cake")
        self.assertEqual(
            batched(self.alice.received()[2:]),
            [":chatroom 761 * #cake display-name * :Cake Room"],
        )
        dora.received()
        self.carol.received()
        dora.send("METADATA #cake SET avatar :https://example.com/cake.png")
        self.assertEqual(
            self.alice.received(),
            [":chatroom 761 * #cake avatar * :https://example.com/cake.png"],
        )
        self.assertEqual(self.carol.received(), [])  # not subscribed
        dora.received()
        dora.send("RENAME #cake #pie :fresh")
        dora.received()
        self.alice.received()
        self.carol.received()
        dora.send("METADATA #pie CLEAR")
        self.assertEqual(
            sorted(batched(dora.received())),
            [
                ":chatroom 766 dora #pie avatar :key not set",
                ":chatroom 766 dora #pie display-name :key not set",
            ],
        )
        self.assertEqual(
            sorted(self.alice.received()),
            [
                ":chatroom 766 * #pie avatar :key not set",
                ":chatroom 766 * #pie display-name :key not set",
            ],
        )

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
            [":chatroom 761 alice alice display-name * :Alice Liddell"],
        )

    def test_subscribers_are_told_of_changes(self) -> None:
        """carol subscribes to display-name (770; SUBS lists it): alice's
        change of it reaches her as 761 and 766, set and unset; a key she did
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
                ":chatroom 761 * alice display-name * :Alice",
                ":chatroom 766 * alice display-name :key not set",
            ],
        )
        self.carol.send("METADATA alice SYNC")
        self.assertEqual(batched(self.carol.received()), [])
        self.carol.send("METADATA * UNSUB display-name")
        self.assertEqual(self.carol.received(), [":chatroom 771 carol :display-name"])
        self.alice.send("METADATA * SET display-name :Alice")
        self.assertEqual(self.carol.received(), [])
