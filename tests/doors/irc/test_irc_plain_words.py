"""What IRC says in tags, said in words to a client without them
(chatroom/doors/irc/notes.py; issue 79, point 9).

irssi asks for ``server-time`` and nothing else, so it is told nothing a
tag says: whom a reply answers, which thread a message is in, a reaction,
an edit. These tests hold the words such a client gets instead: a reply
starts with its addressee and a quote of what it answers, a thread's
message names its thread, and a reaction, an edit and a deletion are each
one short ``NOTICE`` naming the message, which ``irc-notes off`` turns
off. Real :class:`IRCProtocol` objects over ``StringTransport`` with line
users (:class:`tests.support.FakeClient`) on a ``task.Clock``.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged
from tests.support import STAMP, FakeClient

#: The start of each line a member said in tea, as IRC relays it.
BOB = ":bob!bob@chatroom PRIVMSG #tea :"
ALICE = ":alice!alice@chatroom PRIVMSG #tea :"
NOTE = ":chatroom NOTICE #tea :"
#: When STAMP's messages were said, to the second.
SAID = STAMP[11:19]


class PlainWordsTests(CapsTestCase):
    """bob (line, ``/caps rich``) owns tea and asked there (message 1);
    alice (line, rich) is in; carol (IRC, no capability), ivy (IRC,
    ``server-time`` alone, as irssi asks) and mo (IRC, ``message-tags``)
    read."""

    def setUp(self) -> None:
        super().setUp()
        self.bob = self.line("bob")
        for line in ("/caps rich", "/create tea", "who has the scones?"):
            self.bob.send(line)
        self.alice = self.line("alice")
        self.alice.send("/caps rich")
        self.alice.send("/join tea")
        self.carol = self.capped("carol")
        self.ivy = self.capped("ivy", "server-time")
        self.mo = self.capped("mo", "message-tags")
        for client in self.irc_users:
            client.send("JOIN #tea")
        for client in self.irc_users:
            client.received()
        self.bob.received()
        self.alice.received()

    @property
    def irc_users(self) -> tuple[IRCClient, ...]:
        return (self.carol, self.ivy, self.mo)

    def test_a_reply_starts_with_its_addressee_and_a_quote(self) -> None:
        """alice's reply to bob reaches carol and ivy as ``bob: “who has the
        scones?” → yes...`` (ivy with its time), so bob's client highlights
        it; mo, told by its tag, gets alice's words alone."""
        self.alice.send("/reply 1 yes, in the blue tin")
        said = "bob: “who has the scones?” → yes, in the blue tin"
        self.assertEqual(self.carol.received(), [ALICE + said])
        (timed,) = self.ivy.received()
        self.assertEqual(untagged(timed), ALICE + said)
        self.assertEqual(set(tags_of(timed)), {"time"})
        (tagged,) = self.mo.received()
        self.assertEqual(untagged(tagged), ALICE + "yes, in the blue tin")
        self.assertEqual(tags_of(tagged)["+draft/reply"], self.msgid("tea", 1))

    def test_an_irc_clients_reply_is_quoted_for_the_others(self) -> None:
        """mo answers bob's message by its msgid: carol reads whom it answers."""
        self.mo.send(f"@+draft/reply={self.msgid('tea', 1)} PRIVMSG #tea :I do")
        self.assertEqual(
            self.carol.received(),
            [":mo!mo@chatroom PRIVMSG #tea :bob: “who has the scones?” → I do"],
        )

    def test_a_thread_message_names_its_thread(self) -> None:
        """Messages in the thread of bob's question name it by its author
        and start, the second too (named by the first's id); a long root is
        quoted by its first words, cut at a word with ``…``."""
        self.alice.send("/thread 1 not me")
        self.bob.send("/thread 2 nor me")
        self.bob.send(
            "shall we meet at the pavilion by the river after the match on Sunday?"
        )
        self.alice.send("/thread 4 yes")
        thread = "(in bob's thread “who has the scones?”) "
        self.assertEqual(
            self.carol.received(),
            [
                ALICE + thread + "not me",
                BOB + thread + "nor me",
                BOB + "shall we meet at the pavilion by the river after the "
                "match on Sunday?",
                ALICE + "(in bob's thread “shall we meet at the pavilion by the…”) yes",
            ],
        )
        self.assertEqual(
            [untagged(line) for line in self.mo.received()][:2],
            [ALICE + "not me", BOB + "nor me"],
        )

    def test_a_reaction_is_one_note(self) -> None:
        """alice's 👍 and its withdrawal reach carol and ivy as a NOTICE
        each naming bob's message by its author and start; mo gets the
        TAGMSG, not a note."""
        self.alice.send("/react 1 👍")
        self.alice.send("/unreact 1 👍")
        notes = [
            NOTE + "alice reacted 👍 to bob's “who has the scones?”",
            NOTE + "alice took back 👍 from bob's “who has the scones?”",
        ]
        self.assertEqual(self.carol.received(), notes)
        self.assertEqual([untagged(line) for line in self.ivy.received()], notes)
        self.assertTrue(all(" TAGMSG #tea" in x for x in self.mo.received()))

    def test_an_edit_is_one_note_quoting_what_it_read(self) -> None:
        """bob's edit: carol reads what the message said and what it says now."""
        self.bob.send("/edit 1 who has the jam?")
        self.assertEqual(
            self.carol.received(),
            [NOTE + "bob edited “who has the scones?” → who has the jam?"],
        )
        (tagged,) = self.mo.received()
        self.assertEqual(untagged(tagged), BOB + "* who has the jam?")

    def test_a_deletion_names_the_message_by_author_and_time(self) -> None:
        """bob deletes alice's message (he owns tea) and one of his own:
        carol and mo (no draft/message-redaction) read whose message of
        which second went, never its words; a client with the capability
        gets REDACT."""
        redacting = self.capped("rex", "draft/message-redaction")
        redacting.send("JOIN #tea")
        self.alice.send("the secret word is swordfish")
        self.bob.send("oops")
        for client in (*self.irc_users, redacting):
            client.received()
        self.bob.send("/redact 2 not here")
        self.bob.send("/redact 3")
        notes = [
            NOTE + f"bob deleted alice's message of {SAID}: not here",
            NOTE + f"bob deleted their message of {SAID}",
        ]
        self.assertEqual(self.carol.received(), notes)
        self.assertEqual([untagged(line) for line in self.mo.received()], notes)
        self.assertNotIn("swordfish", " ".join(notes))
        self.assertTrue(all(" REDACT #tea " in x for x in redacting.received()))

    def test_a_deletion_on_another_day_gives_the_date(self) -> None:
        """A message deleted the day after it was said is named with its date."""
        self.clock.advance(86400)
        self.bob.send("/redact 1")
        self.assertEqual(
            [line for line in self.carol.received() if not line.startswith("PING")],
            [NOTE + f"bob deleted their message of {STAMP[:10]} {SAID}"],
        )

    def test_irc_notes_off_for_a_plain_nick(self) -> None:
        """carol turns the notes off with NickServ (on her connection: a
        plain nick keeps nothing): no reaction, edit or deletion note
        reaches her, replies still name their addressee; on again, they
        come back. Others are not affected."""
        self.carol.send("NS SET IRC-NOTES OFF")
        (told,) = self.carol.received()
        self.assertIn("Reactions, edits and deletions are not told", told)
        self.assertIn("sign in to keep it", told)
        self.alice.send("/react 1 👍")
        self.bob.send("/edit 1 who has the jam?")
        self.alice.send("/reply 1 me")
        self.bob.send("/redact 1")
        self.assertEqual(
            self.carol.received(), [ALICE + "bob: “who has the jam?” → me"]
        )
        self.assertEqual(len(self.ivy.received()), 4)
        self.carol.send("PRIVMSG NickServ :SET IRC-NOTES ON")
        self.carol.received()
        self.alice.send("/react 4 👍")
        self.assertEqual(
            self.carol.received(), [NOTE + "alice reacted 👍 to alice's “me”"]
        )


