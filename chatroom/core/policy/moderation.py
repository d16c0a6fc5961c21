"""Who may moderate a room, and what each moderation command changes.

A room's settings, operators, bans and invitations are one immutable
:class:`RoomPolicy`. Every moderation command is decided here, once, by
:func:`decide`: a plain function from the room's facts, the acting user and
the target to an :class:`Outcome` (the new policy, the events the room is
shown, the user to remove, the user to notify). The in-process registry
applies an outcome to its rooms; the Redis registry hands it to one script
that applies it only if the room has not changed since its facts were read
(see :mod:`chatroom.backends.redis.scripts`). So no rule is written twice, and no
door holds one.

Users are matched by *mask*: ``account:KEY`` for a user signed in to an
account (or a registered name), ``name:KEY`` for a plain name (keys are
:func:`chatroom.core.model.text.name_key`). Operator status and invitations given to a
plain name also record the session they were given to (``name:KEY@SESSION``),
so a later holder of the name does not inherit them; a ban by name holds
against whoever uses the name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, Operation, Premise
from chatroom.core.model.changes.moderation import (
    KickMember,
    RoomModeration,
    SessionIs,
    TellUser,
)
from chatroom.core.model.changes.rooms import Emit, Present, SetOwner, SetPolicy
from chatroom.core.model.events import (
    BanChanged,
    Departure,
    DepartureKind,
    Invitation,
    Invited,
    Kicked,
    MemberMode,
    ModeChanged,
    OwnerChanged,
    RoomEvent,
    RoomMetadataChanged,
    SettingChanged,
)
from chatroom.core.model.facts import RoomFacts, RoomPolicy
from chatroom.core.model.facts import Target as Target
from chatroom.core.model.text import account_mask, name_key, name_mask
from chatroom.core.policy import rules
from chatroom.core.policy.metadata_rule import check_key as check_metadata_key
from chatroom.core.policy.metadata_rule import check_value as check_metadata_value
from chatroom.core.policy.settingvalues import (
    check_key,
    check_limit_value,
    parse_mask,
    parse_switch,
    switched,
)

#: Most entries a room keeps in each of its lists (operators, bans, invitations).
LIST_MAX = 100

# -- who is who --------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """The user giving a command: name, account ("" if none), session,
    admin, and the account's name as registered (what its events carry)."""

    name: str
    account: str = ""
    session: str = ""
    admin: bool = False
    account_name: str = ""

    @property
    def key(self) -> str:
        return name_key(self.name)


def ban_mask(user: Actor | Target) -> str:
    """A ban holds by account when there is one, else by name."""
    return account_mask(user.account) if user.account else name_mask(user.key)


def grant_mask(user: Actor | Target) -> str:
    """Operator status and invitations: by account, else by this session."""
    if user.account:
        return account_mask(user.account)
    return f"{name_mask(user.key)}@{user.session}"


def shown(mask: str) -> str:
    """A mask as users see it (without the session of a grant)."""
    return mask.partition("@")[0]


def _matches(entries: tuple[str, ...], user: Actor | Target) -> bool:
    if user.account and account_mask(user.account) in entries:
        return True
    return f"{name_mask(user.key)}@{user.session}" in entries


def is_banned(policy: RoomPolicy, user: Actor | Target) -> bool:
    """Banned by account (whatever the name now) or by the name in use."""
    if user.account and account_mask(user.account) in policy.bans:
        return True
    return name_mask(user.key) in policy.bans


def is_owner(room: RoomFacts, user: Actor | Target) -> bool:
    if room.policy.owner_account:
        return user.account == room.policy.owner_account
    return bool(room.owner) and room.owner == user.key


def check_manager(room: RoomFacts, actor: Actor, refusal: errors.ChatError) -> None:
    """Only a room's owner (or a server admin) manages the room's tools
    (its webhooks, its slash commands): they speak as the room's own bots.
    Anyone else: ``refusal``."""
    if not (actor.admin or is_owner(room, actor)):
        raise refusal


def is_operator(room: RoomFacts, user: Actor | Target) -> bool:
    """Owner (unless they gave it up), operator or (for an actor) admin:
    may moderate the room."""
    if isinstance(user, Actor) and user.admin:
        return True
    if is_owner(room, user):
        return not _matches((room.policy.unopped_owner,), user)
    return _matches(room.policy.operators, user)


