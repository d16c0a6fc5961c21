"""Each Lua script carries only the prelude functions it uses.

Redis runs a script's whole text at every ``EVALSHA``, so every function of
the shared prelude would be made again for each message; the scripts keep
the ones their bodies reach (:func:`chatroom.backends.redis.prelude.needed_prelude`).
These tests check what that cut gives: every script of both layouts still
compiles in a real ``redis-server``, defines every prelude name it uses
before its use, and a message's script is left without the functions of
moderation, reactions and endings.
"""

from __future__ import annotations

import json
import re

import redis
from twisted.internet import defer
from twisted.trial import unittest

from chatroom.backends.redis.prelude import (
    _ROOMS_ON_THEIR_OWN,
    _ROOMS_WITH_THE_REST,
    Script,
    _prelude,
    _statements,
)
from chatroom.backends.redis.scripts import SAY
from tests.cluster.redis_cluster import emptied_cluster_server
from tests.cluster.support import RedisTestCase, every_script

#: A top-level definition, found here apart from the prelude's own cut.
DEFINITION = re.compile(r"^local (?:function (\w+)|([\w ,]+?) =)", re.M)


def code_only(lua: str) -> str:
    """``lua`` with its strings and comments blanked (same length): what is
    left is the code whose words are names."""
    blank = lambda match: " " * len(match.group())  # noqa: E731
    lua = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", blank, lua)
    return re.sub(r"--[^\n]*", blank, lua)


def defined_names(lua: str) -> dict[str, int]:
    """Each top-level name ``lua`` defines, with where its first definition starts."""
    names: dict[str, int] = {}
    for match in DEFINITION.finditer(lua):
        for name in (match.group(1) or match.group(2)).split(","):
            names.setdefault(name.strip(), match.start())
    return names


class ScriptPreludeTests(unittest.TestCase):
    """The cut, read from the scripts' texts."""

    def test_every_used_prelude_name_is_defined_before_its_use(self):
        """A script that calls a prelude function it lacks would fail only
        when Redis reached the call: every use has its definition above it."""
        prelude_names = set(defined_names(_prelude(_ROOMS_WITH_THE_REST))) | set(
            defined_names(_prelude(_ROOMS_ON_THEIR_OWN))
        )
        scripts = every_script()
        self.assertGreater(len(scripts), 200)
        for script in scripts:
            code = code_only(script.source.decode())
            defined = defined_names(code)
            for word in re.finditer(r"[A-Za-z_]\w*", code):
                name = word.group()
                if name not in prelude_names:
                    continue
                self.assertIn(name, defined, f"{script.name} uses {name} undefined")
                self.assertLessEqual(
                    defined[name], word.start(), f"{script.name} uses {name} early"
                )

    def test_a_message_carries_no_moderation_or_reaction_functions(self):
        """SAY, run for every message, makes what a message needs and no more."""
        everything = defined_names(_prelude(_ROOMS_WITH_THE_REST))
        for script in (SAY, SAY.rooms_apart):
            names = defined_names(script.source.decode())
            self.assertIn("said", names)
            self.assertIn("not_a_member", names)
            for unrelated in ("forget_reactions", "drop_room_keys", "make_room_keys"):
                self.assertNotIn(unrelated, names)
            self.assertLess(len(names), len(everything) / 2)


class ScriptsLoadTests(RedisTestCase):
    """Every script, cut, is Lua that a real Redis compiles."""

    def test_every_script_compiles_in_redis(self):
        with redis.Redis(port=self.redis.port) as client:
            for script in every_script():
                self.assertEqual(client.script_load(script.source), script.sha)

    def test_every_library_loads_in_redis_and_keeps_the_calls_apart(self):
        """The scripts called as Redis's functions load as libraries (what
        Redis runs once, on loading, may not reach its standard libraries:
        only functions are made there), and each call sees its own prefix
        and operands, not an earlier call's: a message said with one
        prefix, then another's, each goes to its own keys."""
        libraries = [s for s in every_script() if s.library is not None]
        self.assertIn(SAY, libraries)
        self.assertIn(SAY.rooms_apart, libraries)
        with redis.Redis(port=self.redis.port) as client:
            for script in libraries:
                loaded = client.execute_command(
                    "FUNCTION", "LOAD", "REPLACE", script.library
                )
                self.assertEqual(loaded.decode(), script.function)
            change = {
                "subject": {"room": "r"},
                "premises": [],
                "ops": [{"kind": "Append", "event": '{"id":""}', "oldest": 0}],
            }
            operands = json.dumps({"change": change, "retention": 10})
            for prefix in ("one:", "two:", "one:"):
                client.hset(f"{prefix}room:r", "name", "r")
                reply = client.execute_command(
                    "FCALL", SAY.function, 1, f"{prefix}users", prefix, operands
                )
                self.assertEqual(reply[0], b"OK")
            self.assertEqual(
                client.lrange("one:history:r", 0, -1), [b'{"id":"1"}', b'{"id":"2"}']
            )
            self.assertEqual(client.lrange("two:history:r", 0, -1), [b'{"id":"1"}'])

    @defer.inlineCallbacks
    def test_a_function_with_rooms_apart_keeps_to_its_slot(self):
        """On a Redis Cluster (of one server here), as a script with a
        shebang, a function of the rooms-apart layout may touch its declared
        slot alone; in the other layout, any key of its server."""
        port = yield emptied_cluster_server()
        body = "redis.call('SET', P .. 'users', 1)\nreturn redis.call('GET', KEYS[1])\n"
        script = Script("slip", body, as_function=True)
        operands = (1, "{chatroom/r}:room", "{chatroom}:", "{}")
        with redis.Redis(port=port) as client:
            for each in (script, script.rooms_apart):
                client.execute_command("FUNCTION", "LOAD", "REPLACE", each.library)
            self.assertIsNone(
                client.execute_command("FCALL", script.function, *operands)
            )
            with self.assertRaises(redis.ResponseError) as refused:
                client.execute_command("FCALL", script.rooms_apart.function, *operands)
            self.assertIn("do not hash to the same slot", str(refused.exception))
            client.execute_command("FUNCTION", "FLUSH")

    def test_a_script_carries_the_premises_of_its_changes_alone(self):
        """Every script that checks premises names the subjects (or the
        premises) of the changes it is handed, so that its interpreter has
        the branches of those alone: SAY, a message's, reads no premise of
        a join's or an account's, and carries less than half the
        interpreter."""
        whole = len(
            next(
                s.text
                for s in _statements(_ROOMS_WITH_THE_REST)
                if "premise_holds" in s.defines
            )
        )
        for script in every_script():
            code = code_only(script.source.decode())
            if "premise_holds" in code:
                self.assertTrue(script.subjects or script.premises, script.name)
        say = SAY.source.decode()
        for unread in (
            "'Absent'",
            "'FewerRoomsThan'",
            "'PasswordHashIs'",
            "'MessageIs'",
        ):
            self.assertNotIn(unread, say)
        start = say.index("local function premise_holds")
        self.assertLess(say.index("\nend\n", start) - start, whole / 2)
