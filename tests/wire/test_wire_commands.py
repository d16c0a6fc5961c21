"""The command table both ends read (:mod:`chatroom.wire.commands`), held
to the line door that answers the commands.

The door keeps its own table of handlers (``COMMANDS`` in
:mod:`chatroom.doors.line.session`); these tests keep the two naming the
same commands, the ``/help`` the door sends generated from the wire table
byte for byte as it was written by hand, and each synopsis the one the
door's usage errors give.
"""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.doors.line.session import COMMANDS as DOOR_COMMANDS
from chatroom.wire.commands import (
    COMMANDS,
    ROOM_COMMANDS,
    SETTINGS,
    help_lines,
    secret_words,
    sent_by_itself,
)
from tests.support import ProtocolTestCase

#: ``/help`` as the line door sent it before the table existed (the
#: wire is unchanged: this is the contract, byte for byte).
HELP = r"""Commands (in a room, any other line is a message to everyone in it):
/nick NAME        choose or change your name
/list             list the rooms
/list PATTERN     ... those whose name has it (tea, t*a, te?)
/create NAME      create a room and enter it
/join NAME        enter a room (leaving the one you are in)
/join NAME since ID   ... and get what was said after event ID
/history N [before ID]  N earlier messages of this room
/history @USER N [before ID]  N earlier private messages with USER (accounts)
/history thread ROOT N [before ID]  N earlier messages of a thread
/caps ids         prefix stored events with @ID
/caps rich        ids with tags, replies, edits... (docs/protocol.md)
/reply ID TEXT    answer message ID of this room
/paste TEXT       one message of several lines: \n between them, \\ a backslash
/edit ID TEXT     change your message ID (within --edit-window seconds)
/redact ID [REASON]   delete a message (yours; any, for owner and operators)
/react ID EMOJI, /unreact ID EMOJI   react to message ID, or take it back
/thread ID TEXT   say TEXT in the thread of message ID (rich clients keep it apart)
/threads          the threads of this room
/pin ID, /unpin ID   keep message ID on top of the room, or stop (owner, operators)
/pins             the room's pinned messages
/report ID [REASON]   report message ID to the room's moderators
/report @USER ID [REASON]   report a private message to the server's admins
/reports [ROOM], /report close N [NOTE]   moderators: the open reports, and closing one
/follow ROOT, /unfollow ROOT   count a thread's messages in /unread, or stop
/typing active|paused|done   tell rich members of the room you are typing
/search WORDS     find messages of your rooms and conversations (filters:
                  in:ROOM in:@USER in:thread from:USER before:TIME after:TIME)
/caps multi       be in many rooms at once: /join adds a room
/focus ROOM       (multi) make ROOM the one your lines go to
/say ROOM TEXT    a message to ROOM, whichever room is current
/txn KEY LINE     LINE (words, /say, /me, /msg...) once per KEY: ACK KEY TARGET ID
/in ROOM LINE     LINE (words, /me, a room command) in ROOM,
                  whichever room is current
/read ROOM ID     you have read ROOM up to event ID
/read @USER ID    ... your conversation with USER (accounts)
/unread           rooms with events after what you read
/notify ROOM [all|mentions|none]   what ROOM tells you of (none: muted)
/leave [ROOM]     leave the room (with multi: ROOM, or the current one)
/who              who is in this room
/topic [TEXT]     show or set the room's topic
/me TEXT          an action: * you TEXT
/opmsg TEXT       a message to this room's owner and operators only
/msg USER TEXT    a private message (kept for an account that is away)
/conversations    your private conversations, unread counts (accounts)
/delete NAME      delete a room you own
/rename NEWNAME [REASON]   rename a room you own (its old name leads to it a while)
/ignore USER      hear nothing more from USER (an account's list)
/unignore USER, /ignores   hear USER again; whom you ignore
/watch on|off     push room list changes while in the lobby
/login NAME PASSWORD   sign in to an account (instead of a name)
/oidc TICKET           sign in with the page's OpenID provider ticket
/register PASSWORD     make your name an account
/register NAME PASSWORD   (before choosing a name) register NAME and sign in
/password OLD NEW      change your password
/unregister PASSWORD   give up your account
/devices               your account's connections (its devices)
/logout ID             close one of them
/session new           stay signed in on this device: a token to sign in with
/session TOKEN         (before a name) sign in with it; /session end ends it
/token                 a token to upload files with (HTTP Bearer; --files)
/profile [NAME]        someone's profile (yours without NAME)
/profile set display-name|pronouns|status|avatar VALUE   yours; /profile unset KEY
/export                a one-time link to all your account's data
/delete-account PASSWORD   delete your account and its data for good
/push add ENDPOINT P256DH AUTH   notify this browser or device (Web Push)
/push remove ENDPOINT  stop; /push key: the key to subscribe with
/app-password add LABEL   a password for one client (/login, SASL PLAIN)
/app-password list, /app-password remove LABEL   yours, or end one
/bot add NAME   a bot account of yours, and its token (shown once)
/bot list, /bot remove NAME   yours, or remove one
/email [ADDRESS | remove]   your account's e-mail address (mailed a code to verify)
/verify CODE           verify it with the code mailed to it
/reset NAME            a forgotten password: a code mailed to the account's address
/reset NAME CODE NEWPASSWORD   set a new password with it
/redeem CODE           an invitation: then /register
/invite-link [USES] [HOURS] [ROOM]   a code that lets people register
/invite-links, /invite-link revoke CODE   yours, or end one
Moderating the room you are in (owner and operators):
/op USER, /deop USER   make or unmake an operator (owner only)
/owner USER       hand the room to USER, an account (owner only)
/kick USER [REASON]    send someone back to the lobby
/ban USER, /unban USER, /bans   keep someone out (by account, else name)
/voice USER, /devoice USER   let someone speak in a moderated room
/set invite-only|topic-lock|secret|moderated|keep on|off
/set key KEY|off, /set limit N|off   a key; at most N members
/set previews on|off   show link previews (yours, anywhere)
/set mail on|off   mail what you missed while away (yours)
/invite USER      let someone into an invite-only room
/info             the room's settings and operators
/modlog [N]       the room's last N (50) kicks, bans, deletions, settings...
/webhook add NAME  an address where Slack's JSON posts here (owner only)
/webhook list, /webhook remove NAME   the room's webhooks
Server admins: /kill USER [REASON], /gban USER|MASK [DURATION] [REASON]
  (MASK: account:NAME, name:NAME, ip:ADDRESS[/BITS]; DURATION: 30s 2h 7d)
/gunban USER|MASK, /gbans, /announce TEXT, /delete any room,
/rehash (reload the configuration), /lockdown [off|accounts|closed]
//text            send a message that starts with /
/limits           how fast you may send (LIMITS rate burst backlog)
/quit [REASON]    leave the server"""