# -- the rules -----------------------------------------------------------------


def check_entry(room: RoomFacts, actor: Actor, key: str | None) -> None:
    """May ``actor`` join ``room`` (with ``key``)? Bans, then invitation, then key."""
    policy = room.policy
    if actor.admin:
        return
    if is_banned(policy, actor):
        raise errors.banned_from(room.name)
    if is_owner(room, actor) or is_operator(room, actor):
        return
    if _matches(policy.invited, actor):
        return
    if policy.invite_only:
        raise errors.invite_only(room.name)
    if policy.key and key != policy.key:
        raise errors.bad_key(room.name)


def member_limit(room: RoomFacts, actor: Actor) -> int:
    """The room's own member limit for ``actor`` (0: none): the owner,
    operators, admins and invited users pass it (an invitation lets a user
    join despite the limit, as Modern IRC says)."""
    limit = room.policy.limit
    if not limit or is_owner(room, actor) or is_operator(room, actor):
        return 0
    return 0 if _matches(room.policy.invited, actor) else limit


def check_limit(room: RoomFacts, actor: Actor) -> int:
    """Refuse a join past the room's limit (``ROOM_FULL``, as a full room
    is); the limit that held, for the back-end to check where it seats."""
    limit = member_limit(room, actor)
    if limit and room.members >= limit:
        raise errors.room_full(room.name, limit)
    return limit


def is_voiced(room: RoomFacts, user: Actor | Target) -> bool:
    return _matches(room.policy.voiced, user)


def check_speak(room: RoomFacts, actor: Actor) -> None:
    """In a moderated room only the owner, operators and voiced members speak."""
    if room.policy.moderated and not (
        is_operator(room, actor) or is_voiced(room, actor)
    ):
        raise errors.moderated(room.name)


def check_outside(room: RoomFacts, actor: Actor, refusal: errors.ChatError) -> None:
    """A message from a user outside the room reaches it only when the room
    takes them (``/set external on``, IRC's ``-n``) and the user is not
    banned from it; else ``refusal`` (``NOT_IN_ROOM``) stands."""
    if not room.policy.external or (not actor.admin and is_banned(room.policy, actor)):
        raise refusal


def check_set_topic(room: RoomFacts, actor: Actor) -> None:
    """Any member may set the topic, unless the room has ``topic-lock on``."""
    if room.policy.topic_lock and not is_operator(room, actor):
        raise errors.not_allowed(f"the topic of {room.name} is locked")


def check_delete(room: RoomFacts, actor: Actor) -> None:
    """The owner (or an admin) may delete a room; permanent rooms never go."""
    if room.permanent:
        raise errors.permanent_room(room.name)
    if not (actor.admin or is_owner(room, actor)):
        raise errors.not_owner(room.name)


def check_rename(room: RoomFacts, actor: Actor) -> None:
    """The owner (or an admin) may rename a room; a permanent room keeps
    the name ``--rooms`` gives it."""
    if room.permanent:
        raise errors.permanent_room(room.name)
    if not (actor.admin or is_owner(room, actor)):
        raise errors.not_renamer(room.name)


@dataclass(frozen=True)
class Action:
    """One moderation command: ``command`` (op, deop, kick, ban, unban,
    invite, set), the user or setting it names, and its value or reason."""

    command: str
    target: str
    value: str = ""

    @property
    def needs_target(self) -> bool:
        """Whether the registry must look the named user up."""
        return self.command not in ("set", "metadata") and not self.target.startswith(
            ("account:", "name:")
        )


@dataclass
class Outcome:
    """What a decided action changes: a new policy (None: unchanged), events
    for the room in order, a member to remove (shown ``KICKED``), an event
    for one user wherever they are (``INVITED``), and whether the actor
    now owns the room."""

    policy: RoomPolicy | None = None
    events: list[RoomEvent] = field(default_factory=list)
    kick: Target | None = None
    kicked: Kicked | None = None
    notify: tuple[str, Invited] | None = None
    #: The actor owns the room now: a room an account keeps (``/set keep``)
    #: that nobody owned, whose policy the actor changed, is held by the
    #: actor (:func:`decide`).
    actor_owns: bool = False


