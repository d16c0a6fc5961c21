"""``chatroom-admin``: an operator's tool, from a shell or a script.

It speaks the HTTP admin API (:mod:`chatroom.doors.web.admin`) of a server
started with ``--http`` and ``--admin-token-file``, with the standard
library only (no reactor)::

    chatroom-admin --url http://127.0.0.1:8000 --token-file admin.token accounts list
    chatroom-admin ... --json bans list
    chatroom-admin ... backup chatroom-backup.sqlite3

and restores a backup into the store of a server that is stopped::

    chatroom-admin restore chatroom-backup.sqlite3 --db chatroom.sqlite3

A cluster node's backup is an export of the cluster's Redis keys
(:mod:`chatroom.backends.redis.dumpfile`), restored into an empty Redis of
any layout ``--redis`` takes (:mod:`chatroom.wiring.redisrestore`)::

    chatroom-admin restore cluster-backup.redis --redis redis://127.0.0.1:6379/0
    chatroom-admin restore cluster-backup.redis --redis cluster://10.0.0.1:7000

Answers are aligned text, or with ``--json`` the API's JSON as it came;
a refusal or a failure is one line on stderr and exit status 1. The token
is read from its file and sent only in the ``Authorization`` header.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from chatroom.backends.local.dbfile import DatabaseUnusableError, ServerLock
from chatroom.backends.redis import dumpfile
from chatroom.core.accounts.invitations import HOURS, USES
from chatroom.wiring.matrix import DEFAULT_ID, registration_text
from chatroom.wiring.redisrestore import RestoreError, restore_redis

#: Seconds a call may take (a backup of a large store takes a while).
TIMEOUT = 300.0

#: Tables a chatroom ``--db`` file has: a backup without them is refused.
STORE_TABLES = frozenset({"rooms", "events", "accounts", "server_bans"})


class AdminError(Exception):
    """What goes wrong, in one line for stderr."""


class AdminClient:
    """Calls of the admin API at ``url`` with ``token``."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/") + "/admin/"
        self.token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The JSON answer of one call; a refusal raises :class:`AdminError`."""
        with self._open(method, path, body) as answer:
            return json.load(answer)

    def download(self, path: str, into: str) -> int:
        """Write the body answered at ``path`` into file ``into``; its size."""
        with self._open("GET", path, None) as answer, open(into, "wb") as file:
            shutil.copyfileobj(answer, file)
            return file.tell()

    def _open(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            return urllib.request.urlopen(request, timeout=TIMEOUT)
        except urllib.error.HTTPError as refused:
            raise AdminError(_refusal(refused)) from None
        except (urllib.error.URLError, OSError) as problem:
            reason = getattr(problem, "reason", problem)
            raise AdminError(f"cannot reach {self.url}: {reason}") from None


def _refusal(refused: urllib.error.HTTPError) -> str:
    """An error answer as one line: the API's code and message if it sent them."""
    try:
        answer = json.load(refused)
        return f"{refused.code} {answer['error']}: {answer['message']}"
    except (ValueError, KeyError, TypeError):
        return f"{refused.code} {refused.reason}"


def quoted(name: str) -> str:
    return urllib.parse.quote(name, safe="")


# -- the commands ------------------------------------------------------------------

Command = Callable[[AdminClient, argparse.Namespace], Any]


