"""Every IRC command this door answers, in one explicit table.

As Ergo's ``commands.go`` does, each row says which handler runs, how many
parameters it needs (fewer is ``461`` before the handler runs) and whether
it may come before registration completes (otherwise ``451``). Adding an
IRC command is one handler and one row here; nothing registers itself by
being imported.
"""

from __future__ import annotations

from chatroom.doors.irc import (
    chathistory,
    commands,
    extensions,
    listing,
    moderation,
    operators,
    presence,
    queries,
    registration,
    renaming,
    reporting,
    sasl,
    services,
    signin,
    silence,
    ubans,
)
from chatroom.doors.irc.helping import help_, links
from chatroom.doors.irc.metadata import metadata
from chatroom.doors.irc.modlog import modlog
from chatroom.doors.irc.readmarker import markread
from chatroom.doors.irc.redaction import redact
from chatroom.doors.irc.relaymsg import relaymsg
from chatroom.doors.irc.session import IRCCommand, IRCSession
from chatroom.doors.irc.webpush import webpush


async def help_here(session: IRCSession, params: tuple[str, ...]) -> None:
    """``HELP``/``HELPOP``: made from this table (every command in it, and
    NickServ's from NickServ's), so it lists what the door answers."""
    await help_(session, params, COMMANDS, services.NICKSERV_COMMANDS)


COMMANDS: dict[str, IRCCommand] = {
    # registration and signing in
    "CAP": IRCCommand(registration.cap, 1, before_welcome=True),
    # draft/extended-isupport: also before the welcome
    "ISUPPORT": IRCCommand(registration.isupport_command, before_welcome=True),
    "NICK": IRCCommand(registration.nick, 0, before_welcome=True),
    "USER": IRCCommand(registration.user, 0, before_welcome=True),
    "PASS": IRCCommand(signin.password, 0, before_welcome=True),
    "AUTHENTICATE": IRCCommand(sasl.authenticate, 1, before_welcome=True),
    # accounts: draft/account-registration, and NickServ as a command
    "REGISTER": IRCCommand(commands.register, 0, before_welcome=True),
    "REDEEM": IRCCommand(services.redeem, 0, before_welcome=True),
    "VERIFY": IRCCommand(services.verify, 0, before_welcome=True),
    "NICKSERV": IRCCommand(commands.nickserv_command),
    "NS": IRCCommand(commands.nickserv_command),
    # keepalive and leaving
    "PING": IRCCommand(commands.ping, 0, before_welcome=True),
    "PONG": IRCCommand(commands.pong, 0, before_welcome=True),
    "QUIT": IRCCommand(commands.quit_, 0, before_welcome=True),
    # channels
    "JOIN": IRCCommand(commands.join, 1),
    "PART": IRCCommand(commands.part, 1),
    "PRIVMSG": IRCCommand(commands.privmsg),
    "NOTICE": IRCCommand(commands.notice),
    "TOPIC": IRCCommand(commands.topic, 1),
    "NAMES": IRCCommand(commands.names),
    "RENAME": IRCCommand(renaming.rename, 2),
    "LIST": IRCCommand(listing.list_),
    # who is who
    "WHO": IRCCommand(queries.who),
    "USERHOST": IRCCommand(queries.userhost, 1),
    "TIME": IRCCommand(queries.time_),
    "LUSERS": IRCCommand(queries.lusers),
    "LINKS": IRCCommand(links),
    "HELP": IRCCommand(help_here),
    "HELPOP": IRCCommand(help_here),
    "WHOIS": IRCCommand(presence.whois, 1),
    "WHOWAS": IRCCommand(presence.whowas),
    "AWAY": IRCCommand(presence.away, before_welcome=True),  # draft/pre-away
    "MONITOR": IRCCommand(presence.monitor, 1),
    "SILENCE": IRCCommand(silence.silence),
    # IRCv3
    "BATCH": IRCCommand(extensions.batch, 1),
    "TAGMSG": IRCCommand(extensions.tagmsg, 1),
    "RELAYMSG": IRCCommand(relaymsg, 3),
    "SETNAME": IRCCommand(extensions.setname, 1),
    "CHATHISTORY": IRCCommand(chathistory.chathistory, 1),
    "REDACT": IRCCommand(redact, 2),
    "MARKREAD": IRCCommand(markread),
    "METADATA": IRCCommand(metadata, 2, before_welcome=True),
    "WEBPUSH": IRCCommand(webpush, 2),
    # moderation
    "MODE": IRCCommand(moderation.mode, 1),
    "KICK": IRCCommand(moderation.kick, 2),
    "INVITE": IRCCommand(moderation.invite, 2),
    "MODLOG": IRCCommand(modlog, 1),
    "REPORT": IRCCommand(reporting.report, 1),
    "REPORTS": IRCCommand(reporting.reports),
    # server admins
    "KILL": IRCCommand(moderation.kill, 1),
    "GBAN": IRCCommand(moderation.gban, 1),
    "GUNBAN": IRCCommand(moderation.gunban, 1),
    "GBANS": IRCCommand(moderation.server_bans),
    "UBAN": IRCCommand(ubans.uban, 1),
    "LOCKDOWN": IRCCommand(moderation.lockdown),
    "ANNOUNCE": IRCCommand(moderation.announce, 1),
    "OPER": IRCCommand(operators.oper, 2),
    "WALLOPS": IRCCommand(operators.wallops, 1),
    "REHASH": IRCCommand(operators.rehash),
    "INFO": IRCCommand(operators.info),
}
