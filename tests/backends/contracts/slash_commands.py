"""Outgoing slash commands (issue 82), on every registry.

The same conversations with the in-process registry
(``tests/backends/local/test_slash_commands.py``) and with a real
``redis-server`` (``tests/backends/redis/test_slash_commands.py``): alice
owns ``tea``, bob is in it; ``/command`` over the line door, with the
server's real caller (:class:`~chatroom.wiring.slashcalls.SlashCaller`)
whose guard vets a public literal address without connecting. The calls
themselves, to a real HTTP receiver, are
``tests/integration/test_slash_commands.py``'s.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor

from chatroom.core.model.changes.base import DecidedChange, FactsChangedError
from chatroom.core.model.changes.messages import (
    AddCommand,
    CommandHeld,
    FewerCommandsThan,
    RemoveCommand,
    RoomCommands,
)
from chatroom.core.model.errors import ChatError
from chatroom.core.model.slash_commands import SlashCommand
from chatroom.core.model.text import name_key
from chatroom.core.rooms.slash_commands import COMMANDS_PER_ROOM, command_key
from chatroom.wiring.outbound import OutboundGuard, OutboundPolicy
from chatroom.wiring.slashcalls import SlashCaller
from tests.backends.contracts.handler import ContractBase, User
from tests.support import FakeClient, chat_core

#: A public address: the guard vets it without resolving or connecting.
URL = "http://93.184.216.34/weather"


def added(room: str, command: SlashCommand, most: int = COMMANDS_PER_ROOM) -> Any:
    """``command`` added as the core decides it: on no command of its name
    and fewer than ``most`` in the room."""
    key = command_key(command.name)
    premises = (CommandHeld(key, False), FewerCommandsThan(most))
    return DecidedChange(
        RoomCommands(name_key(room)), premises, (AddCommand(key, command),)
    )


def removed(room: str, name: str) -> DecidedChange:
    """Room ``room``'s command ``name`` removed, on its being there."""
    key = command_key(name)
    return DecidedChange(
        RoomCommands(name_key(room)), (CommandHeld(key, True),), (RemoveCommand(key),)
    )


class SlashCommandContract(ContractBase):
    """What a room's owner and its members see of ``/command``."""

    def calling(self) -> None:
        """The server calls commands as ``twistd chatroom`` does."""
        guard = OutboundGuard(reactor, OutboundPolicy())
        chat_core(self.server).slash_commands.caller = SlashCaller(guard)

    @defer.inlineCallbacks
    def test_the_owner_adds_lists_and_removes(self) -> Generator[Any, Any, None]:
        """``/command add`` answers ``COMMAND name url token`` (a token of
        32 characters, a new one per command); ``/command list`` shows
        each by name, then ``COMMANDS_END``; ``/command remove`` answers
        ``COMMAND_REMOVED``, and again ``NO_SUCH_COMMAND``."""
        self.calling()
        (alice,) = yield self.in_room("tea", "alice")
        alice.say(f"/command add weather {URL}")
        line = yield self.expect(alice, "COMMAND ")
        _, name, url, token = line.split(" ")
        self.assertEqual((name, url, len(token)), ("weather", URL, 32))
        alice.say(f"/command add Deploy {URL}/deploy")
        deploy = yield self.expect(alice, "COMMAND ")
        self.assertNotIn(token, deploy)
        alice.say("/command list")
        self.assertEqual((yield self.expect(alice, "COMMAND ")), deploy)
        self.assertEqual((yield self.expect(alice, "COMMAND ")), line)
        self.assertEqual(
            (yield self.expect(alice, "COMMANDS_END")), "COMMANDS_END tea 2"
        )
        alice.say("/command remove WEATHER")
        self.assertEqual(
            (yield self.expect(alice, "COMMAND_")), "COMMAND_REMOVED WEATHER"
        )
        reply = yield self.refusal(alice, "/command remove weather", "NO_SUCH_COMMAND")
        self.assertEqual(reply, "ERR NO_SUCH_COMMAND tea has no command /weather")
        yield self.refusal(alice, "/weather now", "UNKNOWN_COMMAND")
        alice.say("/command list")
        self.assertEqual((yield self.expect(alice, "COMMAND ")), deploy)
        self.assertEqual(
            (yield self.expect(alice, "COMMANDS_END")), "COMMANDS_END tea 1"
        )

    @defer.inlineCallbacks
    def test_refusals(self) -> Generator[Any, Any, None]:
        """Only the owner manages commands (``NOT_ALLOWED``, even to list
        them); a server's command or one the room has is ``NAME_TAKEN``; a
        name past the rule ``BAD_NAME``; a URL that is none, an address
        that is not public, or an eleventh command ``BAD_ARGS``."""
        self.calling()
        alice, bob = yield self.in_room("tea", "alice", "bob")
        for line in (f"/command add weather {URL}", "/command list"):
            reply = yield self.refusal(bob, line, "NOT_ALLOWED")
            self.assertEqual(
                reply, "ERR NOT_ALLOWED only the owner of tea can manage its commands"
            )
        yield self.refusal(bob, "/command remove weather", "NOT_ALLOWED")
        for name in ("join", "HELP", "webhook", "command", "me"):
            yield self.refusal(alice, f"/command add {name} {URL}", "NAME_TAKEN")
        for name in ("a.b", "x" * 33, "wé/x"):
            yield self.refusal(alice, f"/command add {name} {URL}", "BAD_NAME")
        for url in ("ftp://93.184.216.34/", "weather", "http:///x", "http://x:99999/"):
            yield self.refusal(alice, f"/command add w {url}", "BAD_ARGS")
        for url in (
            "http://127.0.0.1:8080/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "http://10.0.0.1/",
        ):
            reply = yield self.refusal(alice, f"/command add w {url}", "BAD_ARGS")
            self.assertEqual(reply, "ERR BAD_ARGS the address is not a public address")
        yield self.refusal(alice, "/command add w", "BAD_ARGS")
        for number in range(COMMANDS_PER_ROOM):
            alice.say(f"/command add c{number} {URL}")
            yield self.expect(alice, f"COMMAND c{number} ")
        yield self.refusal(alice, f"/command add C1 {URL}", "NAME_TAKEN")
        reply = yield self.refusal(alice, f"/command add more {URL}", "BAD_ARGS")
        self.assertEqual(
            reply, "ERR BAD_ARGS tea has its 10 commands: /command remove one first"
        )

    @defer.inlineCallbacks
    def test_commands_go_with_their_room(self) -> Generator[Any, Any, None]:
        """A room made again under the name of one that went has none of
        its commands."""
        self.calling()
        (alice,) = yield self.in_room("tea", "alice")
        alice.say(f"/command add weather {URL}")
        yield self.expect(alice, "COMMAND ")
        alice.say("/delete tea")
        yield self.expect(alice, "DELETED tea")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea")
        alice.say("/command list")
        self.assertEqual(
            (yield self.expect(alice, "COMMANDS_END")), "COMMANDS_END tea 0"
        )
        yield self.refusal(alice, "/weather", "UNKNOWN_COMMAND")

    @defer.inlineCallbacks
    def test_commands_follow_a_rename(self) -> Generator[Any, Any, None]:
        """Renamed, the room keeps its commands under its new name."""
        self.calling()
        (alice,) = yield self.in_room("tea", "alice")
        alice.say(f"/command add weather {URL}")
        yield self.expect(alice, "COMMAND ")
        alice.say("/rename cafe")
        yield self.expect(alice, "RENAMED tea cafe")
        alice.say("/command list")
        self.assertTrue(
            (yield self.expect(alice, "COMMAND ")).startswith("COMMAND weather ")
        )
        self.assertEqual(
            (yield self.expect(alice, "COMMANDS_END")), "COMMANDS_END cafe 1"
        )

    @defer.inlineCallbacks
    def test_without_a_caller_none_is_added(self) -> Generator[Any, Any, None]:
        """A server that makes no requests says so."""
        chat_core(self.server).slash_commands.caller = None
        (alice,) = yield self.in_room("tea", "alice")
        yield self.refusal(alice, f"/command add weather {URL}", "UNAVAILABLE")


