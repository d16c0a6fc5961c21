"""Incoming webhooks (issue 34), on every registry.

The same conversations with the in-process registry
(``tests/backends/local/test_webhooks.py``) and with a real ``redis-server``
(``tests/backends/redis/test_webhooks.py``): alice owns ``tea``, bob is in
it; ``/webhook`` over the line door, posts through the registry as the
HTTP door makes them (:meth:`chatroom.core.rooms.webhooks.Webhooks.post`; the
HTTP answers themselves are ``tests/integration/test_webhooks.py``'s).
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.changes.base import DecidedChange, FactsChangedError
from chatroom.core.model.changes.messages import (
    AddHook,
    FewerHooksThan,
    HookHeld,
    RemoveHook,
    RoomHooks,
)
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Message
from chatroom.core.model.hooks import HOOK_PATH, Hook
from chatroom.core.model.multiline import MULTILINE_TAG
from chatroom.core.model.text import name_key
from chatroom.core.operating import operator
from chatroom.core.rooms.webhooks import HOOKS_PER_ROOM
from tests.backends.contracts.handler import ContractBase, User
from tests.support import FakeClient

#: The web address webhook URLs start with in these tests.
BASE = "https://chat.example.org"


def body(**fields: object) -> bytes:
    """Slack's JSON."""
    return json.dumps(fields).encode()


def added(hook: Hook, most: int = HOOKS_PER_ROOM) -> DecidedChange:
    """``hook`` added as the core decides it: on no hook of its name and
    fewer than ``most`` in its room."""
    premises = (HookHeld(name_key(hook.name), False), FewerHooksThan(most))
    return DecidedChange(RoomHooks(hook.key), premises, (AddHook(hook),))


def removed(room: str, name: str) -> DecidedChange:
    """Room ``room``'s hook called ``name`` removed, on its being there."""
    held = (HookHeld(name_key(name), True),)
    return DecidedChange(RoomHooks(name_key(room)), held, (RemoveHook(name_key(name)),))


