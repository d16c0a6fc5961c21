"""Sign-in rules: the back-off that defeats guessing, and hashing off the reactor.

Time is a ``task.Clock``: the guesser retries the moment it is allowed,
for an hour of simulated time, and never reaches the password.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.store import MemoryStore
from chatroom.core.accounts.accounts import Account, registering
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from tests.support import account_service, in_place

PASSWORD = "tea-and-biscuits"


class GuessingTests(unittest.TestCase):
    """Failed sign-ins slow down per name and per address."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_000_000)
        self.accounts = account_service(
            StoredAccounts(MemoryStore()), self.clock, in_place
        )
        self.successResultOf(
            ensureDeferred(self.accounts.register("alice", PASSWORD, "192.0.2.1"))
        )

    def attempt(self, password: str, address: str) -> str:
        """``OK``, or the refusal's code."""
        results: list[str] = []
        signing_in = ensureDeferred(self.accounts.sign_in("alice", password, address))
        signing_in.addCallbacks(
            lambda account: results.append("OK"),
            lambda failure: results.append(
                failure.trap(ChatError) and failure.value.code
            ),
        )
        return results[0]

    def guess_for(self, seconds: float, addresses: Callable[[int], str]) -> list[str]:
        """A guesser trying wrong passwords as fast as it is allowed, then
        the real password as its 200th guess; the codes it got."""
        codes = []
        guesses = 0
        end = self.clock.seconds() + seconds
        while self.clock.seconds() < end and guesses < 200:
            password = PASSWORD if guesses == 199 else f"guess-{guesses}"
            code = self.attempt(password, addresses(guesses))
            codes.append(code)
            if code == "RATE_LIMITED":
                self.clock.advance(1)
            else:
                guesses += 1
        return codes

    def test_one_address_gets_a_handful_of_guesses_an_hour(self) -> None:
        """From one address: 5 free, then doubling waits; under 20 in an hour."""
        codes = self.guess_for(3600, lambda n: "203.0.113.9")
        verified = codes.count("BAD_PASSWORD")
        self.assertLessEqual(verified, 20)
        self.assertGreaterEqual(verified, 5)
        self.assertNotIn("OK", codes)

    def test_many_addresses_get_about_one_guess_a_minute(self) -> None:
        """A guesser on a new address per guess is held by the name's back-off."""
        codes = self.guess_for(3600, lambda n: f"198.51.100.{n % 250}")
        verified = codes.count("BAD_PASSWORD")
        self.assertLessEqual(verified, 70)
        self.assertNotIn("OK", codes)

    def test_the_owner_is_never_locked_out_from_a_known_address(self) -> None:
        """While a guesser hammers the name, the owner's usual address signs
        in at once, and from a new address the owner waits at most a minute."""
        self.guess_for(600, lambda n: f"198.51.100.{n % 250}")
        self.assertEqual(self.attempt(PASSWORD, "192.0.2.1"), "OK")
        self.assertEqual(self.attempt("guess-again", "198.51.100.7"), "RATE_LIMITED")
        self.clock.advance(60)
        self.assertEqual(self.attempt(PASSWORD, "192.0.2.99"), "OK")

    def test_the_wait_is_told_and_forgotten(self) -> None:
        """RATE_LIMITED says how long; a quiet hour starts the count over."""
        for n in range(5):
            self.assertEqual(self.attempt(f"guess-{n}", "203.0.113.9"), "BAD_PASSWORD")
        signing_in = ensureDeferred(self.accounts.sign_in("alice", "x", "203.0.113.9"))
        refusal = self.failureResultOf(signing_in, ChatError).value
        self.assertEqual(refusal.code, "RATE_LIMITED")
        self.assertIn("try again in 1 s", refusal.text)
        self.clock.advance(3600)
        self.assertEqual(self.attempt(PASSWORD, "203.0.113.9"), "OK")


class HashingTests(unittest.TestCase):
    """Hashing and verifying happen where ``run`` puts them, never inline."""

    def test_hashing_waits_for_the_hashing_thread(self) -> None:
        """Registering and signing in finish only when the runner has run
        the hash: nothing is hashed on the calling (reactor) thread."""
        queued: list[tuple[Callable[[], Any], Deferred[Any]]] = []

        def run(function: Callable[[], Any]) -> Deferred[Any]:
            done: Deferred[Any] = Deferred()
            queued.append((function, done))
            return done

        accounts = account_service(StoredAccounts(MemoryStore()), Clock(), run)
        registering = ensureDeferred(accounts.register("alice", PASSWORD, "192.0.2.1"))
        self.assertNoResult(registering)
        function, done = queued.pop()
        made = function()  # the Argon2id hash and the SCRAM keys, on the thread
        hashed, scram = made
        self.assertTrue(hashed.startswith("$argon2id$"), hashed)
        self.assertTrue(scram.startswith("SCRAM-SHA-256$"), scram)
        self.assertNotIn(PASSWORD, hashed + scram)
        done.callback(made)
        self.assertEqual(self.successResultOf(registering).name, "alice")
        signing_in = ensureDeferred(accounts.sign_in("Alice", PASSWORD, "192.0.2.1"))
        self.assertNoResult(signing_in)
        function, done = queued.pop()
        done.callback(function())
        self.assertEqual(self.successResultOf(signing_in).key, "alice")


