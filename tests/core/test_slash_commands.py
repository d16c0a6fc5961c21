"""Slash commands' rules, decided once in the core: what a name and a URL
may be, the fields a call sends, and what an answer means."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.core.model.errors import ChatError
from chatroom.core.model.slash_commands import SlashCommand
from chatroom.core.policy.moderation import Actor
from chatroom.core.rooms.slash_commands import (
    EPHEMERAL,
    IN_CHANNEL,
    CallFailedError,
    CallReply,
    CommandAnswer,
    answer_of,
    call_fields,
    check_command_name,
    check_command_url,
)
from chatroom.wire.commands import sent_by_itself

JSON = "application/json"


def answer(body: bytes, status: int = 200, kind: str = JSON) -> CommandAnswer:
    return answer_of(CallReply(status, kind, body))


class NameAndURLTests(unittest.TestCase):
    def code(self, check: object, value: str) -> str:
        with self.assertRaises(ChatError) as raised:
            check(value)  # type: ignore[operator]
        return raised.exception.code

    def test_names(self) -> None:
        """1 to 32 letters, digits, ``_`` and ``-``; none of the server's
        own commands, in any case."""
        for name in ("weather", "w", "deploy-prod", "x_1", "Météo", "a" * 32):
            check_command_name(name)
        for name in ("", "a" * 33, "a.b", "a/b", "a b", "a:b"):
            self.assertEqual(self.code(check_command_name, name), "BAD_NAME", name)
        for name in ("join", "Help", "webhook", "command", "me", "quit", "msg"):
            self.assertEqual(self.code(check_command_name, name), "NAME_TAKEN", name)

    def test_urls(self) -> None:
        """http:// or https:// with a host, no spaces or control
        characters, a port that is one."""
        for url in ("http://x.example/", "https://x.example:8443/a?b=c", "HTTP://x"):
            check_command_url(url)
        for url in (
            "ftp://x.example/",
            "x.example",
            "http:///path",
            "http://x:99999/",
            "http://x/\x07",
            "javascript:alert(1)",
            "http://" + "x" * 2001,
        ):
            self.assertEqual(self.code(check_command_url, url), "BAD_ARGS", url)


class FieldsTests(unittest.TestCase):
    def test_mattermost_fields(self) -> None:
        """The token, ``/NAME``, the arguments, who typed it, the room, the
        account (else the name) and ``--name``."""
        command = SlashCommand("Weather", "http://x/", "T0K", "alice")
        signed_in = Actor("Bob", account="bob")
        self.assertEqual(
            dict(call_fields(command, "paris now", signed_in, "Tea", "chat.example")),
            {
                "token": "T0K",
                "command": "/Weather",
                "text": "paris now",
                "user_name": "Bob",
                "channel_name": "Tea",
                "channel_id": "tea",
                "user_id": "bob",
                "team_domain": "chat.example",
            },
        )
        plain = dict(call_fields(command, "", Actor("carol"), "tea", "chatroom"))
        self.assertEqual((plain["user_id"], plain["text"]), ("carol", ""))


class AnswerTests(unittest.TestCase):
    """Mattermost's and Slack's answers, and what is a failure."""

    def test_in_channel_and_ephemeral(self) -> None:
        self.assertEqual(
            answer(b'{"text": "sunny", "response_type": "in_channel"}'),
            CommandAnswer(IN_CHANNEL, ("sunny",)),
        )
        self.assertEqual(
            answer(b'{"text": "only you", "response_type": "ephemeral"}'),
            CommandAnswer(EPHEMERAL, ("only you",)),
        )
        self.assertEqual(
            answer(b'{"text": "no type"}'), CommandAnswer(EPHEMERAL, ("no type",))
        )
        self.assertEqual(
            answer(b'{"text": "hi", "response_type": "in_channel", "username": "Sky"}'),
            CommandAnswer(IN_CHANNEL, ("hi",), "Sky"),
        )

    def test_plain_text_and_empty(self) -> None:
        """``text/plain`` is an ephemeral text; an empty ``200`` (or blank
        JSON text) shows nothing."""
        self.assertEqual(
            answer(b"just for you", kind="text/plain"),
            CommandAnswer(EPHEMERAL, ("just for you",)),
        )
        self.assertEqual(answer(b""), CommandAnswer(EPHEMERAL))
        self.assertEqual(answer(b"  \n", kind="text/plain"), CommandAnswer(EPHEMERAL))
        self.assertEqual(answer(b'{"text": ""}'), CommandAnswer(EPHEMERAL))

    def test_markup_made_plain_and_lines_kept(self) -> None:
        """Slack's markup as a webhook's; several lines stay lines."""
        self.assertEqual(
            answer(b'{"text": "see <https://x.example|the build>\\nline &amp; two"}'),
            CommandAnswer(
                EPHEMERAL, ("see the build (https://x.example)", "line & two")
            ),
        )

    def test_failures(self) -> None:
        """Any status but 200 (a redirect named as such), a body that is
        neither Slack's JSON nor plain text, too many lines, control
        characters."""
        for status, why in ((500, "status 500"), (404, "status 404")):
            with self.assertRaises(CallFailedError) as raised:
                answer(b'{"text": "x"}', status)
            self.assertEqual(str(raised.exception), why)
        with self.assertRaises(CallFailedError) as raised:
            answer(b"", 302)
        self.assertEqual(str(raised.exception), "it redirected: 302")
        for body in (b"<html>hi</html>", b"[1, 2]", b'{"text": 5}', b"\xff\xfe"):
            self.assertRaises(CallFailedError, answer, body, kind="text/html")
        self.assertRaises(
            CallFailedError, answer, b"\n".join([b"x"] * 40), kind="text/plain"
        )
        self.assertRaises(CallFailedError, answer, b'{"text": "a\\u001b[31m"}')


class FloodTests(unittest.TestCase):
    def test_a_typed_command_counts_as_a_line(self) -> None:
        """``/NAME ARGS`` is its person's line, as the page sends it too
        (``/in ROOM /NAME``): it counts against ``--burst`` and ``--rate``,
        never among what a client sends by itself."""
        for line in ("/weather paris", "/in tea /weather", "/Deploy now"):
            self.assertFalse(sent_by_itself(line), line)
