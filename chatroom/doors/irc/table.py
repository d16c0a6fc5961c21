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
    sasl,
    services,
    signin,
)
from chatroom.doors.irc.helping import help_, links
from chatroom.doors.irc.modlog import modlog
from chatroom.doors.irc.readmarker import markread
from chatroom.doors.irc.redaction import redact
from chatroom.doors.irc.session import Command

COMMANDS: dict[str, Command] = {
    # registration and signing in
    "CAP": Command(registration.cap, 1, before_welcome=True),
    "NICK": Command(registration.nick, 0, before_welcome=True),
    "USER": Command(registration.user, 0, before_welcome=True),
    "PASS": Command(signin.password, 0, before_welcome=True),
    "AUTHENTICATE": Command(sasl.authenticate, 1, before_welcome=True),
    # accounts: draft/account-registration, and NickServ as a command
    "REGISTER": Command(services.register, 0, before_welcome=True),
    "VERIFY": Command(services.verify, 0, before_welcome=True),
    "NICKSERV": Command(services.nickserv_command),
    "NS": Command(services.nickserv_command),
    # keepalive and leaving
    "PING": Command(commands.ping, 0, before_welcome=True),
    "PONG": Command(commands.pong, 0, before_welcome=True),
    "QUIT": Command(commands.quit_, 0, before_welcome=True),
    # channels
    "JOIN": Command(commands.join, 1),
    "PART": Command(commands.part, 1),
    "PRIVMSG": Command(commands.privmsg),
    "NOTICE": Command(commands.notice),
    "TOPIC": Command(commands.topic, 1),
    "NAMES": Command(commands.names),
    "LIST": Command(listing.list_),
    # who is who
    "WHO": Command(queries.who),
    "USERHOST": Command(queries.userhost, 1),
    "TIME": Command(queries.time_),
    "LUSERS": Command(queries.lusers),
    "LINKS": Command(links),
    "HELP": Command(help_),
    "HELPOP": Command(help_),
    "WHOIS": Command(presence.whois, 1),
    "WHOWAS": Command(presence.whowas),
    "AWAY": Command(presence.away),
    "MONITOR": Command(presence.monitor, 1),
    # IRCv3
    "BATCH": Command(extensions.batch, 1),
    "TAGMSG": Command(extensions.tagmsg, 1),
    "SETNAME": Command(extensions.setname, 1),
    "CHATHISTORY": Command(chathistory.chathistory, 1),
    "REDACT": Command(redact, 2),
    "MARKREAD": Command(markread),
    # moderation
    "MODE": Command(moderation.mode, 1),
    "KICK": Command(moderation.kick, 2),
    "INVITE": Command(moderation.invite, 2),
    "MODLOG": Command(modlog, 1),
    # server admins
    "KILL": Command(moderation.kill, 1),
    "GBAN": Command(moderation.gban, 1),
    "GUNBAN": Command(moderation.gunban, 1),
    "GBANS": Command(moderation.server_bans),
    "ANNOUNCE": Command(moderation.announce, 1),
    "OPER": Command(operators.oper, 2),
    "WALLOPS": Command(operators.wallops, 1),
    "INFO": Command(operators.info),
}