class CommandTableTests(ProtocolTestCase):
    """The wire table and the line door agree."""

    def test_the_door_answers_exactly_the_tables_commands(self) -> None:
        """Every command of the wire table has a handler at the door, and
        the door has none the table lacks: neither can drift."""
        self.assertEqual(sorted(DOOR_COMMANDS), sorted(COMMANDS))

    def test_room_commands_are_those_the_door_runs_in_a_room(self) -> None:
        """Every command the door takes only in a room is one a client sends
        with the room on screen (``/in ROOM LINE``), but ``/focus``,
        ``/say`` and ``/in``, which name their room; every room command is a
        command."""
        in_a_room_only = {
            name
            for name, (_, states) in DOOR_COMMANDS.items()
            if states == frozenset({"room"})
        }
        self.assertEqual(in_a_room_only - ROOM_COMMANDS, {"focus", "say", "in"})
        self.assertLessEqual(ROOM_COMMANDS, COMMANDS.keys())

    def test_help_is_the_table_and_unchanged_on_the_wire(self) -> None:
        """``/help`` is the table's lines as ``HELP`` lines, the same bytes
        the door always sent; every command but ``/help`` is named there."""
        alice = self.connect("alice")
        alice.send("/help")
        self.assertEqual(alice.received(), [f"HELP {line}" for line in help_lines()])
        self.assertEqual(help_lines(), HELP.splitlines())
        for name in COMMANDS.keys() - {"help"}:
            self.assertIn(f"/{name}", HELP)

    def test_synopses_are_the_doors_usage(self) -> None:
        """Each command that needs an argument, sent without one where it
        is allowed, is refused with ``usage: /NAME ARGUMENTS`` as the table
        words it (``/login`` and ``/oidc`` before a name; the rest by a
        room's owner; ``/set``'s SETTING is the list of them)."""
        before_a_name = ("login", "oidc")
        for name in before_a_name:
            guest = self.connect()
            guest.send(f"/{name}")
            self.assertIn(f"usage: {COMMANDS[name].usage}", guest.received()[0])
        (alice,) = self.create("tea", "alice")
        needing = [
            command
            for command in COMMANDS.values()
            if command.arguments and not command.arguments.startswith("[")
        ]
        self.assertGreater(len(needing), 30)
        for command in needing:
            if command.name in before_a_name:
                continue
            alice.send(f"/{command.name}")
            (refusal,) = alice.received()
            self.assertTrue(refusal.startswith("ERR BAD_ARGS "), refusal)
            # /set's SETTING is the door's list of them.
            usage = command.usage.replace("SETTING", "|".join(SETTINGS))
            self.assertIn(f"usage: {usage}", refusal)

    def test_secret_words(self) -> None:
        """The commands that carry passwords say how many words precede
        them, in any case; other lines carry none."""
        self.assertEqual(
            [secret_words(word) for word in ("/login", "/REGISTER", "/password")],
            [2, 1, 1],
        )
        self.assertEqual(secret_words("/unregister"), 1)
        self.assertEqual(
            [secret_words(word) for word in ("/join", "login", "/nope", "")],
            [0, 0, 0, 0],
        )


class SentByItselfTests(unittest.TestCase):
    """Which lines a client sends by itself (issue 79): counted apart from
    its person's flood allowance at the line door."""

    def test_the_background_queries(self) -> None:
        """Each query of the list, in any case, also through ``/in ROOM``
        (``/in tea /info`` is no nested ``/in``); ``/profile`` as a reading."""
        for line in (
            "/who",
            "/INFO",
            "/pins",
            "/history 20 before 3",
            "/read tea 4",
            "/typing active",
            "/focus tea",
            "/notify tea",
            "/unread",
            "/caps ids multi",
            "/watch on",
            "/conversations",
            "/session new",
            "/devices",
            "/profile",
            "/profile bob",
            "/in tea /who",
            "/in tea /info",
            "/in tea /history 20",
        ):
            self.assertTrue(sent_by_itself(line), line)

    def test_what_a_person_types(self) -> None:
        """Words, ``//`` words, other commands, a profile's change and an
        ``/in`` of any of them, or of another ``/in``, are its person's."""
        for line in (
            "hello",
            "//who",
            "/me waves",
            "/join tea",
            "/profile set pronouns they",
            "/profile unset status",
            "/in tea hello",
            "/in tea /me waves",
            "/in tea /in cafe /who",
            "/in tea",
            "/inform",
        ):
            self.assertFalse(sent_by_itself(line), line)