class KeptChoiceTests(AccountsCase):
    """An account's ``irc-notes`` is kept with it: set at either door, read
    by its IRC sessions when they sign in."""

    def setUp(self) -> None:
        super().setUp()
        self.account("ivy")
        self.bob = FakeClient(self.server)
        self.bob.send("bob")
        self.bob.send("/caps rich")
        self.bob.send("/create tea")
        self.bob.send("hello")

    def joined(self) -> IRCClient:
        client = self.signed_in("ivy")
        client.send("JOIN #tea")
        client.received()
        return client

    def test_kept_for_the_next_sign_in(self) -> None:
        """ivy turns the notes off with NickServ and quits: her next session
        gets no note of bob's reaction; turned on at the line door
        (``/set irc-notes on``, answered ``IRC_NOTES on``), the session
        after gets it."""
        first = self.joined()
        first.send("NS SET IRC-NOTES OFF")
        self.assertIn("are not told", first.received()[0])
        first.send("QUIT")
        second = self.joined()
        self.bob.send("/react 1 👍")
        self.assertEqual(second.received(), [])
        second.send("QUIT")
        line = FakeClient(self.server)
        line.send(f"/login ivy {PASSWORD}")
        line.received()
        line.send("/set irc-notes on")
        self.assertIn("IRC_NOTES on", line.received())
        line.send("/quit")
        third = self.joined()
        self.bob.send("/unreact 1 👍")
        self.assertEqual(
            third.received(), [NOTE + "bob took back 👍 from bob's “hello”"]
        )

    def test_a_plain_name_keeps_no_choice_at_the_line_door(self) -> None:
        """``/set irc-notes`` of a plain name is refused; a wrong value too."""
        self.bob.send("/set irc-notes off")
        self.assertTrue(self.bob.received()[-1].startswith("ERR NOT_ALLOWED "))
        line = FakeClient(self.server)
        line.send(f"/login ivy {PASSWORD}")
        line.received()
        line.send("/set irc-notes loud")
        self.assertTrue(line.received()[-1].startswith("ERR BAD_ARGS "))
