"""A ``GONE`` for a session this node released is not a harvest: the
tokens :class:`~chatroom.backends.redis.calls.ReleasedHere` remembers, and
for how long."""

from twisted.internet import task
from twisted.trial import unittest

from chatroom.backends.redis.calls import ReleasedHere


class ReleasedHereTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = task.Clock()
        self.released = ReleasedHere(self.clock, horizon=70.0)

    def test_a_script_naming_a_released_session(self) -> None:
        """A script's operands that carry a token released here (or a list
        of them that does) are that release's; others, or the same text as
        bytes, are not."""
        self.released.add("tok-bob")
        self.assertTrue(self.released.named_in({"user": "u:bob", "token": "tok-bob"}))
        self.assertTrue(self.released.named_in({"tokens": ["tok-carol", "tok-bob"]}))
        self.assertFalse(self.released.named_in({"user": "u:carol", "token": "x"}))
        self.assertFalse(self.released.named_in({"token": b"tok-bob"}))

    def test_forgotten_past_the_horizon(self) -> None:
        """A token stays for as long as a call sent before its release may
        still be answered, and goes as later ones come: a node that lost
        many users keeps no list of them for ever."""
        self.released.add("tok-bob")
        self.clock.advance(69)
        self.released.add("tok-carol")
        self.assertTrue(self.released.named_in({"token": "tok-bob"}))
        self.clock.advance(2)
        self.released.add("tok-dave")
        self.assertFalse(self.released.named_in({"token": "tok-bob"}))
        self.assertTrue(self.released.named_in({"token": "tok-carol"}))
        self.assertEqual(len(self.released._tokens), 2)
