"""The line protocol's moderation and server-admin commands.

Handlers of :class:`chatroom.doors.line.session.LineSession`'s ``COMMANDS``
table kept in their own module (a base class of the session, holding no
state of its own) so the session module stays readable; like every
handler they parse arguments, call the registry and render its answer.
The moderation commands act on the session's current room.
"""

from __future__ import annotations

from chatroom.core import errors, rules
from chatroom.core.moderation import Action
from chatroom.core.registry import Member, Registry
from chatroom.core.wire import format_line
from chatroom.doors.line.arguments import single_word, two_words
from chatroom.wiring.server import ChatServer


class ModerationCommands:
    """``/op`` ... ``/info`` and the admins' ``/kill`` ... ``/announce``."""

    __slots__ = ()

    member: Member
    name: str | None
    server: ChatServer

    @property
    def registry(self) -> Registry:
        raise NotImplementedError

    def send(self, data: bytes) -> None:
        raise NotImplementedError

    def _current_room(self) -> str:
        raise NotImplementedError

    # -- moderating the room we are in ------------------------------------------

    async def moderate(self, command: str, target: str, value: str = "") -> None:
        await self.registry.moderate(
            self.member, self._current_room(), Action(command, target, value)
        )

    async def do_op(self, args: str) -> None:
        await self.moderate("op", single_word(args, "/op USER"))

    async def do_deop(self, args: str) -> None:
        await self.moderate("deop", single_word(args, "/deop USER"))

    async def do_kick(self, args: str) -> None:
        user, _, reason = args.partition(" ")
        if not user:
            raise errors.usage("/kick USER [REASON]")
        rules.check_text(reason)
        await self.moderate("kick", user, reason.strip())

    async def do_ban(self, args: str) -> None:
        await self.moderate("ban", single_word(args, "/ban USER|MASK"))

    async def do_unban(self, args: str) -> None:
        await self.moderate("unban", single_word(args, "/unban USER|MASK"))

    async def do_set(self, args: str) -> None:
        setting, value = two_words(args, "/set invite-only|key|topic-lock|keep VALUE")
        await self.moderate("set", setting.lower(), value)

    async def do_invite(self, args: str) -> None:
        await self.moderate("invite", single_word(args, "/invite USER"))

    async def do_bans(self, args: str) -> None:
        settings = await self.registry.room_settings(self.member, self._current_room())
        self.send(format_line("BANS", settings.room, *settings.bans))

    async def do_info(self, args: str) -> None:
        settings = await self.registry.room_settings(self.member, self._current_room())
        self.send(
            b"".join(
                format_line("INFO", settings.room, setting, text=value)
                for setting, value in settings.lines
            )
            + format_line("INFO_END", settings.room)
        )

    # -- server admins ----------------------------------------------------------------

    async def do_kill(self, args: str) -> None:
        user, _, reason = args.partition(" ")
        if not user:
            raise errors.usage("/kill USER [REASON]")
        rules.check_text(reason)
        reason = reason.strip() or "no reason given"
        name = await self.registry.kill(self.member, user, reason)
        self.send(format_line("KILLED", name, str(self.name), text=reason))

    async def do_gban(self, args: str) -> None:
        mask = await self.registry.server_ban(
            self.member, single_word(args, "/gban USER|MASK"), True
        )
        self.send(format_line("GBAN", mask, str(self.name)))

    async def do_gunban(self, args: str) -> None:
        target = single_word(args, "/gunban USER|MASK")
        mask = await self.registry.server_ban(self.member, target, False)
        self.send(format_line("GUNBAN", mask, str(self.name)))

    async def do_gbans(self, args: str) -> None:
        account = self.registry.account_of(self.member)
        masks = await self.server.account_service.server_bans(account)
        self.send(format_line("GBANS", *masks))

    async def do_announce(self, args: str) -> None:
        if not args:
            raise errors.usage("/announce TEXT")
        await self.registry.announce(self.member, args)
