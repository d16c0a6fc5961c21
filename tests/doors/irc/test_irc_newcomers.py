"""Newcomers held back (``--newcomer-wait``) at the IRC door: the refusal
in words, as the other clients say it (:mod:`chatroom.wire.waiting`)."""

from __future__ import annotations

from chatroom.core.model.config import ServerConfig
from chatroom.wire.waiting import not_yet_words
from tests.doors.irc.test_irc_moderation import AccountsCase


class NewcomerTests(AccountsCase):
    config = ServerConfig(rate=0, newcomer_wait=600)

    def test_the_wait_in_words(self) -> None:
        """newbie's private message to a stranger is a ``NOTICE`` naming
        the stranger, its link in a channel ``404``; each says why and how
        long, and nothing reaches the stranger or the channel."""
        self.account("stranger")
        self.account("newbie")
        stranger = self.signed_in("stranger")
        newbie = self.signed_in("newbie")
        newbie.send("JOIN #den")
        newbie.received()
        newbie.send("PRIVMSG stranger :hi", "PRIVMSG #den :see https://spam.example/")
        self.assertEqual(
            newbie.received(),
            [
                ":chatroom NOTICE newbie :Cannot send to stranger yet. "
                + not_yet_words("600"),
                f":chatroom 404 newbie #den :{not_yet_words('600')}",
            ],
        )
        self.assertEqual(stranger.received(), [])