def _accounts_list(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("GET", "accounts")


def _accounts_search(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("GET", "accounts?search=" + quoted(options.text))


def _reset_password(client: AdminClient, options: argparse.Namespace) -> Any:
    body = {"password": options.password} if options.password else {}
    path = f"accounts/{quoted(options.name)}/password"
    return client.call("POST", path, body)


def _lock(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("POST", f"accounts/{quoted(options.name)}/lock", {})


def _delete(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("DELETE", f"accounts/{quoted(options.name)}")


def _rooms_list(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("GET", "rooms")


def _rooms_give(client: AdminClient, options: argparse.Namespace) -> Any:
    path = f"rooms/{quoted(options.room)}/owner"
    return client.call("POST", path, {"account": options.account})


def _hooks_add(client: AdminClient, options: argparse.Namespace) -> Any:
    path = f"rooms/{quoted(options.room)}/hooks"
    return client.call("POST", path, {"name": options.name})


def _hooks_list(client: AdminClient, options: argparse.Namespace) -> Any:
    asked = f"?room={quoted(options.room)}" if options.room else ""
    return client.call("GET", "hooks" + asked)


def _hooks_remove(client: AdminClient, options: argparse.Namespace) -> Any:
    path = f"rooms/{quoted(options.room)}/hooks/{quoted(options.name)}"
    return client.call("DELETE", path)


def _bans_list(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("GET", "bans")


def _bans_add(client: AdminClient, options: argparse.Namespace) -> Any:
    asked = {"mask": options.mask, "reason": options.reason}
    if options.duration:
        asked["duration"] = options.duration
    return client.call("POST", "bans", asked)


def _lockdown(client: AdminClient, options: argparse.Namespace) -> Any:
    if options.level:
        return client.call("POST", "lockdown", {"level": options.level})
    return client.call("GET", "lockdown")


def _invitations_list(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("GET", "invitations")


def _invitations_create(client: AdminClient, options: argparse.Namespace) -> Any:
    asked = {"uses": options.uses, "hours": options.hours, "room": options.room}
    return client.call("POST", "invitations", asked)


def _invitations_revoke(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("DELETE", f"invitations/{quoted(options.code)}")


def _bots_list(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("GET", "bots")


def _bots_add(client: AdminClient, options: argparse.Namespace) -> Any:
    asked: dict[str, Any] = {"name": options.name, "relay": options.relay}
    if options.owner:
        asked["owner"] = options.owner
    return client.call("POST", "bots", asked)


def _bots_remove(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("DELETE", f"bots/{quoted(options.name)}")


def _announce(client: AdminClient, options: argparse.Namespace) -> Any:
    return client.call("POST", "announce", {"text": options.text})


def _backup(client: AdminClient, options: argparse.Namespace) -> Any:
    """Into a file beside ``FILE`` first, renamed once whole: a failed
    download never leaves half a backup under the name asked for."""
    target = os.path.abspath(options.file)
    handle, partial = tempfile.mkstemp(
        prefix=".backup-", dir=os.path.dirname(target) or "."
    )
    os.close(handle)
    try:
        size = client.download("backup", partial)
        _check_backup(partial)
        os.replace(partial, target)
    except BaseException:
        os.unlink(partial)
        raise
    return {"backup": options.file, "bytes": size}


def _check_backup(path: str) -> None:
    """``path`` is a whole SQLite file with a chatroom store's tables, or
    a whole cluster backup."""
    if dumpfile.is_dump_file(path):
        try:
            dumpfile.check(path)
        except dumpfile.DumpFileError as problem:
            raise AdminError(f"{path}: {problem}") from None
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            (verdict,) = db.execute("PRAGMA quick_check").fetchone()
            tables = {
                name
                for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
    except sqlite3.DatabaseError as problem:
        raise AdminError(f"{path}: not a chatroom backup ({problem})") from None
    if verdict != "ok":
        raise AdminError(f"{path}: damaged ({verdict})")
    if not tables >= STORE_TABLES:
        raise AdminError(f"{path}: not a chatroom backup (no {sorted(STORE_TABLES)})")


def restore(backup: str, db: str) -> None:
    """Copy ``backup`` into ``db``, the store of a server that is stopped.

    The server's own lock (``DB.lock``, which every server holds while it
    runs: :class:`~chatroom.backends.local.dbfile.ServerLock`) is taken
    first and held throughout, so a running server is refused and none can
    start meanwhile; then SQLite's backup API writes the whole file (what
    ``db`` held before is replaced).
    """
    if not os.path.isfile(backup):
        raise AdminError(f"{backup}: no such file")
    _check_backup(backup)
    try:
        lock = ServerLock(db)
    except DatabaseUnusableError as problem:
        raise AdminError(f"--db {db}: {problem}") from None
    try:
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        target = sqlite3.connect(db)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    except sqlite3.Error as problem:
        raise AdminError(f"--db {db}: cannot restore: {problem}") from None
    finally:
        lock.release()


# -- text output ---------------------------------------------------------------


def as_text(answer: Any) -> str:
    """An answer as aligned text: a list one item a line, a table of rooms
    in columns, anything else ``key: value`` lines."""
    if set(answer) == {"rooms"}:
        return _table(
            ["room", "members", "capacity", "topic"],
            [
                [room["name"], room["members"], room["capacity"], room["topic"]]
                for room in answer["rooms"]
            ],
        )
    if set(answer) == {"hooks"}:
        return _table(
            ["room", "name", "by", "url"],
            [
                [hook["room"], hook["name"], hook["by"], hook["url"]]
                for hook in answer["hooks"]
            ],
        )
    if set(answer) == {"bans", "terms"}:
        return _table(
            ["mask", "by", "until", "reason"],
            [
                [ban["mask"], ban["by"], ban["until"] or "", ban["reason"]]
                for ban in answer["terms"]
            ],
        )
    if set(answer) == {"bots"}:
        return _table(
            ["bot", "owner", "relay", "made"],
            [
                [bot["name"], bot["owner"] or "", _yes(bot["relay"]), bot["made"]]
                for bot in answer["bots"]
            ],
        )
    if len(answer) == 1 and isinstance(next(iter(answer.values())), list):
        return "\n".join(str(item) for item in next(iter(answer.values())))
    if set(answer) == {"bot", "token", "owner", "relay"}:  # no owner: nothing
        answer = {key: _shown(value) for key, value in answer.items()}
    width = max(len(key) for key in answer)
    return "\n".join(
        f"{key + ':':<{width + 1}} {value}" for key, value in answer.items()
    )


def _shown(value: Any) -> str:
    """A value of a ``key: value`` line: none as nothing, a truth as yes/no."""
    if value is None:
        return ""
    return _yes(value) if isinstance(value, bool) else str(value)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _table(heads: list[str], rows: list[list[Any]]) -> str:
    cells = [heads, *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(heads))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells
    ]
    return "\n".join(line.rstrip() for line in lines)


# -- the command line ----------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="chatroom-admin",
        description="Manage a running chatroom server over its admin API "
        "(--http with --admin-token-file), or restore a backup into a stopped "
        "server's --db.",
    )
    top.add_argument("--url", help="the server's HTTP door, e.g. http://127.0.0.1:8000")
    top.add_argument("--token-file", help="a file holding the admin token")
    top.add_argument("--json", action="store_true", help="print the answer as JSON")
    commands = top.add_subparsers(dest="group", required=True, metavar="COMMAND")

    accounts = commands.add_parser("accounts", help="list, search and change accounts")
    on_accounts = accounts.add_subparsers(dest="action", required=True)
    on_accounts.add_parser("list").set_defaults(run=_accounts_list)
    search = on_accounts.add_parser("search")
    search.add_argument("text")
    search.set_defaults(run=_accounts_search)
    reset = on_accounts.add_parser(
        "reset-password", help="set a new password (made up unless given)"
    )
    reset.add_argument("name")
    reset.add_argument("--password", default="")
    reset.set_defaults(run=_reset_password)
    for action, run in (("lock", _lock), ("delete", _delete)):
        one = on_accounts.add_parser(action)
        one.add_argument("name")
        one.set_defaults(run=run)

    rooms = commands.add_parser("rooms", help="list rooms, give one to an account")
    on_rooms = rooms.add_subparsers(dest="action", required=True)
    on_rooms.add_parser("list").set_defaults(run=_rooms_list)
    give = on_rooms.add_parser("give", help="make ACCOUNT the owner of ROOM")
    give.add_argument("room")
    give.add_argument("account")
    give.set_defaults(run=_rooms_give)

    hooks = commands.add_parser(
        "hooks", help="add, list and remove rooms' incoming webhooks"
    )
    on_hooks = hooks.add_subparsers(dest="action", required=True)
    add_hook = on_hooks.add_parser(
        "add", help="a webhook for ROOM: prints its address, which posts there"
    )
    add_hook.add_argument("room")
    add_hook.add_argument("--name", default="hook", help="its name (default: hook)")
    add_hook.set_defaults(run=_hooks_add)
    list_hooks = on_hooks.add_parser("list", help="every room's webhooks, or ROOM's")
    list_hooks.add_argument("room", nargs="?", default="")
    list_hooks.set_defaults(run=_hooks_list)
    remove_hook = on_hooks.add_parser("remove", help="end ROOM's webhook NAME")
    remove_hook.add_argument("room")
    remove_hook.add_argument("name")
    remove_hook.set_defaults(run=_hooks_remove)

    bans = commands.add_parser("bans", help="list and add server bans")
    on_bans = bans.add_subparsers(dest="action", required=True)
    on_bans.add_parser("list").set_defaults(run=_bans_list)
    add = on_bans.add_parser("add")
    add.add_argument(
        "mask",
        help="account:NAME, name:NAME, ip:ADDRESS, ip:ADDRESS/BITS, or a user's name",
    )
    add.add_argument("reason", nargs="?", default="")
    add.add_argument(
        "--for",
        dest="duration",
        default="",
        help="how long the ban lasts: 30s, 10m, 2h, 7d, 4w (default: for ever)",
    )
    add.set_defaults(run=_bans_add)

    invitations = commands.add_parser(
        "invitations", help="make, list and revoke invitations to register"
    )
    on_invitations = invitations.add_subparsers(dest="action", required=True)
    on_invitations.add_parser("list").set_defaults(run=_invitations_list)
    create = on_invitations.add_parser(
        "create", help="a code (and link) that lets USES connections register"
    )
    create.add_argument("--uses", type=int, default=USES)
    create.add_argument("--hours", type=int, default=HOURS)
    create.add_argument("--room", default="", help="where the new accounts go")
    create.set_defaults(run=_invitations_create)
    revoke = on_invitations.add_parser("revoke", help="end one: its code, or id")
    revoke.add_argument("code")
    revoke.set_defaults(run=_invitations_revoke)

    bots = commands.add_parser("bots", help="make, list and remove bot accounts")
    on_bots = bots.add_subparsers(dest="action", required=True)
    on_bots.add_parser("list").set_defaults(run=_bots_list)
    add_bot = on_bots.add_parser(
        "add", help="a bot account, and its token (shown once)"
    )
    add_bot.add_argument("name")
    add_bot.add_argument("--owner", default="", help="the account that owns it")
    add_bot.add_argument(
        "--relay", action="store_true", help="it may relay others' words (RELAYMSG)"
    )
    add_bot.set_defaults(run=_bots_add)
    remove_bot = on_bots.add_parser("remove", help="remove a bot: its token stops")
    remove_bot.add_argument("name")
    remove_bot.set_defaults(run=_bots_remove)

    announce = commands.add_parser("announce", help="tell every signed-on user")
    announce.add_argument("text")
    announce.set_defaults(run=_announce)

    lockdown = commands.add_parser(
        "lockdown", help="show or set how open the server is to new sessions"
    )
    lockdown.add_argument("level", nargs="?", choices=("off", "accounts", "closed"))
    lockdown.set_defaults(run=_lockdown)

    backup = commands.add_parser("backup", help="copy the store into FILE")
    backup.add_argument("file")
    backup.set_defaults(run=_backup)

    matrix = commands.add_parser("matrix", help="the Matrix bridge's files")
    on_matrix = matrix.add_subparsers(dest="action", required=True)
    registration = on_matrix.add_parser(
        "registration",
        help="print an application service registration for the homeserver "
        "(fresh tokens at every run; no server needed)",
    )
    registration.add_argument(
        "--url",
        dest="appservice_url",
        required=True,
        metavar="URL",
        help="where the homeserver reaches this server's --http door, "
        "e.g. http://chat.internal:8000",
    )
    registration.add_argument(
        "--id", dest="appservice_id", default=DEFAULT_ID, help="the registration's id"
    )
    registration.set_defaults(run=None)

    into = commands.add_parser(
        "restore",
        help="restore FILE into a stopped server's --db, or a cluster backup "
        "into an empty Redis (--redis: redis://, sentinel:// or cluster://)",
    )
    into.add_argument("file")
    target = into.add_mutually_exclusive_group(required=True)
    target.add_argument("--db")
    target.add_argument("--redis", metavar="URL")
    into.add_argument(
        "--replace",
        action="store_true",
        help="with --redis: restore into a Redis that is not empty, "
        "replacing its keys of the same names",
    )
    into.set_defaults(run=None)
    return top


def read_token(path: str) -> str:
    try:
        with open(path, encoding="ascii") as file:
            token = file.read().strip()
    except (OSError, UnicodeDecodeError) as problem:
        raise AdminError(f"--token-file {path}: cannot read it: {problem}") from None
    if not token:
        raise AdminError(f"--token-file {path}: empty")
    return token


def run(options: argparse.Namespace) -> Any:
    if options.group == "restore" and options.redis:
        try:
            keys = restore_redis(options.file, options.redis, options.replace)
        except RestoreError as problem:
            raise AdminError(str(problem)) from None
        return {"restored": options.file, "redis": options.redis, "keys": keys}
    if options.group == "restore":
        restore(options.file, options.db)
        return {"restored": options.file, "db": options.db}
    if not options.url or not options.token_file:
        raise AdminError("--url and --token-file are needed to reach a server")
    client = AdminClient(options.url, read_token(options.token_file))
    command: Command = options.run
    return command(client, options)


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    if options.group == "matrix":  # a file printed as it is, YAML
        print(registration_text(options.appservice_url, options.appservice_id), end="")
        return 0
    try:
        answer = run(options)
    except AdminError as problem:
        print(f"chatroom-admin: {problem}", file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2) if options.json else as_text(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