class WebhookContract(ContractBase):
    """What a room's owner, its members and a poster see of webhooks."""

    @defer.inlineCallbacks
    def hooked(self, *names: str) -> Generator[Any, Any, tuple[list[User], str]]:
        """``names`` in ``tea`` (the first owns it), and the secret of the
        owner's hook ``ci``."""
        self.server.webhook_base = BASE
        users = yield self.in_room("tea", *names)
        users[0].say("/webhook add ci")
        line = yield self.expect(users[0], "WEBHOOK ")
        _, name, url = line.split(" ")
        self.assertEqual(name, "ci")
        self.assertTrue(url.startswith(BASE + HOOK_PATH), url)
        return users, url.removeprefix(BASE + HOOK_PATH)

    def post(self, secret: str, data: bytes) -> defer.Deferred[Message]:
        return defer.Deferred.fromCoroutine(
            self.server.registry.webhooks.post(secret, data)
        )

    @defer.inlineCallbacks
    def refused(self, secret: str, data: bytes) -> Generator[Any, Any, ChatError]:
        """The refusal of a post (it must be one)."""
        try:
            yield self.post(secret, data)
        except ChatError as refusal:
            return refusal
        raise AssertionError("the post was not refused")

    @defer.inlineCallbacks
    def test_the_owner_adds_lists_and_removes(self) -> Generator[Any, Any, None]:
        """``/webhook add`` answers the hook's secret address, a new one
        per hook; ``/webhook list`` shows each (by name), then
        ``WEBHOOKS_END``; ``/webhook remove`` answers ``WEBHOOK_REMOVED``
        and the address is no hook's any more."""
        (alice,), ci = yield self.hooked("alice")
        alice.say("/webhook add alerts")
        alerts = (yield self.expect(alice, "WEBHOOK ")).split(" ")[2]
        self.assertNotIn(ci, alerts)
        alice.say("/webhook list")
        self.assertEqual((yield self.expect(alice, "WEBHOOK ")).split(" ")[1], "alerts")
        self.assertEqual(
            (yield self.expect(alice, "WEBHOOK ")), f"WEBHOOK ci {BASE}{HOOK_PATH}{ci}"
        )
        self.assertEqual(
            (yield self.expect(alice, "WEBHOOKS_END")), "WEBHOOKS_END tea 2"
        )
        alice.say("/webhook remove CI")
        self.assertEqual((yield self.expect(alice, "WEBHOOK_")), "WEBHOOK_REMOVED CI")
        refusal = yield self.refused(ci, body(text="hi"))
        self.assertEqual(refusal.code, "NO_SUCH_WEBHOOK")
        alice.say("/webhook remove ci")
        line = yield self.expect(alice, "ERR ")
        self.assertEqual(line, "ERR NO_SUCH_WEBHOOK tea has no webhook called ci")
        alice.say("/webhook list")
        self.assertEqual(
            (yield self.expect(alice, "WEBHOOK")), f"WEBHOOK alerts {alerts}"
        )
        self.assertEqual(
            (yield self.expect(alice, "WEBHOOKS_END")), "WEBHOOKS_END tea 1"
        )

    @defer.inlineCallbacks
    def test_only_the_owner_manages_hooks(self) -> Generator[Any, Any, None]:
        """A member who does not own the room hears ``NOT_ALLOWED`` for each
        of add, list and remove, and learns no address; a name taken, a bad
        name and a bad use are refused too."""
        (alice, bob), _ = yield self.hooked("alice", "bob")
        for line in ("/webhook add mine", "/webhook list", "/webhook remove ci"):
            bob.say(line)
            refusal = yield self.expect(bob, "ERR ")
            self.assertEqual(
                refusal, "ERR NOT_ALLOWED only the owner of tea can manage its webhooks"
            )
        self.assertFalse([x for x in bob.unread() if x.startswith("WEBHOOK")])
        for line, code in (
            ("/webhook add CI", "NAME_TAKEN"),
            ("/webhook add bad/name", "BAD_NAME"),
            ("/webhook add", "BAD_ARGS"),
            ("/webhook drop ci", "BAD_ARGS"),
        ):
            alice.say(line)
            refusal = yield self.expect(alice, "ERR ")
            self.assertTrue(refusal.startswith(f"ERR {code} "), (line, refusal))

    @defer.inlineCallbacks
    def test_a_post_is_a_bot_message_at_the_line_door(
        self,
    ) -> Generator[Any, Any, None]:
        """Slack's JSON is a message in the room from its ``username`` marked
        ``[bot]`` (a name nobody can take), with the ``bot`` tag for rich
        members, its links and code blocks plain text, kept in the
        history; without a username it is the hook's name."""
        (alice, bob), ci = yield self.hooked("alice", "bob")
        bob.say("/caps rich")
        yield self.expect(bob, "CAPS ")
        text = "Deploy *done*: <https://ci.example/1|build 1> &amp; <https://x.example>"
        event = yield self.post(ci, body(text=text, username="alice"))
        said = "Deploy *done*: build 1 (https://ci.example/1) & https://x.example"
        self.assertEqual((event.user, event.text), ("alice[bot]", said))
        plain = yield self.expect(alice, "MSG tea alice[bot] ")
        self.assertTrue(plain.endswith(" " + said), plain)
        rich = yield self.expect(bob, "@")
        tags, _, line = rich.partition(" ")
        self.assertIn("bot", tags.split(";")[1:])
        self.assertTrue(line.startswith("MSG tea alice[bot] "), rich)
        yield self.post(ci, body(text="```\nmake test\n```"))
        self.assertTrue(
            (yield self.expect(alice, "MSG tea ci[bot] ")).endswith(" make test")
        )
        alice.say("/history 5")
        history = yield self.expect(alice, "HISTORY_END")
        self.assertEqual(history, "HISTORY_END tea 2")

    @defer.inlineCallbacks
    def test_a_post_of_several_lines_is_one_message(self) -> Generator[Any, Any, None]:
        """A text of several lines is one message, its lines joined for the
        line door (and kept as a paste's lines); more than a paste may hold
        is ``TOO_LARGE``."""
        (alice,), ci = yield self.hooked("alice")
        event = yield self.post(ci, body(text="build failed\n\nsee the log\n"))
        self.assertEqual(event.text, "build failed see the log")
        yield self.expect(alice, "MSG tea ci[bot] ")
        refusal = yield self.refused(ci, body(text="line\n" * 40))
        self.assertEqual(refusal.code, "TOO_LARGE")

    @defer.inlineCallbacks
    def test_bad_posts_are_refused(self) -> Generator[Any, Any, None]:
        """An address that is no hook's is ``NO_SUCH_WEBHOOK``; a body that
        is no JSON object, or has no text, ``BAD_ARGS``; a control
        character ``BAD_TEXT``. Nothing reaches the room."""
        (alice,), ci = yield self.hooked("alice")
        refusal = yield self.refused("no-such-secret", body(text="hi"))
        self.assertEqual(refusal.code, "NO_SUCH_WEBHOOK")
        refusal = yield self.refused("", body(text="hi"))
        self.assertEqual(refusal.code, "NO_SUCH_WEBHOOK")
        for data in (b"{", b"[1]", body(username="x"), body(text="  "), b"\xff"):
            refusal = yield self.refused(ci, data)
            self.assertEqual(refusal.code, "BAD_ARGS", data)
        refusal = yield self.refused(ci, body(text="bell \x07"))
        self.assertEqual(refusal.code, "BAD_TEXT")
        self.assertFalse([x for x in alice.unread() if x.startswith("MSG")])

    @defer.inlineCallbacks
    def test_hooks_go_with_their_room(self) -> Generator[Any, Any, None]:
        """A room deleted takes its hooks: a post is ``NO_SUCH_WEBHOOK``, and
        a room made again under the name has none."""
        (alice,), ci = yield self.hooked("alice")
        alice.say("/delete tea")
        yield self.expect(alice, "DELETED tea")
        refusal = yield self.refused(ci, body(text="hi"))
        self.assertEqual(refusal.code, "NO_SUCH_WEBHOOK")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea")
        alice.say("/webhook list")
        self.assertEqual((yield self.expect(alice, "WEBHOOK")), "WEBHOOKS_END tea 0")

    def as_operator(self, call: str, *args: str) -> defer.Deferred[Any]:
        """A call of the webhooks' service as ``chatroom-admin`` makes it."""
        webhooks = self.server.registry.webhooks
        method = getattr(webhooks, call)
        actor = operator(self.server.config)
        return defer.Deferred.fromCoroutine(method(actor, *args))

    @defer.inlineCallbacks
    def operator_refused(self, call: str, *args: str) -> Generator[Any, Any, str]:
        """The code of the operator's call's refusal (it must be one)."""
        try:
            yield self.as_operator(call, *args)
        except ChatError as refusal:
            return refusal.code
        raise AssertionError(f"{call}{args} was not refused")

    @defer.inlineCallbacks
    def test_the_operator_manages_the_rooms_hooks(self) -> Generator[Any, Any, None]:
        """``chatroom-admin hooks``: the operator adds a hook to a room it
        is not in, by the room's name in any case; it is one of the room's
        hooks, which its owner's ``/webhook list`` shows, under the same
        rules (a name taken, the most a room has, an unknown room or
        hook); once the operator removes it, its address posts no more."""
        (alice,), _ = yield self.hooked("alice")
        hook = yield self.as_operator("add_as", "TEA", "deploy")
        self.assertEqual((hook.room, hook.name), ("tea", "deploy"))
        self.assertEqual(hook.by, self.server.config.name)
        alice.say("/webhook list")
        yield self.expect(alice, "WEBHOOK ci ")
        self.assertEqual(
            (yield self.expect(alice, "WEBHOOK ")).split(" ")[1:],
            [hook.name, BASE + HOOK_PATH + hook.secret],
        )
        every = yield self.as_operator("every_hook")
        self.assertEqual(
            [(h.room, h.name) for h in every], [("tea", "ci"), ("tea", "deploy")]
        )
        where, listed = yield self.as_operator("listed_as", "tea")
        self.assertEqual((where, [h.name for h in listed]), ("tea", ["ci", "deploy"]))
        for call, args, code in (
            ("add_as", ("tea", "CI"), "NAME_TAKEN"),
            ("add_as", ("tea", "bad/name"), "BAD_NAME"),
            ("add_as", ("nowhere", "x"), "NO_SUCH_ROOM"),
            ("listed_as", ("nowhere",), "NO_SUCH_ROOM"),
            ("remove_as", ("tea", "nothing"), "NO_SUCH_WEBHOOK"),
        ):
            self.assertEqual((yield self.operator_refused(call, *args)), code, call)
        for number in range(HOOKS_PER_ROOM - 2):
            yield self.as_operator("add_as", "tea", f"more{number}")
        self.assertEqual(
            (yield self.operator_refused("add_as", "tea", "eleventh")), "BAD_ARGS"
        )
        event = yield self.post(hook.secret, body(text="deployed"))
        self.assertEqual(event.user, "deploy[bot]")
        self.assertEqual((yield self.as_operator("remove_as", "tea", "Deploy")), "tea")
        refusal = yield self.refused(hook.secret, body(text="again"))
        self.assertEqual(refusal.code, "NO_SUCH_WEBHOOK")

    @defer.inlineCallbacks
    def test_attachments_are_lines_of_one_message(self) -> Generator[Any, Any, None]:
        """Alertmanager's post (``attachments`` and no ``text``) is one
        message of several lines, from its ``username``: each line is kept
        as a paste's, and the line door has them joined. Attachments that
        say nothing, a control character, or more lines than a paste may
        hold are refused, and nothing is said."""
        (alice,), ci = yield self.hooked("alice")
        alert = {
            "title": "[FIRING:1] DiskFull",
            "title_link": "http://am.example/#/alerts",
            "text": "disk / is 95% full",
            "fallback": "[FIRING:1] DiskFull",
            "color": "danger",
        }
        event = yield self.post(
            ci, body(username="Alertmanager", channel="#ops", attachments=[alert])
        )
        self.assertEqual(event.user, "Alertmanager[bot]")
        lines = [
            "[FIRING:1] DiskFull (http://am.example/#/alerts)",
            "disk / is 95% full",
        ]
        self.assertEqual(event.text, " ".join(lines))
        self.assertEqual(dict(event.tags)[MULTILINE_TAG], "\n".join(lines))
        said = yield self.expect(alice, "MSG tea Alertmanager[bot] ")
        self.assertTrue(said.endswith(" " + " ".join(lines)), said)
        for attachments, code in (
            ([{"color": "good"}], "BAD_ARGS"),
            ([{"text": "bell \x07"}], "BAD_TEXT"),
            (
                [{"fields": [{"title": "n", "value": n} for n in range(40)]}],
                "TOO_LARGE",
            ),
        ):
            refusal = yield self.refused(ci, body(attachments=attachments))
            self.assertEqual(refusal.code, code, attachments)
        self.assertFalse([x for x in alice.unread() if x.startswith("MSG")])

    @defer.inlineCallbacks
    def test_no_address_without_a_web_door(self) -> Generator[Any, Any, None]:
        """A server with neither ``--http`` nor ``--webhook-url`` makes no
        hook: nothing could be posted to it."""
        self.server.webhook_base = ""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/webhook add ci")
        refusal = yield self.expect(alice, "ERR ")
        self.assertTrue(refusal.startswith("ERR UNAVAILABLE webhooks need"), refusal)