class CommandStoreContract(ContractBase):
    """A back-end's :class:`~chatroom.core.model.slash_commands.CommandStore`
    (``rooms.commands``) and its change."""

    def backend(self) -> Any:
        """The server's back-end."""
        raise NotImplementedError

    def applied(self, change: DecidedChange) -> defer.Deferred[None]:
        return defer.Deferred.fromCoroutine(self.backend().apply(change))

    def listed(self, room: str) -> defer.Deferred[list[SlashCommand]]:
        return defer.Deferred.fromCoroutine(self.backend().rooms.commands.of_room(room))

    @defer.inlineCallbacks
    def tea(self) -> Generator[Any, Any, None]:
        user = User(FakeClient(self.server))
        user.say("alice")
        user.say("/create tea")
        yield self.expect(user, "MEMBERS tea")

    @defer.inlineCallbacks
    def test_kept_listed_and_removed(self) -> Generator[Any, Any, None]:
        """Commands are listed by key in their room (by any spelling of
        its name), with every field as added; a second of the same name
        (any case) is not added; removed, it is listed no more, and
        removed again its premise fails; a room that is none takes
        none."""
        yield self.tea()
        weather = SlashCommand("Weather", URL, "t" * 32, "alice")
        deploy = SlashCommand("deploy", URL + "/d", "u" * 32, "alice")
        yield self.applied(added("tea", weather))
        yield self.applied(added("tea", deploy))
        again = SlashCommand("WEATHER", URL, "v" * 32, "alice")
        yield self.assertFailure(self.applied(added("tea", again)), FactsChangedError)
        self.assertEqual((yield self.listed("TEA")), [deploy, weather])
        yield self.applied(removed("tea", "weather"))
        yield self.assertFailure(
            self.applied(removed("tea", "Weather")), FactsChangedError
        )
        self.assertEqual((yield self.listed("tea")), [deploy])
        try:
            yield self.applied(added("cafe", weather))
        except ChatError as refusal:
            self.assertEqual(refusal.code, "NO_SUCH_ROOM")
        else:
            raise AssertionError("a command was added to a room that is none")

    @defer.inlineCallbacks
    def test_one_past_the_most_added_meanwhile_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """A command decided on the room having fewer than the most (two,
        the core's operand), applied after another was added meanwhile,
        is refused: the room keeps two."""
        yield self.tea()
        decided = added("tea", SlashCommand("late", URL, "x", "alice"), most=2)
        yield self.applied(added("tea", SlashCommand("a", URL, "y", "alice"), most=2))
        yield self.applied(added("tea", SlashCommand("b", URL, "z", "alice"), most=2))
        yield self.assertFailure(self.applied(decided), FactsChangedError)
        self.assertEqual([c.name for c in (yield self.listed("tea"))], ["a", "b"])
