"""Attempts in flight: guesses and registrations sent all at once.

The hashing runner here holds every hash pending until the test lets it
run, as a busy hashing thread would: that is when today's counts used to
miss the guesses already sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher
from twisted.internet.defer import Deferred, ensureDeferred, succeed
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.store import MemoryStore
from chatroom.core.accounts.accounts import OWN_PASSWORD, Account
from chatroom.core.infra.hashing import HashingQueue
from chatroom.core.model.config import SCRAM_MIN, ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.services.accounts import AccountService
from tests.support import account_service

PASSWORD = "tea-and-biscuits"

#: Argon2id at its cheapest: these tests count hashes, they do not time them.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
#: ... and SCRAM's keys at RFC 7677's floor (SCRAM_MIN), for the same reason.


class HeldRunner:
    """Runs nothing until told: each job waits in ``held``."""

    def __init__(self) -> None:
        self.held: list[tuple[Callable[[], Any], Deferred[Any]]] = []

    def __call__(self, job: Callable[[], Any]) -> Deferred[Any]:
        done: Deferred[Any] = Deferred()
        self.held.append((job, done))
        return done

    def release_all(self) -> None:
        """Run every held job (and those they let start), oldest first."""
        while self.held:
            job, done = self.held.pop(0)
            done.callback(job())


class Seen(str):
    """A result :func:`outcome` has read (and handled, if it was a failure)."""


def outcome(deferred: Deferred[Any]) -> str:
    """``OK``, the refusal's code, or ``pending`` (may be asked again)."""
    results: list[str] = []

    def seen(result: Any) -> Seen:
        if isinstance(result, Seen):
            code = result
        elif isinstance(result, Failure):
            result.trap(ChatError)
            assert isinstance(result.value, ChatError)
            code = Seen(result.value.code)
        else:
            code = Seen("OK")
        results.append(code)
        return code

    deferred.addBoth(seen)
    return str(results[0]) if results else "pending"