def change_of(
    outcome: Outcome,
    room: str,
    actor: str,
    target: Target | None,
    premises: tuple[Premise, ...],
    leave: DecidedChange | None = None,
) -> DecidedChange:
    """The change ``outcome`` is, to room ``room`` (a name key) by ``actor``
    (a name key), resting on ``premises`` (the room as read) and on the
    user the command named (``target``) being connected as read and in the
    room or not as read: its policy, the actor's ownership, the room's
    events, a kick (the outcome's last event, its departure, as ``leave``
    says: decided on the kicked user's seating with the premises it rests
    on), an invitation told, in that order."""
    ops: list[Operation] = []
    if outcome.policy is not None:
        ops.append(SetPolicy(outcome.policy))
        if outcome.actor_owns:
            ops.append(SetOwner(actor))
    kick, kicked = outcome.kick, outcome.kicked
    kicking = kick is not None and kicked is not None
    shown = outcome.events[:-1] if kicking else outcome.events
    ops.extend(Emit(event) for event in shown)
    if kick is not None and kicked is not None:
        departure = outcome.events[-1]
        assert isinstance(departure, Departure) and leave is not None
        ops.append(KickMember(kick.key, kick.session, departure, kicked, leave))
    if outcome.notify is not None:
        ops.append(TellUser(*outcome.notify))
    if target is not None:
        present = (target.key,) if target.present else ()
        premises = (
            *premises,
            SessionIs(target.key, target.session),
            Present((target.key,), present),
        )
    return DecidedChange(RoomModeration(room), premises, tuple(ops))


@dataclass(frozen=True)
class Given:
    """What giving a room to an account changes (:func:`give`,
    :func:`hand_over`): the room's policy, its owner (a name key; "" for
    nobody until the account's user joins) and what the room is shown."""

    policy: RoomPolicy
    owner: str
    #: None: nobody owns it now, and nobody is told (:func:`passed_on`).
    event: OwnerChanged | None


def give(
    room: RoomFacts,
    actor: Actor,
    account: str,
    target: Target | None,
    owner_name: str = "",
) -> Given:
    """``chatroom-admin rooms give ROOM ACCOUNT`` (a server admin's): the
    room is ``account``'s from now on, kept for it as ``/set keep`` keeps a
    room for its owner's account. The account's user in the room (by its
    own name) owns it at once; if none is there, the first to join signed
    in to it. The room is shown an owner change (``OWNER``, IRC's
    ``MODE +o``) naming the account.

    ``target``: the user called ``account``, as the back-end found them;
    ``owner_name``: the room's owner until now, if in the room (it loses
    its ``+o``).

    Raises:
        ChatError: ``NOT_ALLOWED`` (not an admin), ``NO_SUCH_ACCOUNT``,
            ``BAD_ARGS`` (a permanent room: it has no owner).
    """
    if not actor.admin:
        raise errors.admins_only("rooms give")
    if target is None or target.account != target.key:
        raise errors.no_such_account(account)
    if room.permanent:
        raise errors.bad_args(f"{room.name} is permanent: it has no owner")
    policy = replace(room.policy, keep=True, owner_account=target.account)
    owner = target.key if target.present else ""
    previous = owner_name if name_key(owner_name) != target.key else ""
    event = OwnerChanged(room.name, target.name, previous, target.present)
    return Given(policy, owner, event)


def hand_over(
    room: RoomFacts,
    actor: Actor,
    target: Target | None,
    name: str,
    owner_name: str = "",
) -> Given:
    """``/owner USER``: the owner (or an admin) hands the room to ``name``,
    a member signed in to an account (``target``, as the back-end found
    them). A room its owner's account keeps is the new account's from now
    on, kept for it as it was for the old one; a scratch room stays one,
    with a new owner. The room is shown the owner change (``OWNER``,
    IRC's ``MODE -o+o``); the former owner keeps nothing of an owner's
    (an owner who had given up operator status hands over a room whose
    owner moderates again).

    ``owner_name``: the room's owner until now, if in the room (it loses
    its ``+o``).

    Raises:
        ChatError: ``NOT_ALLOWED`` (not the owner; a user not signed in to
            an account), ``NO_SUCH_USER`` (not in the room), ``BAD_ARGS``
            (the owner already).
    """
    _require_owner(room, actor, "owner")
    user = _present(room, target, name)
    if not user.account:
        raise errors.not_allowed(
            f"{user.name} is not signed in to an account: only an account owns a room"
        )
    if is_owner(room, user):
        raise errors.bad_args(f"{user.name} owns {room.name} already")
    policy = replace(room.policy, unopped_owner="")
    if policy.owner_account:
        policy = replace(policy, owner_account=user.account)
    previous = owner_name if name_key(owner_name) != user.key else ""
    return Given(policy, user.key, OwnerChanged(room.name, user.name, previous))


