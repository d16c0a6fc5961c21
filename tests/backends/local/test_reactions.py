"""Reactions, typing and the moderation log (issue 22) with the in-process
registry: the contract, typing's rate on the injected clock, and what the
``--db`` file keeps across a restart."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.core.policy import reactions
from chatroom.core.policy.reactions import Reactions
from tests.backends.contracts.reaction import REACTION_CONFIG, ReactionContract
from tests.doors.irc.test_irc import IRCTestCase
from tests.support import FakeClient, StoreFileTestCase, local_backend, local_server


class LocalRegistryReactionTests(ReactionContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(REACTION_CONFIG, self.clock)


class TypingRateTests(unittest.TestCase):
    """``active`` and ``paused`` at most every 3 seconds per user and room,
    counted from the last one relayed; ``done`` always."""

    def setUp(self) -> None:
        self.clock = Clock()
        server = local_server(ServerConfig(rate=0), self.clock)
        self.alice, self.bob = FakeClient(server), FakeClient(server)
        for line in ("alice", "/caps rich multi", "/create tea", "/create cafe"):
            self.alice.send(line)
        for line in ("bob", "/caps rich multi", "/join tea", "/join cafe"):
            self.bob.send(line)
        self.alice.received()
        self.bob.received()

    def typed(self, line: str) -> list[str]:
        """What alice hears of bob's ``line``."""
        self.bob.send(line)
        return [x for x in self.alice.received() if x.startswith("TYPING")]

    def test_active_and_paused_at_most_every_three_seconds(self) -> None:
        """A notice within 3 s of the last relayed one is dropped silently
        (bob hears no error), one 3 s after it goes through; a dropped one
        does not move the count on."""
        self.assertEqual(self.typed("/typing active"), ["TYPING cafe bob active"])
        self.clock.advance(1)
        self.assertEqual(self.typed("/typing paused"), [])
        self.clock.advance(1.999)
        self.assertEqual(self.typed("/typing active"), [])
        self.assertEqual(self.bob.received(), [])
        self.clock.advance(0.001)
        self.assertEqual(self.typed("/typing paused"), ["TYPING cafe bob paused"])

    def test_done_always_and_rooms_apart(self) -> None:
        """``done`` is relayed however soon; each room counts on its own."""
        self.assertEqual(self.typed("/typing active"), ["TYPING cafe bob active"])
        self.assertEqual(self.typed("/typing done"), ["TYPING cafe bob done"])
        self.assertEqual(self.typed("/typing done"), ["TYPING cafe bob done"])
        self.bob.send("/focus tea")
        self.assertEqual(self.typed("/typing active"), ["TYPING tea bob active"])
        self.assertEqual(self.typed("/typing active"), [])


class KeptAcrossRestartsTests(StoreFileTestCase):
    """Reactions and the moderation log are kept in the ``--db`` file."""

    def test_reactions_and_modlog_survive_a_restart(self) -> None:
        """After a crash, a reaction given before is still given (giving it
        again sends nothing; taking it back does), the replay shows the
        reactions, and ``/modlog`` the entries."""
        alice = FakeClient(self.start())
        for line in ("alice", "/caps rich", "/create tea", "hello", "/react 1 x"):
            alice.send(line)
        for line in ("/react 1 y", "/unreact 1 y", "/set topic-lock on"):
            alice.send(line)
        server = self.start()
        alice = FakeClient(server)
        for line in ("alice", "/caps rich", "/join tea"):
            alice.send(line)
        replay = [x.split(" ", 2)[:2] for x in alice.received() if x.startswith("@")]
        self.assertEqual(
            replay,
            [["@1", "HISTORY"], ["@2", "REACT"], ["@3", "REACT"], ["@4", "UNREACT"]],
        )
        alice.send("/react 1 x")
        self.assertEqual(alice.received(), [])
        alice.send("/unreact 1 x")
        self.assertEqual(alice.received(), ["@5 UNREACT tea 1 alice x"])
        alice.send("/set invite-only on")  # the owner is back: a new entry
        self.assertEqual(alice.received(), ["SET tea invite-only on alice"])
        alice.send("/modlog")
        *log, end = alice.received()
        self.assertEqual(end, "MODLOG_END tea 2")
        self.assertEqual(
            [line.split(" ")[3:] for line in log],
            [
                ["alice", "set", "topic-lock=on", "-"],
                ["alice", "set", "invite-only=on", "-"],
            ],
        )


