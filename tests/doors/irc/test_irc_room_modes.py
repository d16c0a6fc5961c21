"""IRC's side of a room's member limit, voices and moderation.

``+l N``/``-l`` (``/set limit``), ``+v``/``-v`` (``/voice``, ``/devoice``)
and ``+m`` (``/set moderated``) on real IRC sessions and line sessions on
``StringTransport``, sharing one server on a ``task.Clock``: each test
checks the lines each kind of user really gets, both ways across the doors.
"""

from __future__ import annotations

from chatroom.core.model.config import ServerConfig
from tests.doors.irc.test_irc import IRCClient, IRCTestCase
from tests.support import FakeClient


class IRCRoomModesTests(IRCTestCase):
    """The modes as IRC users set them, see them and meet them."""

    config = ServerConfig(rate=0, room_capacity=10)

    def room(self) -> tuple[IRCClient, IRCClient, FakeClient]:
        """IRC alice owns #tea; IRC carol and line bob are in it."""
        alice, carol = self.irc("alice"), self.irc("carol")
        alice.send("JOIN #tea")
        carol.send("JOIN #tea")
        bob = self.line("bob", "tea")
        alice.received(), carol.received()
        return alice, carol, bob

    def test_limit_refuses_a_join_with_471(self) -> None:
        """``+l 3``: everyone sees ``MODE +l 3`` (line users ``SET``), 324
        shows it, the fourth joiner gets 471; ``-l`` lets them in."""
        alice, carol, bob = self.room()
        alice.send("MODE #tea +l 3")
        self.assertEqual(carol.received(), [":alice!alice@chatroom MODE #tea +l :3"])
        self.assertEqual(bob.received(), ["SET tea limit 3 alice"])
        alice.received()
        alice.send("MODE #tea")
        self.assertEqual(alice.received()[0], ":chatroom 324 alice #tea +nl :3")
        dave = self.irc("dave")
        dave.send("JOIN #tea")
        self.assertEqual(
            dave.received(),
            [":chatroom 471 dave #tea :Cannot join channel (+l): tea is full (3)"],
        )
        alice.send("MODE #tea -l")
        self.assertEqual(carol.received(), [":alice!alice@chatroom MODE #tea :-l"])
        dave.send("JOIN #tea")
        self.assertEqual(dave.received()[0], ":dave!dave@chatroom JOIN :#tea")

    def test_invalid_limits_are_696(self) -> None:
        """0, a negative, a word, nothing, or more than ``--room-capacity``:
        ``696`` naming the value, and nothing changes."""
        alice, carol, _ = self.room()
        for value in ("0", "-1", "abc", "11"):
            alice.send(f"MODE #tea +l {value}")
            line = alice.received()[0]
            self.assertTrue(
                line.startswith(f":chatroom 696 alice #tea l {value} :usage: "), line
            )
        alice.send("MODE #tea +l :")
        self.assertTrue(alice.received()[0].startswith(":chatroom 696 alice #tea l *"))
        alice.send("MODE #tea +l")
        self.assertEqual(alice.numerics(), ["461"])
        self.assertEqual(carol.received(), [])

    def test_moderated_room_is_404_without_a_voice(self) -> None:
        """``+m``: carol's message is 404 and reaches nobody; ``+v carol``
        lets it through; a line user without a voice gets ``ERR MODERATED``."""
        alice, carol, bob = self.room()
        alice.send("MODE #tea +m")
        self.assertEqual(carol.received(), [":alice!alice@chatroom MODE #tea :+m"])
        self.assertEqual(bob.received(), ["SET tea moderated on alice"])
        alice.received()
        carol.send("PRIVMSG #tea :hello?")
        self.assertEqual(
            carol.received(),
            [
                ":chatroom 404 carol #tea :Cannot send (+m): tea is moderated: "
                "only its operators and voiced members speak"
            ],
        )
        bob.send("me too?")
        self.assertTrue(bob.received()[0].startswith("ERR MODERATED tea is moderated"))
        self.assertEqual(alice.received(), [])
        alice.send("MODE #tea +v carol")
        self.assertEqual(
            carol.received(), [":alice!alice@chatroom MODE #tea +v :carol"]
        )
        self.assertEqual(bob.received(), ["VOICE tea carol alice"])
        carol.send("PRIVMSG #tea :thank you")
        self.assertEqual(
            alice.received()[-1], ":carol!carol@chatroom PRIVMSG #tea :thank you"
        )
        alice.send("MODE #tea")
        self.assertEqual(alice.received()[0], ":chatroom 324 alice #tea :+nm")

    def test_voice_prefixes_in_names_who_and_whois(self) -> None:
        """``+`` for a voice, ``@`` for the owner; ``@+`` for a voiced owner
        only with ``multi-prefix``; ``-v`` takes the ``+`` away."""
        alice, carol, _ = self.room()
        alice.send("MODE #tea +v carol", "MODE #tea +v alice")
        alice.received(), carol.received()
        alice.send("NAMES #tea")
        self.assertEqual(
            alice.received()[0], ":chatroom 353 alice = #tea :@alice +carol bob"
        )
        multi = IRCClient(self.factory)
        multi.send("CAP LS 302", "CAP REQ :multi-prefix", "NICK dave", "USER d 0 * :D")
        multi.send("CAP END")
        multi.received()
        multi.send("NAMES #tea")
        self.assertEqual(
            multi.received()[0], ":chatroom 353 dave = #tea :@+alice +carol bob"
        )
        multi.send("WHO #tea")
        flags = [line.split(" ")[8] for line in multi.received()[:-1]]
        self.assertEqual(flags, ["H@+", "H+", "H"])
        multi.send("WHOIS carol")
        self.assertIn(":chatroom 319 dave carol :+#tea", multi.received())
        alice.send("MODE #tea -v carol")
        self.assertEqual(
            carol.received(), [":alice!alice@chatroom MODE #tea -v :carol"]
        )
        alice.received()
        alice.send("NAMES #tea")
        self.assertEqual(
            alice.received()[0], ":chatroom 353 alice = #tea :@alice carol bob"
        )

    def test_only_operators_give_voices(self) -> None:
        """``+v`` from a member who does not moderate is 482; ``+v`` of
        a nick nobody has is 401; ``+v`` without a nick is 461."""
        alice, carol, _ = self.room()
        carol.send("MODE #tea +v carol")
        self.assertEqual(
            carol.received(),
            [
                ":chatroom 482 carol #tea :only the owner and operators of tea "
                "can /voice"
            ],
        )
        alice.send("MODE #tea +v nobody", "MODE #tea +v")
        self.assertEqual(alice.numerics(), ["401", "461"])

    def test_isupport_prefix_and_chanmodes(self) -> None:
        """005 says ``PREFIX=(ov)@+`` and ``CHANMODES=b,k,l,imnst``."""
        client = IRCClient(self.factory)
        client.send("NICK erin", "USER erin 0 * :Erin")
        tokens = " ".join(line for line in client.received() if " 005 " in line)
        self.assertIn(" PREFIX=(ov)@+ ", tokens)
        self.assertIn(" CHANMODES=b,k,l,imnst ", tokens)

    def test_the_owner_gives_up_op(self) -> None:
        """``MODE #tea -o alice`` from the owner: ``MODE -o`` for everyone,
        no ``@`` in NAMES, ``INVITE`` into the ``+i`` room is 482; ``+o
        alice`` gives it back."""
        alice, carol, bob = self.room()
        alice.send("MODE #tea +i")
        alice.received(), carol.received(), bob.received()
        alice.send("MODE #tea -o alice")
        self.assertEqual(
            alice.received(), [":alice!alice@chatroom MODE #tea -o :alice"]
        )
        self.assertEqual(bob.received(), ["DEOP tea alice alice"])
        alice.send("NAMES #tea")
        self.assertEqual(
            alice.received()[0], ":chatroom 353 alice = #tea :alice carol bob"
        )
        self.irc("dave")
        alice.send("INVITE dave #tea")
        self.assertEqual(alice.numerics(), ["482"])
        alice.send("MODE #tea +o alice")
        self.assertEqual(
            alice.received(), [":alice!alice@chatroom MODE #tea +o :alice"]
        )
        alice.send("INVITE dave #tea")
        self.assertEqual(alice.numerics(), ["341"])

    def join_names(self, nick: str, *caps: str) -> list[str]:
        """The ``353``s ``nick`` (a new IRC user, with ``caps``) gets for
        ``JOIN #tea``."""
        if caps:
            client = IRCClient(self.factory)
            client.send("CAP LS 302", f"CAP REQ :{' '.join(caps)}")
            client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP END")
            client.received()
        else:
            client = self.irc(nick)
        client.send("JOIN #tea")
        return [line for line in client.received() if " 353 " in line]

    def test_a_joins_names_mark_the_owner_and_say_secret(self) -> None:
        """A room where only its owner is marked: the joiner's ``NAMES``
        lists every member in arrival order, ``@`` on the owner (with
        ``userhost-in-names``, as ``nick!nick@host``); once ``+s``, the
        channel is ``@``."""
        alice, _, _ = self.room()
        self.assertEqual(
            self.join_names("dave"),
            [":chatroom 353 dave = #tea :@alice carol bob dave"],
        )
        self.assertEqual(
            self.join_names("erin", "userhost-in-names"),
            [
                ":chatroom 353 erin = #tea :@alice!alice@chatroom carol!carol@chatroom "
                "bob!bob@chatroom dave!dave@chatroom erin!erin@chatroom"
            ],
        )
        alice.send("MODE #tea +s")
        self.assertEqual(
            self.join_names("fred"),
            [":chatroom 353 fred @ #tea :@alice carol bob dave erin fred"],
        )

    def test_a_joins_names_mark_operators_voices_and_an_unopped_owner(self) -> None:
        """``+o``, ``+v`` and the owner's ``-o`` are in the joiner's
        ``NAMES`` as in anyone's; once taken back, only the owner is."""
        alice, _, _ = self.room()
        alice.send("MODE #tea +o carol")
        self.assertEqual(
            self.join_names("dave"),
            [":chatroom 353 dave = #tea :@alice @carol bob dave"],
        )
        alice.send("MODE #tea -o carol", "MODE #tea +v bob")
        self.assertEqual(
            self.join_names("erin"),
            [":chatroom 353 erin = #tea :@alice carol +bob dave erin"],
        )
        alice.send("MODE #tea -v bob", "MODE #tea -o alice")
        self.assertEqual(
            self.join_names("fred"),
            [":chatroom 353 fred = #tea :alice carol bob dave erin fred"],
        )
        alice.send("MODE #tea +o alice")
        self.assertEqual(
            self.join_names("gina"),
            [":chatroom 353 gina = #tea :@alice carol bob dave erin fred gina"],
        )

    def test_on_off_modes_of_a_line_are_one_change(self) -> None:
        """``MODE #tea +int`` then ``-int``: one ``MODE`` each, as sent, for
        IRC members; a line member sees one ``SET`` listing the settings;
        324 shows ``+int``, then ``+``; the modlog has one entry each."""
        alice, carol, bob = self.room()
        alice.send("MODE #tea +int")
        self.assertEqual(carol.received(), [":alice!alice@chatroom MODE #tea :+int"])
        self.assertEqual(
            bob.received(), ["SET tea invite-only,external,topic-lock on,off,on alice"]
        )
        alice.received()
        alice.send("MODE #tea")
        self.assertEqual(alice.received()[0], ":chatroom 324 alice #tea :+nti")
        alice.send("MODE #tea -int")
        self.assertEqual(alice.received(), [":alice!alice@chatroom MODE #tea :-int"])
        alice.send("MODE #tea")
        self.assertEqual(alice.received()[0], ":chatroom 324 alice #tea :+")
        alice.send("MODLOG #tea")
        log = [line.split(" ")[-2] for line in alice.received() if " set " in line]
        self.assertEqual(
            log,
            [
                "invite-only=on",
                "external=off",
                "topic-lock=on",
                "invite-only=off",
                "external=on",
                "topic-lock=off",
            ],
        )