def passed_on(
    room: RoomFacts, members: Sequence[Target], account: str, owner_name: str = ""
) -> Given:
    """Account ``account``, which owns ``room``, is deleted: the room goes
    on without it, to its longest-present member not signed in to it and
    not its user under the account's own name, now a plain one (of
    ``members``, in arrival order), as ChanServ hands a dropped founder's
    channel to its successor. An heir signed in to an account has the
    room as that account's (kept as it was); a plain name has it as a
    scratch room (``keep off``: no account keeps it for a name whose next
    holder is someone else). With no such member nobody keeps it: it is a
    scratch room of nobody's, gone once empty (its owner's devices, if
    still in it, leaving it), as ChanServ drops a channel with no
    successor; a later account of the same name owns nothing of the old
    one's.

    ``owner_name``: the room's owner until now, if in the room (a device
    of the account, soon ended: it loses its ``+o``)."""
    policy = replace(room.policy, owner_account="", unopped_owner="")
    heir = next((m for m in members if m.account != account and m.key != account), None)
    if heir is None:
        return Given(replace(policy, keep=False), "", None)
    if heir.account:
        policy = replace(policy, owner_account=heir.account)
    else:
        policy = replace(policy, keep=False)
    previous = owner_name if name_key(owner_name) != heir.key else ""
    return Given(policy, heir.key, OwnerChanged(room.name, heir.name, previous))


def gift_change(
    given: Given, room: str, premises: tuple[Premise, ...]
) -> DecidedChange:
    """The change a gift is (:func:`give`, :func:`hand_over`,
    :func:`passed_on`), to room ``room`` (a name key), resting on
    ``premises`` (the room as read) and on the new owner, if any, being in
    it: the policy, the owner, the owner change shown (if any)."""
    if given.owner:
        premises = (*premises, Present((given.owner,), (given.owner,)))
    ops: tuple[Operation, ...] = (SetPolicy(given.policy), SetOwner(given.owner))
    if given.event is not None:
        ops = (*ops, Emit(given.event))
    return DecidedChange(RoomModeration(room), premises, ops)


def _mode(room: RoomFacts, user: Target, actor: Actor, mode: MemberMode) -> ModeChanged:
    return ModeChanged(
        room.name, user.name, actor.name, mode, account=actor.account_name
    )


def _require_operator(room: RoomFacts, actor: Actor, command: str) -> None:
    if not is_operator(room, actor):
        raise errors.not_allowed(
            f"only the owner and operators of {room.name} can /{command}"
        )


def _require_owner(room: RoomFacts, actor: Actor, command: str) -> None:
    if not (actor.admin or is_owner(room, actor)):
        raise errors.not_allowed(f"only the owner of {room.name} can /{command}")


def _present(room: RoomFacts, target: Target | None, name: str) -> Target:
    if target is None or not target.present:
        raise errors.no_such_user(name, room.name)
    return target


def _bounded(entries: tuple[str, ...], added: str) -> tuple[str, ...]:
    if added in entries:
        return entries
    if len(entries) >= LIST_MAX:
        raise errors.list_full(LIST_MAX)
    return (*entries, added)


