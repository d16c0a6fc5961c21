"""Passphrases at the line door: a password is the rest of its line.

``/login NAME PASSWORD``, ``/register [NAME] PASSWORD``, ``/unregister
PASSWORD`` and ``/delete-account PASSWORD`` take every word after the
others as the password; ``/password OLD NEW`` takes two words as it always
did, or two passwords in double quotes (docs/protocol.md, *Accounts*).
"""

from __future__ import annotations

from tests.support import FakeClient, ProtocolTestCase

PHRASE = "correct horse battery staple"
NEW_PHRASE = 'a "new" phrase \\ to remember'


class PassphraseTests(ProtocolTestCase):
    def registered(self, name: str, password: str) -> FakeClient:
        client = self.connect(name)
        client.send(f"/register {password}")
        self.assertEqual(client.received(), [f"REGISTERED {name}"])
        return client

    def signs_in(self, name: str, password: str) -> bool:
        """Whether ``/login NAME PASSWORD`` is welcomed (the connection
        closed again, so the account may sign in once more)."""
        client = self.connect()
        client.send(f"/login {name} {password}")
        welcomed = client.received()[:1] == [f"WELCOME {name}"]
        client.send("/quit")
        return welcomed

    def test_register_and_login_take_the_rest_of_the_line(self) -> None:
        """A passphrase registers and signs in; its first word alone, or
        the phrase with a word missing, does not."""
        self.registered("alice", PHRASE)
        self.assertTrue(self.signs_in("alice", PHRASE))
        self.assertFalse(self.signs_in("alice", "correct"))
        self.assertFalse(self.signs_in("alice", "correct horse battery"))
        self.assertTrue(self.signs_in("alice", f"  {PHRASE}"))

    def test_register_before_a_name_takes_the_name_then_the_phrase(self) -> None:
        """``/register NAME PASSWORD`` before a name: the first word names."""
        client = self.connect()
        client.send(f"/register bob {PHRASE}")
        lines = client.received()
        self.assertEqual((lines[0], lines[-1]), ("WELCOME bob", "REGISTERED bob"))
        client.send("/quit")
        self.assertTrue(self.signs_in("bob", PHRASE))

    def test_password_takes_two_words_or_two_quoted_passwords(self) -> None:
        """Two words as ever; quoted, with ``\\"`` and ``\\\\`` inside."""
        alice = self.registered("alice", "tea-and-biscuits")
        alice.send(f'/password tea-and-biscuits "{PHRASE}"')
        self.assertEqual(alice.received(), ["PASSWORD_CHANGED alice"])
        self.assertTrue(self.signs_in("alice", PHRASE))
        alice.send(f'/password "{PHRASE}" "a \\"new\\" phrase \\\\ to remember"')
        self.assertEqual(alice.received(), ["PASSWORD_CHANGED alice"])
        self.assertTrue(self.signs_in("alice", NEW_PHRASE))
        self.assertFalse(self.signs_in("alice", PHRASE))
        alice.send(f'/password "{NEW_PHRASE}" "tea-and-biscuits"')
        self.assertError(alice, "BAD_ARGS")  # its quotes are not escaped
        alice.send('/password "a \\"new\\" phrase \\\\ to remember" cake-and-tea')
        self.assertEqual(alice.received(), ["PASSWORD_CHANGED alice"])
        alice.send('/password cake-and-tea "unclosed phrase')
        self.assertError(alice, "BAD_ARGS")
        self.assertTrue(self.signs_in("alice", "cake-and-tea"))

    def test_a_quoted_word_of_two_is_a_password_with_its_quotes(self) -> None:
        """Two words mean what they meant before passphrases: a password
        set with quotes in it (``"tea"-and-cake``) changes as it did."""
        alice = self.registered("alice", '"tea"-and-cake')
        alice.send('/password "tea"-and-cake "cake"-and-tea')
        self.assertEqual(alice.received(), ["PASSWORD_CHANGED alice"])
        self.assertTrue(self.signs_in("alice", '"cake"-and-tea'))

    def test_unregister_and_delete_account_take_the_rest_of_the_line(self) -> None:
        alice = self.registered("alice", PHRASE)
        alice.send("/unregister correct horse")
        self.assertError(alice, "BAD_PASSWORD")
        alice.send(f"/unregister {PHRASE}")
        self.assertEqual(alice.received(), ["UNREGISTERED alice"])
        bob = self.registered("bob", PHRASE)
        bob.send(f"/delete-account {PHRASE}")
        self.assertEqual(bob.received()[0], "ACCOUNT_DELETED bob")
        self.assertFalse(self.signs_in("bob", PHRASE))
