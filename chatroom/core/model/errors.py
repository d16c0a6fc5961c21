"""Every refusal the server can give, with its code and its text, in one place.

A refusal is raised as a :class:`ChatError` from wherever it is decided (a
rule, a registry, a command handler) and turned into a reply by the door's
one error boundary: ``ERR CODE text`` on the line protocol, a numeric on
IRC. Both registries (in-process and Redis) and every door build their
refusals with the functions below, so a code's wording never drifts between
modes or doors. ``docs/protocol.md`` lists the codes.
"""

from __future__ import annotations

from chatroom.core.model.text import NAME_MAX_LENGTH, TOPIC_MAX_LENGTH
from chatroom.wire.signin import ACCOUNTS_ONLY, LOGIN_HINT


class ChatError(Exception):
    """A refusal the client is told about as ``ERR CODE text``."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(code, text)
        self.code = code
        self.text = text


_NAME_RULE = f"1-{NAME_MAX_LENGTH} letters, digits, '_', '-' or '.', not mixing scripts"


def bad_name() -> ChatError:
    return ChatError("BAD_NAME", f"names are {_NAME_RULE}")


def reserved_name(name: str) -> ChatError:
    """A services name (``NickServ``...): nobody may hold it at any door."""
    return ChatError("BAD_NAME", f"{name} is reserved for the server's services")


def bad_room_name() -> ChatError:
    return ChatError("BAD_NAME", f"room names are {_NAME_RULE}")


def name_taken(name: str) -> ChatError:
    return ChatError("NAME_TAKEN", f"{name} is taken, choose another name")


def no_name() -> ChatError:
    return ChatError("NO_NAME", "choose a username first")


def no_such_user(name: str, room: str = "") -> ChatError:
    if room:
        return ChatError("NO_SUCH_USER", f"nobody called {name} is in {room}")
    return ChatError("NO_SUCH_USER", f"nobody is called {name}")


def no_such_room(name: str) -> ChatError:
    return ChatError("NO_SUCH_ROOM", f"there is no room called {name}")


def room_exists(name: str) -> ChatError:
    return ChatError("ROOM_EXISTS", f"{name} already exists; /join it")


def room_full(name: str, capacity: int | str) -> ChatError:
    return ChatError("ROOM_FULL", f"{name} is full ({capacity})")


def too_many_rooms(limit: int) -> ChatError:
    return ChatError("TOO_MANY_ROOMS", f"the server has its maximum of {limit} rooms")


def too_many_joined(limit: int) -> ChatError:
    return ChatError("TOO_MANY_ROOMS", f"you have joined too many rooms ({limit})")


def too_many_created(limit: int, seconds: float) -> ChatError:
    """A room past ``--rooms-per-hour`` (the code of ``--max-rooms``')."""
    minutes = max(1, round(seconds / 60))
    return ChatError(
        "TOO_MANY_ROOMS",
        f"you have made {limit} rooms in the last hour: try again in {minutes} min",
    )


def already_in_room(name: str) -> ChatError:
    return ChatError("ALREADY_IN_ROOM", f"you are already in {name}")


def not_in_room(detail: str = "you are in no room") -> ChatError:
    return ChatError("NOT_IN_ROOM", detail)


def in_lobby() -> ChatError:
    return not_in_room("you are in the lobby: /join or /create a room first")


def room_command_only(command: str) -> ChatError:
    return not_in_room(f"/{command} works only in a room")


def permanent_room(name: str) -> ChatError:
    return ChatError("NOT_ALLOWED", f"{name} is permanent")


def not_owner(name: str) -> ChatError:
    return ChatError("NOT_ALLOWED", f"only the owner of {name} can delete it")


def not_renamer(name: str) -> ChatError:
    return ChatError("NOT_ALLOWED", f"only the owner of {name} can rename it")


def room_name_taken(name: str) -> ChatError:
    """A rename's new name is a room's, or was one within its rename's grace."""
    return ChatError("ROOM_EXISTS", f"{name} is taken, choose another name")


def moderated(room: str) -> ChatError:
    return ChatError(
        "MODERATED",
        f"{room} is moderated: only its operators and voiced members speak",
    )


def rehash_failed(reason: str) -> ChatError:
    """``/rehash``: the configuration has a mistake; the running one is kept."""
    return ChatError("REHASH_FAILED", reason)


def not_allowed(text: str) -> ChatError:
    return ChatError("NOT_ALLOWED", text)


def no_such_message(event_id: int, room: str) -> ChatError:
    """``/reply`` (``/edit``...) to an id that is no message of the room."""
    return ChatError("NO_SUCH_MESSAGE", f"{room} has no message {event_id}")


def inbox_full(name: str, bound: int) -> ChatError:
    """``/msg`` to an absent account that has ``bound`` messages waiting."""
    return ChatError(
        "INBOX_FULL",
        f"{name} is away with {bound} messages waiting: "
        "nothing more is kept for them until they sign in",
    )


def server_ban_unchanged(mask: str, banned: bool) -> ChatError:
    """``/gban`` of a mask banned already, ``/gunban`` of one that is not."""
    if banned:
        return bad_args(f"{mask} is already banned from the server")
    return bad_args(f"{mask} is not banned from the server")


def cannot_back_up(why: str) -> ChatError:
    """chatroom-admin's ``backup`` where the store cannot be copied."""
    return ChatError("NOT_SUPPORTED", f"no backup: {why}")


def admins_only(command: str) -> ChatError:
    return not_allowed(f"only server admins can /{command}")


def not_an_admin(name: str) -> ChatError:
    """IRC's ``OPER NAME PASSWORD`` naming an account ``--admins`` does not
    name (or a name that is no account)."""
    return not_allowed(f"{name} is not a server admin account")


def list_full(limit: int) -> ChatError:
    return bad_args(f"a room keeps at most {limit} entries in each list")


# -- webhooks (chatroom.core.rooms.webhooks)
# ---------------------------------------------


class WebhookThrottledError(ChatError):
    """A webhook posting faster than its limit: ``seconds`` until it may
    post again (the HTTP door's ``Retry-After``)."""

    def __init__(self, text: str, seconds: float) -> None:
        super().__init__("TOO_FAST", text)
        self.seconds = seconds


class SubscriptionsFullError(ChatError):
    """An account keeps its most Web Push subscriptions already (IRC's
    ``FAIL WEBPUSH MAX_REGISTRATIONS``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            "BAD_ARGS", f"an account keeps at most {limit} push subscriptions"
        )


def not_hook_owner(room: str) -> ChatError:
    return ChatError("NOT_ALLOWED", f"only the owner of {room} can manage its webhooks")


def no_such_webhook(name: str = "", room: str = "") -> ChatError:
    """``/webhook remove`` of a name the room has none of; a post to an
    address that is no webhook's (its room gone, or never one)."""
    if name:
        return ChatError("NO_SUCH_WEBHOOK", f"{room} has no webhook called {name}")
    return ChatError("NO_SUCH_WEBHOOK", "no webhook has this address")


def webhook_exists(name: str, room: str) -> ChatError:
    return ChatError("NAME_TAKEN", f"{room} has a webhook called {name} already")


def webhooks_full(room: str, limit: int) -> ChatError:
    return bad_args(f"{room} has its {limit} webhooks: /webhook remove one first")


def no_webhook_door() -> ChatError:
    """``/webhook add`` on a server with no address to post to."""
    return ChatError(
        "UNAVAILABLE", "webhooks need the HTTP door (--http) or --webhook-url"
    )


# -- slash commands (chatroom.core.rooms.slash_commands)
# ---------------------------------------------


def not_command_owner(room: str) -> ChatError:
    return ChatError("NOT_ALLOWED", f"only the owner of {room} can manage its commands")


def no_such_command(name: str, room: str) -> ChatError:
    """``/command remove`` of a name the room has no command of."""
    return ChatError("NO_SUCH_COMMAND", f"{room} has no command /{name}")


def command_exists(name: str, room: str) -> ChatError:
    return ChatError("NAME_TAKEN", f"{room} has a command /{name} already")


def command_is_the_servers(name: str) -> ChatError:
    return ChatError("NAME_TAKEN", f"/{name} is one of the server's own commands")


def bad_command_name() -> ChatError:
    return ChatError("BAD_NAME", "a command's name is 1 to 32 letters, digits, _ and -")


def commands_full(room: str, limit: int) -> ChatError:
    return bad_args(f"{room} has its {limit} commands: /command remove one first")


def command_not_public() -> ChatError:
    """A command's URL the outbound guard refuses (never saying what it
    resolved to: that would describe the server's network)."""
    return bad_args("the address is not a public address")


def command_silent(name: str, why: str) -> ChatError:
    """A command's URL gave no usable answer (or none in time)."""
    return ChatError("UNAVAILABLE", f"/{name} did not answer ({why})")


def webhook_too_large(text: str) -> ChatError:
    """A post larger than a message may be (the HTTP door's ``413``)."""
    return ChatError("TOO_LARGE", text)


def webhook_too_fast(limit: int, window: float, seconds: float) -> ChatError:
    return WebhookThrottledError(
        f"a webhook posts at most {limit} messages in {window:g} s:"
        f" try again in {max(1, round(seconds))} s",
        seconds,
    )


# -- accounts ------------------------------------------------------------------


def name_registered(name: str) -> ChatError:
    return ChatError("NAME_REGISTERED", f"{name} is registered: /login {name} PASSWORD")


def bad_password() -> ChatError:
    return ChatError("BAD_PASSWORD", "wrong password")


def bad_token(why: str) -> ChatError:
    """A sign-in through the OpenID provider that does not hold: a ticket or
    a token refused (expired, not the provider's, not for this server)."""
    return ChatError("BAD_TOKEN", f"sign-in through the provider refused: {why}")


def password_registration_off(provider: str) -> ChatError:
    """``--oidc-only``: accounts are made by signing in through the provider."""
    return ChatError(
        "NOT_ALLOWED", f"accounts here are made by signing in with {provider}"
    )


def no_such_account(name: str) -> ChatError:
    return ChatError("NO_SUCH_ACCOUNT", f"nobody has registered {name}")


def no_scram_keys(name: str) -> ChatError:
    """SCRAM to an account whose keys were never made (registered before
    SCRAM was offered, and not signed in with its password since)."""
    return ChatError(
        "NO_SCRAM_KEYS",
        f"{name} has no SCRAM keys yet: sign in once with its password "
        "(SASL PLAIN, PASS or NickServ IDENTIFY), then SCRAM works",
    )


def account_required() -> ChatError:
    return ChatError("ACCOUNT_REQUIRED", ACCOUNTS_ONLY + LOGIN_HINT)


def listed_account_required(listed: str) -> ChatError:
    """A plain name from an address a blocklist lists (``--dnsbl``)."""
    return ChatError(
        "ACCOUNT_REQUIRED",
        f"{listed}; sign in to an existing account",
    )


def locked_account_required() -> ChatError:
    """A plain name while the server is locked down to accounts."""
    return ChatError(
        "ACCOUNT_REQUIRED",
        "the server is locked down: only accounts may sign in" + LOGIN_HINT,
    )


def locked_registration_closed() -> ChatError:
    """Registering while the server is locked down."""
    return ChatError(
        "REGISTRATION_CLOSED", "the server is locked down: no account can be registered"
    )


def invite_required() -> ChatError:
    """Registering on a ``--registration invite`` server without having
    redeemed an invitation."""
    return ChatError(
        "INVITE_REQUIRED", "registering here takes an invitation: /redeem CODE first"
    )


#: The text of :func:`registration_off` (IRC's ``FAIL REGISTER DISALLOWED``).
REGISTRATION_OFF = "this server registers no new accounts without an invitation"


def registration_off() -> ChatError:
    """Registering on a ``--registration closed`` server without having
    redeemed an invitation."""
    return not_allowed(REGISTRATION_OFF)


def bad_invitation() -> ChatError:
    """``/redeem CODE`` (``/invite-link revoke CODE``) with a code no
    invitation has, or one used up or expired."""
    return ChatError("BAD_CODE", "that invitation is unknown, used up or expired")


def bad_session() -> ChatError:
    """``/session TOKEN`` with a token that signs nobody in: unknown,
    ended, or unused for too long (:mod:`chatroom.core.accounts.sign_in_tokens`);
    the code of a provider's token refused (:func:`bad_token`)."""
    return ChatError("BAD_TOKEN", "that session has ended or is unknown: sign in again")


def not_yet(seconds: int) -> ChatError:
    """A newcomer's private message to a stranger, or link, before its wait
    is over (``--newcomer-wait``): the text is the seconds left."""
    return ChatError("NOT_YET", str(seconds))


def server_closed() -> ChatError:
    """A name claimed while the server is closed (``/lockdown closed``)."""
    return ChatError(
        "SERVER_CLOSED", "the server is closed to new sessions: only admins may sign in"
    )


def listed_registration_closed(listed: str) -> ChatError:
    """Registering from an address a blocklist lists (``--dnsbl``)."""
    return ChatError(
        "REGISTRATION_CLOSED", f"{listed}; no account can be registered from it"
    )


def files_off() -> ChatError:
    """``/token`` on a server without ``--files``."""
    return not_allowed("uploads are off on this server")


def email_required(name: str) -> ChatError:
    """``--require-email``: ``name`` has yet to verify an e-mail address."""
    return ChatError(
        "EMAIL_REQUIRED",
        f"{name} has yet to verify an e-mail address (/email, then /verify, "
        "from the device that registered it)",
    )


def not_signed_in() -> ChatError:
    return not_allowed("you are not signed in to an account")


def exports_need_http() -> ChatError:
    """``/export`` on a server without an HTTP door to serve the archive."""
    return not_allowed("exports need --http: this server serves no HTTP door")


def signed_in_already(account: str) -> ChatError:
    """Registering the name you hold while signed in to another account."""
    return not_allowed(f"you are signed in to {account} already")


def bad_new_password(minimum: int, maximum: int) -> ChatError:
    return bad_args(
        f"passwords are {minimum} to {maximum} characters (spaces too, but not"
        " first or last; no control characters)"
    )


def sign_in_throttled(what: str, seconds: float) -> ChatError:
    return ChatError(
        "RATE_LIMITED",
        f"too many failed sign-ins {what}: try again in {max(1, round(seconds))} s",
    )


def registrations_limited(what: str, seconds: float) -> ChatError:
    """``/register`` past ``--register-limit`` or ``--register-rate``."""
    return ChatError(
        "RATE_LIMITED",
        f"too many registrations {what}: try again in {max(1, round(seconds))} s",
    )


def registrations_busy() -> ChatError:
    """Too many registrations are already waiting for their password hash."""
    return ChatError(
        "RATE_LIMITED", "the server is busy hashing passwords: try again soon"
    )


def banned_from_server() -> ChatError:
    return ChatError("BANNED", "you are banned from this server")


# -- rooms' moderation -----------------------------------------------------------


def banned_from(room: str) -> ChatError:
    return ChatError("BANNED", f"you are banned from {room}")


def invite_only(room: str) -> ChatError:
    return ChatError("INVITE_ONLY", f"{room} is invite-only: ask its operators")


def bad_key(room: str) -> ChatError:
    return ChatError("BAD_KEY", f"{room} needs the right key: /join {room} KEY")


def usage(text: str) -> ChatError:
    return ChatError("BAD_ARGS", f"usage: {text}")


def bad_args(text: str) -> ChatError:
    return ChatError("BAD_ARGS", text)


def bad_event_id(value: str) -> ChatError:
    return bad_args(f"{value!r} is not an event id (ids are what @ID showed)")


def history_count(limit: int) -> ChatError:
    return bad_args(f"/history asks for 1 to {limit} events")


def topic_too_long() -> ChatError:
    return bad_args(f"topics are at most {TOPIC_MAX_LENGTH} characters")


def bad_text() -> ChatError:
    return ChatError(
        "BAD_TEXT", "control characters and escape sequences are not allowed"
    )


def unknown_command(command: str) -> ChatError:
    return ChatError("UNKNOWN_COMMAND", f"no command /{command}; try /help")


def unavailable() -> ChatError:
    """Cluster mode: Redis cannot be reached, so shared state cannot change."""
    return ChatError(
        "UNAVAILABLE",
        "the chat cluster is unreachable (its Redis is down); try again in a moment",
    )


def search_unavailable() -> ChatError:
    """A cluster node without ``--search-db`` has no full-text index
    (``docs/scaling.md``, *Search*)."""
    return ChatError(
        "UNAVAILABLE",
        "/search is not available in cluster mode (--redis) without --search-db",
    )


def search_database_down() -> ChatError:
    """Cluster mode: the search's PostgreSQL cannot be reached."""
    return ChatError(
        "UNAVAILABLE",
        "/search cannot reach its database right now; try again in a moment",
    )


def not_stored(problem: str, text: str) -> ChatError:
    """A single server whose ``--db`` cannot be written (a full disk): the
    message is refused rather than acknowledged and lost. The sender's text
    is quoted back, so it stays on its screen whatever the client does."""
    return ChatError("UNAVAILABLE", f"{problem}, so this was not sent: {text}")


def not_confirmed() -> ChatError:
    """A change made in Redis that no replica confirmed (``--redis-replicas``)
    in time: its sender is not told it is done, and sends it again."""
    return ChatError(
        "UNAVAILABLE", "no replica of Redis confirmed it: try again in a moment"
    )


def txn_reused(key: str, target: str, event_id: str) -> ChatError:
    """``/txn KEY LINE`` with a key its sender already used for another
    line: nothing is done, and the key still answers its first."""
    done = f" ({target} {event_id or '-'})" if target else ""
    return ChatError("TXN_REUSED", f"{key} was used for another message{done}")


def line_too_long(limit: int) -> ChatError:
    return ChatError(
        "LINE_TOO_LONG", f"lines are limited to {limit} bytes; that one was discarded"
    )


def bad_encoding() -> ChatError:
    return ChatError("BAD_ENCODING", "lines must be UTF-8")


def binary_frame() -> ChatError:
    """The browser door: lines travel as WebSocket text frames only."""
    return ChatError("BAD_ENCODING", "send text frames: one line of UTF-8 per frame")


def internal() -> ChatError:
    return ChatError("INTERNAL", "the server failed on that command; sorry")


# -- devices of an account -------------------------------------------------------


def too_many_devices(account: str, limit: int) -> ChatError:
    """A sign-in past ``--max-devices``: nobody already connected is ended."""
    return ChatError(
        "TOO_MANY_DEVICES",
        f"{account} is connected from {limit} devices already: /logout one of them",
    )


def no_such_device(number: str) -> ChatError:
    return ChatError("NO_SUCH_DEVICE", f"you have no device {number} (see /devices)")


def one_name_for_devices(standing: bool = False) -> ChatError:
    """``/nick`` on an account connected from several devices, or
    (``standing``) whose other member here is the server holding it in its
    rooms (a bot standing there with no connection), none of its devices."""
    if standing:
        return ChatError(
            "NOT_ALLOWED", "an account standing in its rooms keeps its name"
        )
    return ChatError("NOT_ALLOWED", "an account on several devices keeps its name")


def no_such_call(room: str = "") -> ChatError:
    """``/call join`` where no call is on, ``/call leave`` in none."""
    if room:
        return ChatError("NO_SUCH_CALL", f"no call is on in {room}: /call start one")
    return ChatError("NO_SUCH_CALL", "you are in no call")