class PasswordLengthTests(unittest.TestCase):
    """``--password-min``: the shortest password an account may have."""

    def register(self, shortest: int | None, password: str) -> str:
        """``OK``, or the refusal's code and text."""
        config = (
            ServerConfig() if shortest is None else ServerConfig(password_min=shortest)
        )
        accounts = account_service(
            StoredAccounts(MemoryStore()), Clock(), in_place, config
        )
        results: list[str] = []
        registering = ensureDeferred(accounts.register("alice", password, "192.0.2.1"))
        registering.addCallbacks(
            lambda account: results.append("OK"),
            lambda failure: results.append(
                f"{failure.trap(ChatError) and failure.value.code} {failure.value.text}"
            ),
        )
        return results[0]

    def test_eight_by_default_and_what_the_server_says(self) -> None:
        """By default a 7-character password is refused and the refusal
        names the bounds; 8 are enough."""
        self.assertEqual(
            self.register(None, "sesame7"),
            "BAD_ARGS passwords are 8 to 128 characters (spaces too, but not"
            " first or last; no control characters)",
        )
        self.assertEqual(self.register(None, "sesame78"), "OK")

    def test_a_server_may_ask_for_less_or_more(self) -> None:
        """``--password-min 4`` takes irctest's ``sesame``; ``--password-min
        12`` refuses an 8-character one, saying 12."""
        self.assertEqual(self.register(4, "sesame"), "OK")
        self.assertEqual(
            self.register(12, "sesame78"),
            "BAD_ARGS passwords are 12 to 128 characters (spaces too, but not"
            " first or last; no control characters)",
        )


class PassphraseTests(unittest.TestCase):
    """A password may hold spaces and any printable character (NIST SP
    800-63B), in whatever Unicode form the typist's keyboard makes."""

    def setUp(self) -> None:
        self.store = StoredAccounts(MemoryStore())
        self.accounts = account_service(self.store, Clock(), in_place)

    def outcome(self, started: Any) -> str:
        """``OK``, or the refusal's code."""
        results: list[str] = []
        ensureDeferred(started).addCallbacks(
            lambda account: results.append("OK"),
            lambda failure: results.append(
                failure.trap(ChatError) and failure.value.code
            ),
        )
        return results[0]

    def register(self, password: str, name: str = "alice") -> str:
        return self.outcome(self.accounts.register(name, password, "192.0.2.1"))

    def sign_in(self, password: str, name: str = "alice") -> str:
        return self.outcome(self.accounts.sign_in(name, password, "192.0.2.1"))

    def test_a_passphrase_with_spaces_registers_and_signs_in(self) -> None:
        """Spaces, punctuation and any script: the phrase signs in, and a
        phrase one space short of it does not."""
        self.assertEqual(self.register("correct horse battery staple"), "OK")
        self.assertEqual(self.sign_in("correct horse battery staple"), "OK")
        self.assertEqual(self.sign_in("correct horse batterystaple"), "BAD_PASSWORD")
        self.assertEqual(self.register("Ça  va? «très» bien, 🐴!", "bob"), "OK")
        self.assertEqual(self.sign_in("Ça  va? «très» bien, 🐴!", "bob"), "OK")

    def test_the_same_phrase_in_another_unicode_form_signs_in(self) -> None:
        """What one keyboard types as a no-break space, a decomposed accent
        or full-width letters signs in to what another registered (NFKC)."""
        self.assertEqual(self.register("café au lait, s'il vous plaît"), "OK")
        typed = "cafe\u0301\u00a0au lait,\u2003s'il vous plaît"
        self.assertEqual(self.sign_in(typed), "OK")
        self.assertEqual(self.register("ＡＢＣ ｄｅｆ ｇｈｉ", "bob"), "OK")
        self.assertEqual(self.sign_in("ABC def ghi", "bob"), "OK")

    def test_what_no_password_holds(self) -> None:
        """Control characters (a tab, a line end) and a space first or
        last are refused; 128 characters are enough, emoji counting one."""
        for refused in (
            "correct\thorse battery",
            "correct horse\nbattery",
            " correct horse battery",
            "correct horse battery ",
            "correct horse battery\u00a0",
            "x" * 129,
        ):
            self.assertEqual(self.register(refused), "BAD_ARGS", repr(refused))
        self.assertEqual(self.register("🐴" * 128), "OK")

    def test_a_password_set_before_normalising_still_signs_in(self) -> None:
        """An account whose password was hashed as typed, in a form NFKC
        changes, signs in with it as typed."""
        hashed = self.accounts.hasher.hash("ｓｅｓａｍｅ-open")
        older = Account("alice", "alice", hashed)
        made = registering(None, older)
        self.successResultOf(ensureDeferred(self.store.apply(made)))
        self.assertEqual(self.sign_in("ｓｅｓａｍｅ-open"), "OK")
        self.assertEqual(self.sign_in("sesame-open"), "BAD_PASSWORD")