class InFlightTests(unittest.TestCase):
    """Guesses still being hashed count against the back-off."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_000_000)
        self.runner = HeldRunner()
        self.accounts = account_service(
            StoredAccounts(MemoryStore()),
            self.clock,
            self.runner,
            ServerConfig(scram_iterations=SCRAM_MIN),
            hasher=CHEAP,
        )
        registering = ensureDeferred(
            self.accounts.register("alice", PASSWORD, "192.0.2.1")
        )
        self.runner.release_all()
        self.successResultOf(registering)

    def guess_at_once(self, count: int, address: Callable[[int], str]) -> list[str]:
        """``count`` wrong passwords sent before any is checked; their codes."""
        guesses = [
            ensureDeferred(self.accounts.sign_in("alice", f"guess-{n}", address(n)))
            for n in range(count)
        ]
        early = [outcome(g) for g in guesses]
        self.runner.release_all()
        return [
            outcome(g) if code == "pending" else code
            for g, code in zip(guesses, early, strict=True)
        ]

    def test_forty_guesses_at_once_from_one_address(self) -> None:
        """Only the 5 free tries are checked; the other 35 are refused
        RATE_LIMITED at once, before any hash has finished."""
        codes = self.guess_at_once(40, lambda n: "203.0.113.9")
        self.assertEqual(codes.count("BAD_PASSWORD"), 5)
        self.assertEqual(codes.count("RATE_LIMITED"), 35)

    def test_forty_guesses_at_once_from_forty_addresses(self) -> None:
        """The name's back-off holds for guesses from many addresses too."""
        codes = self.guess_at_once(40, lambda n: f"198.51.100.{n}")
        self.assertEqual(codes.count("BAD_PASSWORD"), 5)
        self.assertEqual(codes.count("RATE_LIMITED"), 35)

    def test_the_owner_signs_in_from_a_known_address_during_the_storm(self) -> None:
        """While guesses are in flight, the owner's known address is exempt
        from the name's back-off and gets in."""
        guesses = [
            ensureDeferred(self.accounts.sign_in("alice", f"guess-{n}", f"10.0.0.{n}"))
            for n in range(20)
        ]
        owner = ensureDeferred(self.accounts.sign_in("alice", PASSWORD, "192.0.2.1"))
        self.runner.release_all()
        self.assertEqual(outcome(owner), "OK")
        self.assertEqual(
            [outcome(g) for g in guesses].count("BAD_PASSWORD"), 5, "free tries"
        )

    def test_successes_in_flight_are_not_failures(self) -> None:
        """Ten right passwords at once from a new address all get in: an
        attempt counted up front is given back when it succeeds."""
        signing_in = [
            ensureDeferred(self.accounts.sign_in("alice", PASSWORD, "192.0.2.50"))
            for _ in range(5)
        ]
        self.runner.release_all()
        self.assertEqual([outcome(d) for d in signing_in], ["OK"] * 5)
        later = ensureDeferred(self.accounts.sign_in("alice", PASSWORD, "192.0.2.51"))
        self.runner.release_all()
        self.assertEqual(outcome(later), "OK")

    def test_unknown_names_cost_the_address_not_the_name(self) -> None:
        """Guessing names that do not exist slows the address down, and
        leaves a real name's count alone."""
        codes = [
            outcome(
                ensureDeferred(self.accounts.sign_in(f"who{n}", "x" * 8, "10.9.9.9"))
            )
            for n in range(8)
        ]
        self.assertEqual(codes[:5], ["NO_SUCH_ACCOUNT"] * 5)
        self.assertEqual(codes[5:], ["RATE_LIMITED"] * 3)
        # alice's name has all its free tries left.
        codes = self.guess_at_once(6, lambda n: f"198.51.100.{n}")
        self.assertEqual(codes, ["BAD_PASSWORD"] * 5 + ["RATE_LIMITED"])

    def test_wrong_passwords_in_a_session_in_flight(self) -> None:
        """``/password`` guesses sent at once by a signed-in session meet
        the per-account back-off too."""
        changing = [
            ensureDeferred(
                self.accounts.change_password(
                    "alice", f"bad-{n}", "new-password-1", "a"
                )
            )
            for n in range(12)
        ]
        self.runner.release_all()
        codes = [outcome(d) for d in changing]
        self.assertEqual(codes.count("BAD_PASSWORD"), 5)
        self.assertEqual(codes.count("RATE_LIMITED"), 7)


