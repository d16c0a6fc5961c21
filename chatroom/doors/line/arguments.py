"""The line protocol's ``/help`` text and the argument shapes its commands share.

Kept apart from :mod:`chatroom.doors.line.session` (the states and handlers);
``/caps``, ``/join ... since`` and ``/history`` have theirs in
:mod:`chatroom.doors.line.positions`.
"""

from __future__ import annotations

from chatroom.core import errors

HELP_TEXT = """\
Commands (in a room, any other line is a message to everyone in it):
/nick NAME        choose or change your name
/list             list the rooms
/create NAME      create a room and enter it
/join NAME        enter a room (leaving the one you are in)
/join NAME since ID   ... and get what was said after event ID
/history N [before ID]  N earlier messages of this room
/history @USER N [before ID]  N earlier private messages with USER (accounts)
/caps ids         prefix stored events with @ID
/caps rich        ids with tags, replies, edits... (docs/protocol.md)
/reply ID TEXT    answer message ID of this room
/paste TEXT       one message of several lines: \\n between them, \\\\ a backslash
/edit ID TEXT     change your message ID (within --edit-window seconds)
/redact ID [REASON]   delete a message (yours; any, for owner and operators)
/react ID EMOJI, /unreact ID EMOJI   react to message ID, or take it back
/typing active|paused|done   tell rich members of the room you are typing
/search WORDS     find messages of your rooms and conversations (filters:
                  in:ROOM in:@USER from:USER before:TIME after:TIME)
/caps multi       be in many rooms at once: /join adds a room
/focus ROOM       (multi) make ROOM the one your lines go to
/say ROOM TEXT    a message to ROOM, whichever room is current
/read ROOM ID     you have read ROOM up to event ID
/unread           rooms with events after what you read
/leave [ROOM]     leave the room (with multi: ROOM, or the current one)
/who              who is in this room
/topic [TEXT]     show or set the room's topic
/me TEXT          an action: * you TEXT
/opmsg TEXT       a message to this room's owner and operators only
/msg USER TEXT    a private message (kept for an account that is away)
/delete NAME      delete a room you own
/watch on|off     push room list changes while in the lobby
/login NAME PASSWORD   sign in to an account (instead of a name)
/register PASSWORD     make your name an account
/register NAME PASSWORD   (before choosing a name) register NAME and sign in
/password OLD NEW      change your password
/unregister PASSWORD   give up your account
/devices               your account's connections (its devices)
/logout ID             close one of them
Moderating the room you are in (owner and operators):
/op USER, /deop USER   make or unmake an operator (owner only)
/kick USER [REASON]    send someone back to the lobby
/ban USER, /unban USER, /bans   keep someone out (by account, else name)
/voice USER, /devoice USER   let someone speak in a moderated room
/set invite-only|topic-lock|secret|moderated|keep on|off
/set key KEY|off, /set limit N|off   a key; at most N members
/invite USER      let someone into an invite-only room
/info             the room's settings and operators
/modlog [N]       the room's last N (50) kicks, bans, deletions, settings...
Server admins: /kill USER [REASON], /gban USER, /gunban USER, /gbans,
/announce TEXT, /delete any room
//text            send a message that starts with /
/quit [REASON]    leave the server"""


def single_word(args: str, usage: str) -> str:
    """The single argument of ``/create NAME`` and the like, or ``BAD_ARGS``."""
    if not args or " " in args:
        raise errors.usage(usage)
    return args


def two_words(args: str, usage: str) -> tuple[str, str]:
    """The two arguments of ``/login NAME PASSWORD`` and the like."""
    words = args.split(" ")
    if len(words) != 2 or not all(words):
        raise errors.usage(usage)
    return words[0], words[1]


def split_say(args: str) -> tuple[str, str]:
    """``/say ROOM TEXT`` split into its room and its text."""
    room, _, text = args.partition(" ")
    if not room or not text:
        raise errors.usage("/say ROOM TEXT")
    return room, text


def split_private_message(args: str) -> tuple[str, str]:
    """``/msg USER TEXT`` split into its target and its text."""
    target, _, text = args.partition(" ")
    if not target or not text:
        raise errors.usage("/msg USER TEXT")
    return target, text