class HookStoreContract(ContractBase):
    """A back-end's :class:`~chatroom.core.model.hooks.HookStore` (``hooks``)."""

    def backend(self) -> Any:
        """The server's back-end."""
        raise NotImplementedError

    def store(self) -> Any:
        """The back-end's hook store."""
        return self.backend().rooms.hooks

    def applied(self, change: DecidedChange) -> defer.Deferred[None]:
        return defer.Deferred.fromCoroutine(self.backend().apply(change))

    @defer.inlineCallbacks
    def test_a_hook_past_the_most_added_meanwhile_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """A hook decided on its room having fewer than the most (two, the
        core's operand), applied after another was added meanwhile, is
        refused: the room keeps two, and the refused hook's secret admits
        no post."""
        user = User(FakeClient(self.server))
        user.say("alice")
        user.say("/create tea")
        yield self.expect(user, "MEMBERS tea")
        first, late = Hook("tea", "ci", "s1", "alice"), Hook("tea", "cd", "s3", "alice")
        decided = added(late, most=2)  # on one hook, as read
        yield self.applied(added(first, most=2))
        yield self.applied(added(Hook("tea", "qa", "s2", "alice"), most=2))
        yield self.assertFailure(self.applied(decided), FactsChangedError)
        hooks = self.store()
        listed = yield defer.Deferred.fromCoroutine(hooks.of_room("tea"))
        self.assertEqual([hook.name for hook in listed], ["ci", "qa"])
        self.assertIsNone((yield defer.Deferred.fromCoroutine(hooks.find("s3"))))

    @defer.inlineCallbacks
    def test_hooks_are_kept_found_listed_and_removed(
        self,
    ) -> Generator[Any, Any, None]:
        """A hook is found by its secret and listed by name in its room; a
        second of the same name (any case) is not added; removed, it is
        found no more; a room that is gone takes none."""
        user = User(FakeClient(self.server))
        user.say("alice")
        user.say("/create tea")
        yield self.expect(user, "MEMBERS tea")
        hooks = self.store()
        ci, zz = Hook("tea", "ci", "s1", "alice"), Hook("tea", "zz", "s2", "alice")
        yield self.applied(added(zz))
        yield self.applied(added(ci))
        again = Hook("tea", "CI", "s3", "alice")
        yield self.assertFailure(self.applied(added(again)), FactsChangedError)
        self.assertEqual((yield defer.Deferred.fromCoroutine(hooks.find("s1"))), ci)
        self.assertIsNone((yield defer.Deferred.fromCoroutine(hooks.find("s3"))))
        listed = yield defer.Deferred.fromCoroutine(hooks.of_room("TEA"))
        self.assertEqual(listed, [ci, zz])
        yield self.applied(removed("tea", "CI"))
        yield self.assertFailure(self.applied(removed("tea", "ci")), FactsChangedError)
        self.assertIsNone((yield defer.Deferred.fromCoroutine(hooks.find("s1"))))
        gone = Hook("cafe", "ci", "s4", "alice")
        try:
            yield self.applied(added(gone))
        except ChatError as refusal:
            self.assertEqual(refusal.code, "NO_SUCH_ROOM")
        else:
            raise AssertionError("a hook was added to a room that is none")
