"""Threads, run against every registry: ``/thread``, ``/threads``,
``/history thread``, following and ``/unread``'s thread counts.

With the in-process registry (``tests/backends/local/test_threads.py``)
and with a real ``redis-server`` (``tests/backends/redis/test_threads.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.account import PASSWORD
from tests.backends.contracts.handler import User
from tests.backends.contracts.rich import RichRoom, id_of

#: Rooms keep more than a page of ``/history`` (``/threads`` reads them all).
THREADS_CONFIG = ServerConfig(rate=0, history=2, resume_bound=50, retention=500)


class ThreadsContract(RichRoom):
    """What rich, ids-only and plain members see of a thread."""

    @defer.inlineCallbacks
    def said(self, user: User, watcher: User, text: str) -> Generator[Any, Any, str]:
        """``user`` says ``text``; the id ``watcher`` (rich) sees it by."""
        user.say(text)
        return id_of((yield self.expect(watcher, "@")))

    @defer.inlineCallbacks
    def test_a_thread_message_is_one_message_for_everyone(
        self,
    ) -> Generator[Any, Any, None]:
        """``/thread ID TEXT``: rich members get ``@ID;thread=ROOT MSG``, ids
        members ``@ID MSG``, plain ones the plain ``MSG``; a thread message
        named as ID puts the new one in the same thread (its root's)."""
        alice, bob, carol = yield self.rich_room()
        root = yield self.said(alice, carol, "who has the key?")
        bob.say(f"/thread {root} I do")
        rich = yield self.expect(carol, "@")
        self.assertRegex(rich, rf"^@\d+;thread={root} MSG tea bob \S+ I do$")
        answer = id_of(rich)
        ids = yield self.expect(bob, f"@{answer} ")
        self.assertEqual(ids, f"@{answer} {rich.partition(' ')[2]}")
        plain = yield self.expect(alice, "MSG tea bob ")
        self.assertEqual(plain, rich.partition(" ")[2])
        alice.say(f"/thread {answer} thanks")
        again = yield self.expect(carol, "@")
        self.assertRegex(again, rf"^@\d+;thread={root} MSG tea alice \S+ thanks$")
        yield self.refusal(carol, "/thread 999 hm", "NO_SUCH_MESSAGE")
        yield self.refusal(carol, f"/thread {root}", "BAD_ARGS")

    @defer.inlineCallbacks
    def test_threads_lists_newest_first_and_history_pages_one(
        self,
    ) -> Generator[Any, Any, None]:
        """``/threads``: a ``THREAD`` line per thread, newest first, with how
        many messages answer its root and its newest; ``/history thread``
        pages one thread (its root first), rich lines tagged."""
        alice, bob, carol = yield self.rich_room()
        first = yield self.said(alice, carol, "question one")
        second = yield self.said(alice, carol, "question two")
        bob.say(f"/thread {first} one-a")
        one_a = id_of((yield self.expect(carol, "@")))
        bob.say(f"/thread {second} two-a")
        yield self.expect(carol, "@")
        bob.say(f"/thread {first} one-b")
        one_b_line = yield self.expect(carol, "@")
        one_b = id_of(one_b_line)
        carol.say("/threads")
        yield self.expect(carol, "THREADS_END")
        listed = [line for line in carol.lines if line.startswith("THREAD ")]
        stamp = one_b_line.split()[4]
        self.assertEqual(listed[0], f"THREAD tea {first} 2 {one_b} {stamp}")
        self.assertRegex(listed[1], rf"^THREAD tea {second} 1 \d+ \S+$")
        self.assertEqual(len(listed), 2)
        carol.say(f"/history thread {first} 10")
        yield self.expect(carol, "HISTORY_END tea 3")
        page = carol.lines[-4:-1]
        self.assertEqual(
            [line.split(" ", 1)[0] for line in page],
            [f"@{first}", f"@{one_a};thread={first}", f"@{one_b};thread={first}"],
        )
        self.assertRegex(page[1], r" HISTORY tea bob \S+ one-a$")
        carol.say(f"/history thread {first} 1 before {one_b}")
        yield self.expect(carol, "HISTORY_END tea 1")
        self.assertEqual(carol.lines[-2].split(" ", 1)[0], f"@{one_a};thread={first}")
        alice.say(f"/history thread {first} 5")
        yield self.expect(alice, "HISTORY_END tea 3")
        self.assertEqual(alice.lines[-2].split()[-1], "one-b")  # plain lines
        yield self.refusal(carol, "/history thread 999 5", "NO_SUCH_MESSAGE")
        yield self.refusal(carol, f"/history thread {first}", "BAD_ARGS")

    @defer.inlineCallbacks
    def registered_in_tea(self) -> Generator[Any, Any, list[User]]:
        """dora and emil, accounts, rich, in tea (made by dora)."""
        users = []
        for name in ("dora", "emil"):
            user = yield self.connect(name)
            user.say("/caps rich")
            yield self.expect(user, "CAPS ")
            user.say(f"/register {PASSWORD}")
            yield self.expect(user, f"REGISTERED {name}")
            user.say("/create tea" if name == "dora" else "/join tea")
            yield self.expect(user, "MEMBERS tea ")
            users.append(user)
        return users

    @defer.inlineCallbacks
    def done(self, user: User) -> Generator[Any, Any, None]:
        """``user``'s commands so far are done (a connection's commands run
        in order: the reply to one more has come)."""
        user.say("/threads")
        yield self.expect(user, "THREADS_END")

    @defer.inlineCallbacks
    def unread_line(self, user: User) -> Generator[Any, Any, str]:
        user.say("/unread")
        yield self.expect(user, "UNREAD_END")
        return next(line for line in user.lines[::-1] if line.startswith("UNREAD "))

    @defer.inlineCallbacks
    def test_followed_threads_count_in_unread(self) -> Generator[Any, Any, None]:
        """The root's author follows a thread once it is answered, and its
        writer does: ``/unread`` counts its messages after the marker as
        ``thread ROOT COUNT``; ``/unfollow`` stops that, for good (writing
        in it again does not follow it again); ``/follow`` starts it."""
        dora, emil = yield self.registered_in_tea()
        root = yield self.said(dora, dora, "plans for friday?")
        emil.say(f"/thread {root} cinema")
        answer = id_of((yield self.expect(dora, "@")))
        yield self.done(emil)
        dora.say(f"/read tea {root}")
        yield self.expect(dora, "READ tea ")
        line = yield self.unread_line(dora)
        self.assertEqual(line, f"UNREAD tea 1 0 thread {root} 1")
        emil.say(f"/thread {answer} or dinner")
        yield self.expect(dora, "@")
        line = yield self.unread_line(emil)
        self.assertTrue(line.endswith(f" thread {root} 2"), line)
        emil.say(f"/unfollow {root}")
        self.assertEqual((yield self.expect(emil, "UNFOLLOW ")), f"UNFOLLOW tea {root}")
        emil.say(f"/thread {root} either")
        yield self.expect(emil, "@")
        line = yield self.unread_line(emil)
        self.assertNotIn("thread", line)
        emil.say(f"/follow {answer}")  # a thread message names its thread
        self.assertEqual((yield self.expect(emil, "FOLLOW ")), f"FOLLOW tea {root}")
        line = yield self.unread_line(emil)
        self.assertTrue(line.endswith(f" thread {root} 3"), line)
        yield self.refusal(emil, "/follow 999", "NO_SUCH_MESSAGE")

    @defer.inlineCallbacks
    def test_being_named_in_a_thread_follows_it(self) -> Generator[Any, Any, None]:
        """A member named in a thread's message follows the thread; a plain
        name cannot follow one."""
        dora, emil = yield self.registered_in_tea()
        root = yield self.said(emil, dora, "anyone seen the cat?")
        frank = yield self.connect("frank")
        frank.say("/join tea")
        yield self.expect(frank, "MEMBERS tea ")
        frank.say(f"/thread {root} ask dora")
        yield self.done(frank)
        line = yield self.unread_line(dora)
        self.assertTrue(line.endswith(f" thread {root} 1"), line)
        yield self.refusal(frank, f"/follow {root}", "NOT_ALLOWED")