class RegistrationTests(unittest.TestCase):
    """Registrations per address and per server, and their hashing."""

    def make(self, **limits: Any) -> AccountService:
        self.clock = Clock()
        self.runner = HeldRunner()
        self.stored = StoredAccounts(MemoryStore())
        return account_service(
            self.stored,
            self.clock,
            self.runner,
            ServerConfig(**limits, scram_iterations=SCRAM_MIN),
            hasher=CHEAP,
        )

    def register(
        self, accounts: AccountService, name: str, address: str
    ) -> Deferred[Any]:
        return ensureDeferred(accounts.register(name, PASSWORD, address))

    def test_thirty_per_address_per_ten_minutes(self) -> None:
        """By default an address registers 30 names in 10 minutes, the 31st
        is refused RATE_LIMITED (sent at once or not), and another address
        is not affected; after the window the address may register again."""
        accounts = self.make()
        at_once = [
            self.register(accounts, f"user{n}", "203.0.113.9") for n in range(35)
        ]
        early = [outcome(d) for d in at_once]
        self.assertEqual(early.count("RATE_LIMITED"), 5)
        self.runner.release_all()
        self.assertEqual([outcome(d) for d in at_once].count("OK"), 30)
        elsewhere = self.register(accounts, "bob", "192.0.2.7")
        self.runner.release_all()
        self.assertEqual(outcome(elsewhere), "OK")
        refused = self.register(accounts, "late", "203.0.113.9")
        self.assertIn("try again in 600 s", self.failureResultOf(refused).value.text)
        self.clock.advance(600)
        again = self.register(accounts, "late", "203.0.113.9")
        self.runner.release_all()
        self.assertEqual(outcome(again), "OK")

    def test_server_wide_rate(self) -> None:
        """``--register-rate`` bounds registrations per minute from every
        address together."""
        accounts = self.make(register_rate=10)
        codes = [
            outcome(self.register(accounts, f"user{n}", f"10.0.0.{n}"))
            for n in range(15)
        ]
        self.assertEqual(codes.count("RATE_LIMITED"), 5)
        self.clock.advance(60)
        self.assertEqual(
            outcome(self.register(accounts, "later", "10.1.1.1")), "pending"
        )

    def test_a_taken_name_costs_no_registration(self) -> None:
        """Trying a registered name is refused NAME_REGISTERED and does not
        use up the address's registrations."""
        accounts = self.make(register_limit=2)
        first = self.register(accounts, "alice", "10.0.0.1")
        self.runner.release_all()
        self.assertEqual(outcome(first), "OK")
        for _ in range(3):
            taken = self.register(accounts, "alice", "10.0.0.1")
            self.assertEqual(outcome(taken), "NAME_REGISTERED")
        second = self.register(accounts, "bob", "10.0.0.1")
        self.runner.release_all()
        self.assertEqual(outcome(second), "OK")
        self.assertEqual(
            outcome(self.register(accounts, "carol", "10.0.0.1")), "RATE_LIMITED"
        )

    def test_zero_turns_the_limits_off(self) -> None:
        """``--register-limit 0 --register-rate 0``: no limit at all."""
        accounts = self.make(register_limit=0, register_rate=0)
        accounts.hashing.backlog = 0
        codes = [
            outcome(self.register(accounts, f"u{n}", "10.0.0.1")) for n in range(100)
        ]
        self.runner.release_all()
        self.assertNotIn("RATE_LIMITED", codes)

    def test_registrations_cannot_starve_sign_ins(self) -> None:
        """With registrations queued behind the two busy hashing threads, a
        sign-in's check runs next, before any of them; past the queue's
        bound further registrations are refused rather than queued."""
        accounts = self.make(register_limit=0, register_rate=0)
        self.stored.by_key["alice"] = Account("alice", "alice", CHEAP.hash(PASSWORD))
        registering = [
            self.register(accounts, f"user{n}", f"10.0.{n // 250}.{n % 250}")
            for n in range(40)
        ]
        self.assertEqual(len(self.runner.held), 2)
        codes = [outcome(d) for d in registering]
        self.assertEqual(codes.count("RATE_LIMITED"), 40 - 2 - 32)
        signing_in = ensureDeferred(accounts.sign_in("alice", PASSWORD, "192.0.2.1"))
        job, done = self.runner.held.pop(0)
        done.callback(job())
        self.assertEqual(outcome(signing_in), "pending")
        job, done = self.runner.held[-1]
        matched, _scram = job()
        self.assertEqual(
            matched, OWN_PASSWORD, "the next job run is the sign-in's check"
        )


class HashingQueueTests(unittest.TestCase):
    """The queue itself: at most ``workers`` at once, checks first."""

    def test_failures_reach_the_caller_and_free_the_worker(self) -> None:
        """A job that raises fails its own Deferred; the next job runs."""
        runner = HeldRunner()
        queue = HashingQueue(runner, workers=1)

        def broken() -> None:
            raise ValueError("no")

        first = queue.hash(broken)
        second = queue.check(lambda: "ok")
        self.assertEqual(queue.waiting, 1)
        job, done = runner.held.pop()
        try:
            job()
        except ValueError as error:
            done.errback(error)
        self.failureResultOf(first, ValueError)
        job, done = runner.held.pop()
        done.callback(job())
        self.assertEqual(self.successResultOf(second), "ok")

    def test_in_place_runner(self) -> None:
        """A runner that answers at once (the unit tests' default) works."""
        queue = HashingQueue(lambda job: succeed(job()))
        self.assertEqual(self.successResultOf(queue.check(lambda: 1)), 1)