class ReactionFloodTests(unittest.TestCase):
    """Reactions and typing notices count against the flood limit like any line."""

    def test_a_flood_of_reactions_waits_its_turn(self) -> None:
        """Past ``--burst``, reactions wait at ``--rate`` (the sender is told
        ``SLOW`` once) and then all arrive, in order."""
        clock = Clock()
        server = local_server(ServerConfig(rate=2, burst=5), clock)
        alice, bob = FakeClient(server), FakeClient(server)
        for line in ("alice", "/create tea", "hi"):
            alice.send(line)
        for line in ("bob", "/caps rich", "/join tea"):
            bob.send(line)
        clock.advance(10)  # tokens back
        alice.received(), bob.received()
        alice.send(b"".join(b"/react 1 r%d\n" % n for n in range(8)))
        self.assertEqual([x[:7] for x in alice.received()], ["SLOW 2 "])
        self.assertEqual(len(bob.received()), 5)
        clock.advance(1.5)
        later = bob.received()
        self.assertEqual([x.rsplit(" ", 1)[1] for x in later], ["r5", "r6", "r7"])


class IRCMemberTests(IRCTestCase):
    """An IRC member of the room (the mapping:
    tests/doors/irc/test_irc_reactions.py)."""

    def test_an_irc_joiner_gets_the_messages_alone(self) -> None:
        """A joiner's replay has the messages as they now stand: no notice
        of reactions (or edits) in it."""
        bob, _ = self.line_room("bob")
        for line in ("hello", "/react 1 x", "/edit 1 hello!", "/unreact 1 x"):
            bob.send(line)
        carol = self.irc("carol")
        carol.send("JOIN #tea")
        lines = carol.received()
        said = [line for line in lines if " PRIVMSG " in line]
        self.assertEqual(len(said), 1)
        self.assertTrue(said[0].endswith(" hello!"), said)
        self.assertFalse([line for line in lines if " NOTICE #tea " in line], lines)


class ReactionStateTests(unittest.TestCase):
    """Who reacted with what, in one process."""

    def test_the_reactions_of_messages_gone_are_pruned(self) -> None:
        """``prune`` forgets the reactions to messages before the first kept
        and keeps the others, with their counts."""
        state = Reactions()
        for target in ("1", "2", "3"):
            state.apply(target, "x", "alice", True)
        state.apply("3", "y", "bob", True)
        state.prune(3)
        self.assertEqual(state.of, {"3": {"x": {"alice"}, "y": {"bob"}}})
        self.assertEqual(state.changes, 4)

    def test_what_a_reaction_is_decided_on(self) -> None:
        """The facts of a reaction, and what :func:`reactions.decide` makes
        of them: nothing twice, no reaction past the most allowed, a
        reaction already given always, a taking back only of one's own."""
        state = Reactions()
        for number in range(3):
            state.apply("1", f"r{number}", "alice", True)
        facts = state.facts("1", "r0", "alice")
        self.assertEqual(facts, reactions.ReactionFacts(True, True, 3))
        self.assertEqual(reactions.decide(facts, True, 3), reactions.UNCHANGED)
        self.assertEqual(reactions.decide(facts, False, 3), reactions.CHANGED)
        bob = state.facts("1", "r0", "bob")
        self.assertEqual(reactions.decide(bob, True, 3), reactions.CHANGED)
        self.assertEqual(reactions.decide(bob, False, 3), reactions.UNCHANGED)
        new = state.facts("1", "r3", "bob")
        self.assertEqual(reactions.decide(new, True, 3), reactions.FULL)
        self.assertEqual(reactions.decide(new, True, 4), reactions.CHANGED)

    def test_reacting_prunes_now_and_then(self) -> None:
        """Every ``PRUNE_EVERY`` changes, the reactions to messages memory
        no longer holds (nothing is on disk) are forgotten; reacting goes on."""
        self.patch(reactions, "PRUNE_EVERY", 5)
        server = local_server(ServerConfig(rate=0, history=5, resume_bound=5), Clock())
        alice = FakeClient(server)
        for line in ("alice", "/caps rich", "/create tea"):
            alice.send(line)
        for number in range(10):
            alice.send(f"message {number}")
            alice.send(f"/react {2 * number + 1} x")
        self.assertEqual(alice.received()[-1], "@20 REACT tea 19 alice x")
        state = local_backend(server).messages.reactions["tea"]
        self.assertEqual(sorted(state.of, key=int), ["17", "19"])  # 16-20 held
        alice.send("/react 15 y")
        self.assertTrue(alice.received()[0].startswith("ERR NO_SUCH_MESSAGE "))