def decide(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    """What ``action`` by ``actor`` does to ``room``, or the refusal.

    ``target`` is the named user as the registry found them (None if
    nobody by that name is connected or registered).
    """
    decider = _DECIDERS.get(action.command)
    if decider is None:
        raise errors.unknown_command(action.command)
    outcome = decider(action, room, actor, target)
    kept = outcome.policy is not None and outcome.policy.owner_account
    if kept and not room.owner:  # /set keep: the owner's account holds it
        outcome.actor_owns = True
    return outcome


def _op(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    _require_owner(room, actor, "op")
    user = _present(room, target, action.target)
    policy = room.policy
    if is_operator(room, user):
        raise errors.bad_args(f"{user.name} is already an operator of {room.name}")
    if is_owner(room, user):  # the owner takes back what they gave up
        changed = replace(policy, unopped_owner="")
    else:
        changed = replace(
            policy, operators=_bounded(policy.operators, grant_mask(user))
        )
    return Outcome(changed, [_mode(room, user, actor, MemberMode.OP)])


def _deop(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    user = target or Target(action.target)
    if user.key != actor.key:  # an operator may always step down
        _require_owner(room, actor, "deop")
    policy = room.policy
    gone = {grant_mask(user), account_mask(user.key)}
    if user.account:
        gone.add(account_mask(user.account))
    operators = tuple(m for m in policy.operators if m not in gone)
    if is_owner(room, user) and user.online and is_operator(room, user):
        changed = replace(policy, unopped_owner=grant_mask(user))
    elif operators == policy.operators:
        raise errors.bad_args(f"{user.name} is not an operator of {room.name}")
    else:
        changed = replace(policy, operators=operators)
    return Outcome(changed, [_mode(room, user, actor, MemberMode.DEOP)])


def _voice(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    _require_operator(room, actor, "voice")
    user = _present(room, target, action.target)
    if is_voiced(room, user):
        raise errors.bad_args(f"{user.name} already has a voice in {room.name}")
    voiced = _bounded(room.policy.voiced, grant_mask(user))
    return Outcome(
        replace(room.policy, voiced=voiced),
        [_mode(room, user, actor, MemberMode.VOICE)],
    )


def _devoice(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    user = target or Target(action.target)
    if user.key != actor.key:  # anyone may give up their own voice
        _require_operator(room, actor, "devoice")
    policy = room.policy
    gone = {grant_mask(user), account_mask(user.key)}
    if user.account:
        gone.add(account_mask(user.account))
    voiced = tuple(m for m in policy.voiced if m not in gone)
    if voiced == policy.voiced:
        raise errors.bad_args(f"{user.name} has no voice in {room.name}")
    return Outcome(
        replace(policy, voiced=voiced),
        [_mode(room, user, actor, MemberMode.DEVOICE)],
    )


def _kick(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    _require_operator(room, actor, "kick")
    user = _present(room, target, action.target)
    _check_may_remove(room, actor, user, "kick")
    reason = rules.reason(action.value, rules.NO_REASON)
    return _kicking(room, actor, user, reason, Outcome())


def _check_may_remove(room: RoomFacts, actor: Actor, user: Target, verb: str) -> None:
    if user.key == actor.key:
        raise errors.not_allowed(f"you cannot {verb} yourself")
    if is_owner(room, user) and not actor.admin:
        raise errors.not_allowed(
            f"{user.name} owns {room.name}: nobody can {verb} them"
        )


def _kicking(
    room: RoomFacts, actor: Actor, user: Target, reason: str, outcome: Outcome
) -> Outcome:
    kick, by, account = DepartureKind.KICK, actor.name, actor.account_name
    departure = Departure(room.name, user.name, kick, reason, by=by, account=account)
    outcome.events.append(departure)
    outcome.kick = user
    outcome.kicked = Kicked(room.name, by, reason, account=account)
    return outcome


def _ban(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    _require_operator(room, actor, "ban")
    if action.target.startswith(("account:", "name:")):
        mask = parse_mask(action.target)
        user = None
    else:
        user = target or Target(action.target)
        _check_may_remove(room, actor, user, "ban")
        mask = ban_mask(user)
    if mask in room.policy.bans:
        raise errors.bad_args(f"{shown(mask)} is already banned from {room.name}")
    policy = replace(room.policy, bans=_bounded(room.policy.bans, mask))
    account = actor.account_name
    outcome = Outcome(
        policy, [BanChanged(room.name, mask, actor.name, account=account)]
    )
    if user is not None and user.present:
        return _kicking(room, actor, user, "banned", outcome)
    return outcome


def _unban(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    _require_operator(room, actor, "unban")
    if action.target.startswith(("account:", "name:")):
        masks = {parse_mask(action.target)}
    else:
        user = target or Target(action.target)
        masks = {ban_mask(user), name_mask(user.key), account_mask(user.key)}
    removed = [m for m in room.policy.bans if m in masks]
    if not removed:
        raise errors.bad_args(f"{action.target} is not banned from {room.name}")
    policy = replace(
        room.policy, bans=tuple(m for m in room.policy.bans if m not in masks)
    )
    return Outcome(
        policy,
        [
            BanChanged(room.name, m, actor.name, False, account=actor.account_name)
            for m in removed
        ],
    )


def _invite(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    if room.policy.invite_only:
        _require_operator(room, actor, "invite")
    if target is None or not target.online:
        raise errors.no_such_user(action.target)
    if target.present:
        raise errors.bad_args(f"{target.name} is already in {room.name}")
    policy = replace(
        room.policy, invited=_bounded(room.policy.invited, grant_mask(target))
    )
    account = actor.account_name
    return Outcome(
        policy,
        [Invitation(room.name, target.name, actor.name, account=account)],
        notify=(target.name, Invited(room.name, actor.name, account=account)),
    )


def _set(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    """One setting, or several on/off ones at once (``a,b`` ``on,off``: an
    IRC ``MODE`` line's letters), shown as one ``SET`` with the same lists."""
    policy, shown_values = room.policy, []
    settings, values = action.target.split(","), action.value.split(",")
    if len(settings) != len(values) or (len(settings) > 1 and "key" in settings):
        raise errors.usage("/set SETTING VALUE")
    for setting, value in zip(settings, values, strict=True):
        policy, shown_value = _one_setting(
            replace(room, policy=policy), actor, setting, value
        )
        shown_values.append(shown_value)
    event = SettingChanged(
        room.name,
        tuple(settings),
        tuple(shown_values),
        actor.name,
        account=actor.account_name,
    )
    return Outcome(policy, [event])


def _one_setting(
    room: RoomFacts, actor: Actor, setting: str, value: str
) -> tuple[RoomPolicy, str]:
    policy = room.policy
    if setting == "key":
        _require_operator(room, actor, "set key")
        key = "" if value == "off" else check_key(value)
        return replace(policy, key=key), "on" if key else "off"
    if setting == "limit":
        _require_operator(room, actor, "set limit")
        limit = 0 if value == "off" else check_limit_value(value, room.capacity)
        return replace(policy, limit=limit), str(limit) if limit else "off"
    on = parse_switch(setting, value)
    if setting == "keep":
        return _keep(room, actor, on), value
    _require_operator(room, actor, f"set {setting}")
    return switched(policy, setting, on), value


def _keep(room: RoomFacts, actor: Actor, on: bool) -> RoomPolicy:
    """``/set keep``: the owner's account keeps the room (and owns it)."""
    if not is_owner(room, actor):
        raise errors.not_allowed(f"only the owner of {room.name} can /set keep")
    if room.permanent:
        raise errors.bad_args(f"{room.name} is permanent: it is always kept")
    if not on:
        return replace(room.policy, keep=False, owner_account="")
    if not actor.account:
        raise errors.not_allowed("sign in to an account to keep a room (/register)")
    return replace(room.policy, keep=True, owner_account=actor.account)


#: The most metadata keys a room keeps (``METADATA #room SET``).
ROOM_METADATA_KEYS = 20


def _metadata(
    action: Action, room: RoomFacts, actor: Actor, target: Target | None
) -> Outcome:
    """``METADATA #room SET key [value]`` (``value`` "": unset), and
    ``CLEAR`` (``key`` ``*``: every key unset): the owner's and operators'
    to change; a key unset that was not set changes nothing. Keys and
    values follow :mod:`chatroom.core.policy.metadata_rule`."""
    _require_operator(room, actor, "metadata")
    kept = dict(room.policy.metadata)
    if action.target == "*":
        gone = list(kept)
        kept.clear()
        events: list[RoomEvent] = [
            RoomMetadataChanged(room.name, key, "", actor.name) for key in gone
        ]
    else:
        key = check_metadata_key(action.target)
        value = check_metadata_value(key, action.value) if action.value else ""
        if value and key not in kept and len(kept) >= ROOM_METADATA_KEYS:
            raise errors.bad_args(f"a room keeps {ROOM_METADATA_KEYS} keys at most")
        if kept.get(key, "") == value:
            return Outcome()
        if value:
            kept[key] = value
        else:
            del kept[key]
        events = [RoomMetadataChanged(room.name, key, value, actor.name)]
    if not events:
        return Outcome()
    return Outcome(replace(room.policy, metadata=tuple(kept.items())), events)


_DECIDERS = {
    "op": _op,
    "deop": _deop,
    "voice": _voice,
    "devoice": _devoice,
    "kick": _kick,
    "ban": _ban,
    "unban": _unban,
    "invite": _invite,
    "set": _set,
    "metadata": _metadata,
}
