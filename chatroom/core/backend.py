"""What the core needs of a back-end: stores by concern, one bus, one write.

:class:`chatroom.core.chat.ChatCore` decides (which rule applies when, what
event says so, who the actor is); a :class:`Backend` keeps the state and
changes it in steps that are atomic where it lives: in this process's
memory (:mod:`chatroom.backends.local`) or in Redis, shared by the nodes of
a cluster (:mod:`chatroom.backends.redis`). The model is Ergo's ``Server``,
which holds one manager per concern, each owning its state and its
persistence; and Synapse's ``RoomMemberHandler``, whose variant is chosen
where the server is built (:mod:`chatroom.wiring.composition`).

A back-end is:

- a store per concern, each the reads its concern's services decide on:
  rooms and seating (:class:`~chatroom.core.rooms.store.RoomStore`),
  messages (:class:`~chatroom.core.messages.store.MessageStore`), accounts
  and identity (:class:`~chatroom.core.accounts.stores.AccountStores`),
  moderation and safety
  (:class:`~chatroom.core.moderation.store.ModerationStore`), the server
  and its nodes (:class:`~chatroom.core.server.store.ServerStore`);
- one bus, for what is told and not kept (:class:`~chatroom.core.server.bus.Bus`);
- one write, :meth:`Backend.apply`, of every decided change
  (:class:`~chatroom.core.model.changes.base.DecidedChange`): a join, a
  leave, a message, a session's end, a room's succession, a sign-in, a
  release, a kill as much as a topic or a ban. It checks the change's
  premises and refuses with :class:`FactsChangedError` if one no longer
  holds, and the core decides again; it answers what the step produced
  (a join's welcome facts: :class:`~chatroom.core.infra.applying.Applied`);
- its life: start (told where to report what happens of its own accord:
  :class:`Reports`), stop, its store's epoch, whether it is within reach.

No part of the core but the composition takes a whole back-end: each
service is handed the stores it reads, the bus if it tells, and the one
write (:class:`~chatroom.core.infra.applying.Applies`).
"""

from __future__ import annotations

from typing import Protocol

from twisted.internet.defer import Deferred

from chatroom.core.accounts.stores import AccountStores
from chatroom.core.bridging.store import BridgeStore
from chatroom.core.infra.applying import Applied
from chatroom.core.infra.seats import Session
from chatroom.core.messages.store import MessageStore
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.base import FactsChangedError as FactsChangedError
from chatroom.core.model.facts import Ending, HeldElsewhere, WaitingFacts
from chatroom.core.model.member import Member
from chatroom.core.moderation.store import ModerationStore
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import Bus
from chatroom.core.server.store import ServerStore


class Reports(Protocol):
    """What a back-end tells the core of its own accord: what happened, as
    facts, for the core to decide on. The core hands it to the back-end as
    it starts (:meth:`Backend.start`: every part that decides on a report
    is built by then); it decides, and applies what it decides through the
    back-end's one write, as it does a write it starts itself. A back-end
    hands it values, never a rule's outcome to follow, and takes nothing
    back from it but one thing: the changes :meth:`heirs` decides, which a
    release applies inside its own step (it reads the names' devices and
    hands them over in one loop, deciding again while they change)."""

    def session_ended(self, member: Member, reason: str) -> None:
        """The session of ``member`` was ended under it (its name taken by
        a sign-in elsewhere, killed, banned): the core releases it, then
        disconnects it."""

    def room_shown(self, seat: Member, key: str) -> None:
        """A device of the account of ``seat`` entered room ``key`` on
        another node: the core shows the room here too
        (:meth:`OtherNodes.show`)."""

    def device_logged_out(self, seat: Member, number: int, reason: str) -> None:
        """Device ``number`` of ``seat`` here is to end, told ``reason``: a
        device of the account on another node asked (``/logout ID``). The
        core ends the device session it holds, then disconnects it."""

    def room_renamed(self, old: str, new: str) -> None:
        """Room ``old`` (its key) is keyed ``new`` from now on, as this
        node's members of it heard: what the core keeps here by the room's
        key (its call's participants) follows it."""

    def departed_elsewhere(self, room: str, user: str) -> None:
        """``user`` (as shown) is out of room ``room`` (its key) by a change
        another node decided (a device of its account left it there, or
        was kicked there): what the core keeps here of the user in that
        room (its connection in the room's call) goes too."""

    async def sessions_ended(self, ending: Ending) -> None:
        """Sessions ended, and their users leave the rooms of ``ending``
        (their facts as read): the core decides each room's departures and
        has the back-end apply them (:meth:`Backend.apply`).
        Returns once every room is left."""

    async def rooms_waited(self, waiting: list[WaitingFacts], due: int) -> None:
        """The rooms ``waiting`` (their facts as read) waited for their
        members until ``due`` (ms; 0: a room found with no owner, after a
        cluster node resumed): the core decides each one's succession and
        has the back-end apply it (:meth:`Backend.apply`).
        Returns once they are settled."""

    def stand_here(self, names: tuple[str, ...]) -> None:
        """Another node is stopping, and the accounts ``names`` stand in
        their rooms there with no connection: the core stands them here
        too (:meth:`~chatroom.core.rooms.standing.StandingMembers.stand`),
        so they stay in their rooms when that node lets go of them."""

    def heirs(self, held: list[HeldElsewhere]) -> list[DecidedChange]:
        """Names whose own session a release ended while devices on other
        nodes hold them too (``held``, as the release read them): the core
        chooses each one's heir and answers the changes handing the names
        over, resting on those devices as read, for the release to apply
        in its step (it reads and decides again while they change under
        it)."""
        ...


class Backend(Protocol):
    """The state of names and rooms, changed in atomic steps.

    A store per concern (:attr:`rooms`, :attr:`messages`, :attr:`accounts`,
    :attr:`moderation`, :attr:`server`), each read by the services of its
    concern; one :attr:`bus` for what is told and not kept; one
    :meth:`apply` for every decided write; and the back-end's life. Every
    step that names a member gets its :class:`Session` too (as the core
    read it). Refusals are :mod:`chatroom.core.model.errors`.
    """

    @property
    def rooms(self) -> RoomStore:
        """Rooms and seating: which rooms there are, who sits where."""
        ...

    @property
    def messages(self) -> MessageStore:
        """What was said: history, reactions, search, pins, private
        conversations."""
        ...

    @property
    def accounts(self) -> AccountStores:
        """Accounts and identity: records, markers, settings, remembered
        rooms, push subscriptions, files, a user's own data."""
        ...

    @property
    def moderation(self) -> ModerationStore:
        """Moderation and safety: logs, reports, the server's bans."""
        ...

    @property
    def server(self) -> ServerStore:
        """The server and its nodes: names held, devices, presence, the
        nicks gone, the census, watched names."""
        ...

    @property
    def bridge(self) -> BridgeStore:
        """The Matrix bridge's ledger: what it relayed, its portals."""
        ...

    @property
    def bus(self) -> Bus:
        """What is told on every node without being kept."""
        ...

    @property
    def available(self) -> bool:
        """False while shared state is out of reach."""
        ...

    def when_available(self) -> Deferred[None]:
        """Fires once shared state is first in reach: at once in one
        process; a cluster node once it is in the cluster (what reads the
        store as the node starts waits for it, rather than being refused
        ``UNAVAILABLE`` and trying again later)."""
        ...

    async def caught_up(self) -> None:
        """Returns once this process has handed its members every event
        the store published before the call (at once in one process; a
        cluster node waits for its subscription to catch up with Redis)."""
        ...

    @property
    def store_epoch(self) -> str:
        """The lifetime of the store the events' ids count in: each room's
        ids never repeat under one epoch (:func:`fresh_epoch`, kept with
        the ids: in the ``--db`` file, in Redis; a store in memory makes
        one at each start, as its ids start again)."""
        ...

    def start(self, reports: Reports) -> None:
        """The back-end starts (a cluster node joins the cluster), and from
        now on tells ``reports`` what happens of its own accord."""

    def stop(self) -> None: ...

    def detach(self) -> Deferred[None]: ...

    # -- names -------------------------------------------------------------------

    async def apply(
        self,
        change: DecidedChange,
        member: Member | None = None,
        session: Session | None = None,
    ) -> Applied:
        """Apply a decided change atomically if every one of its premises
        holds, else :class:`~chatroom.core.model.changes.base.PremiseFailedError`
        (nothing applied). The one write of every kind, a join, a leave
        and a message included: which store applies it is chosen by its
        subject. ``member`` and
        ``session``: who it is by, if anyone (a member's change of a room's
        messages must be by one of its members: ``NOT_IN_ROOM``).

        - :class:`~chatroom.core.model.changes.messages.RoomMessages`: a topic
          (:class:`~chatroom.core.model.changes.messages.SetTopic`, then its event
          appended as :meth:`say` appends a message), an edit or a
          redaction (:class:`~chatroom.core.model.changes.messages.Rewrite`, resting on
          :class:`~chatroom.core.model.changes.messages.MessageIs`), a reaction
          (:class:`~chatroom.core.model.changes.messages.React`, resting on
          :class:`~chatroom.core.model.changes.messages.Reacted` and
          :class:`~chatroom.core.model.changes.messages.FewerReactionsThan`), a
          tags-only message, a webhook's post (an
          :class:`~chatroom.core.model.changes.messages.Append` from outside;
          ``NO_SUCH_ROOM`` if the room is gone), a deleted account's words
          (:class:`~chatroom.core.model.changes.messages.ReplaceEvent`, resting on
          :class:`~chatroom.core.model.changes.messages.EventIs`: by nobody);
        - :class:`~chatroom.core.model.changes.moderation.RoomModeration`: a moderation
          command's (:func:`chatroom.core.policy.moderation.change_of`, with the
          entries it records in the room's moderation log,
          :class:`~chatroom.core.model.changes.modlog.RecordEntries`, applied with it)
          or a server admin's gift
          (:func:`chatroom.core.policy.moderation.gift_change`);
        - :class:`~chatroom.core.model.changes.rooms.RoomSeating`: a deletion
          (:class:`~chatroom.core.model.changes.rooms.Emit` it,
          :class:`~chatroom.core.model.changes.rooms.Drop` the room: its members go to
          the lobby);
        - :class:`~chatroom.core.model.changes.rooms.RoomName`: a rename
          (:class:`~chatroom.core.model.changes.rooms.RenameRoom`, resting on
          :class:`~chatroom.core.model.changes.rooms.NameFree`);
        - a room's webhooks and pins
          (:class:`~chatroom.core.model.changes.messages.RoomHooks`,
          :class:`~chatroom.core.model.changes.messages.RoomPins`), an account's
          settings (:class:`~chatroom.core.model.changes.settings.AccountSettings`), an
          invitation (:class:`~chatroom.core.model.changes.accounts.InvitationCode`) and
          the server's reports
          (:class:`~chatroom.core.model.changes.moderation.ServerReports`: a
          :class:`~chatroom.core.model.changes.moderation.FileReport` or a
          :class:`~chatroom.core.model.changes.moderation.CloseReport`, resting on the
          last number as read, the message not reported by that reporter, the report
          still open), as their stores apply them;
        - an account's markers, record, push subscriptions (one, or every
          one: :class:`~chatroom.core.model.changes.push.DropSubscriptions`) and
          remembered rooms
          (:class:`~chatroom.core.model.changes.settings.AccountMarkers`,
          :class:`~chatroom.core.model.changes.accounts.AccountRecord`,
          :class:`~chatroom.core.model.changes.push.AccountPush`,
          :class:`~chatroom.core.model.changes.settings.AccountRooms`), as their stores
          apply them; a subscription added or forgotten rests on
          :class:`~chatroom.core.model.changes.accounts.Registered` too; an account
          given up (:func:`chatroom.core.accounts.accounts.unregistering`) signs the
          asking
          session out (:class:`~chatroom.core.model.changes.moderation.SignOut`) and
          ends the account's other sessions on every node
          (:class:`~chatroom.core.model.changes.moderation.EndSessions`) in the
          record's own step;
        - :class:`~chatroom.core.model.changes.accounts.AccountHoldings`: a deleted
          account's erasure
          (:class:`~chatroom.core.model.changes.accounts.EraseAccount`, after its room
          messages' changes), resting on no premise;
        - :class:`~chatroom.core.model.changes.server.NameHolders`: a nick gone, for
          ``WHOWAS`` (:class:`~chatroom.core.model.changes.server.RememberGone`),
          resting on no premise;
        - :class:`~chatroom.core.model.changes.messages.StoredHistories`: a sweep by age
          (:class:`~chatroom.core.model.changes.messages.AgeOut`, resting on
          :class:`~chatroom.core.model.changes.messages.SweepLease`:
          :mod:`chatroom.core.messages.retention`), every room's events said before
          its time gone, whether or not anyone speaks there; a back-end
          may apply it room by room;
        - :class:`~chatroom.core.model.changes.private.PrivateConversation`: a message
          kept in it (:class:`~chatroom.core.model.changes.private.AppendPrivate`: its
          ``id`` set) or deleted from it
          (:class:`~chatroom.core.model.changes.private.DeletePrivate`, resting on
          :class:`~chatroom.core.model.changes.private.PrivateKept`):
          :func:`chatroom.core.messages.private.appended`,
          :func:`chatroom.core.messages.private.deleted`;
        - :class:`~chatroom.core.model.changes.private.AccountWaiting`: a private
        message
          kept for an account nobody is signed in to
          (:class:`~chatroom.core.model.changes.private.KeepPrivate`, resting on
          :class:`~chatroom.core.model.changes.accounts.Registered`,
          :class:`~chatroom.core.model.changes.moderation.SessionIs` with no session and
          :class:`~chatroom.core.model.changes.private.FewerWaitingThan`:
          :func:`chatroom.core.messages.private.kept_for`);
        - :class:`~chatroom.core.model.changes.files.AccountFiles`: an upload recorded
          (:class:`~chatroom.core.model.changes.files.AddFile`, resting on
          :class:`~chatroom.core.model.changes.files.UsageAtMost`: the quota) or
          removed (:class:`~chatroom.core.model.changes.files.RemoveFile`, resting on
          :class:`~chatroom.core.model.changes.files.FileKept`);
        - :class:`~chatroom.core.model.changes.files.AccountUploadTokens`: a ``/token``
          given (:class:`~chatroom.core.model.changes.files.IssueToken`, its deadline
          the core's, resting on
          :class:`~chatroom.core.model.changes.accounts.Registered`) or the account's
          revoked (:class:`~chatroom.core.model.changes.files.RevokeTokens`, resting on
          no premise);
        - :class:`~chatroom.core.model.changes.accounts.AccountSignIns`: a
          device session's token kept (:class:`~chatroom.core.model.changes.
          accounts.KeepSignInToken`: made, resting on
          :class:`~chatroom.core.model.changes.accounts.Registered` and the
          token new; or used, resting on :class:`~chatroom.core.model.
          changes.accounts.SignInTokenIs`, the token as read), one dropped
          (:class:`~chatroom.core.model.changes.accounts.DropSignInToken`)
          or the account's every one (:class:`~chatroom.core.model.changes.
          accounts.DropSignInTokens`): :mod:`chatroom.core.accounts.sign_in_tokens`;
        - :class:`~chatroom.core.model.changes.server.CountedEvents`: a registration
          counted (:class:`~chatroom.core.model.changes.server.CountEvent`, resting on
          :class:`~chatroom.core.model.changes.server.FewerThan`) or given back;
        - :class:`~chatroom.core.model.changes.server.CountedFailures`: a wrong password
          or code counted (:class:`~chatroom.core.model.changes.server.CountFailure`,
          resting on :class:`~chatroom.core.model.changes.server.FailuresAtMost`),
          given back or cleared;
        - :class:`~chatroom.core.model.changes.server.NameHolding`: a name's
          claim as the core decided it (:mod:`chatroom.core.services.claims`: taken,
          :class:`~chatroom.core.model.changes.server.TakeName`, or attached
          to as a device, :class:`~chatroom.core.model.changes.server.
          AttachDevice`), resting on the claim's facts as read; a refusal
          brings the :class:`~chatroom.core.model.facts.ClaimFacts` as they are;
        - an account's ignore list and when it was registered
          (:class:`~chatroom.core.model.changes.settings.AccountIgnores`,
          :class:`~chatroom.core.model.changes.accounts.AccountAge`), the server's
          lockdown level
          (:class:`~chatroom.core.model.changes.moderation.ServerLockdown`, heard by
          every node's :meth:`follow_lockdown` listeners): resting on no premise;
        - :class:`~chatroom.core.model.changes.moderation.ServerBanList`: a ban made
          (:class:`~chatroom.core.model.changes.moderation.AddBan`) or lifted
          (:class:`~chatroom.core.model.changes.moderation.LiftBan`), a network's heard
          by every node's :meth:`follow_network_bans` listeners, and the
          sessions the core decided the bans cover ended, told why, on
          every node (:class:`~chatroom.core.model.changes.moderation.EndSessions`),
          resting on :class:`~chatroom.core.model.changes.moderation.Banned`;
        - :class:`~chatroom.core.model.changes.modlog.ModerationLogOf`: entries added to
          a room's or the server's moderation log
          (:class:`~chatroom.core.model.changes.modlog.RecordEntries`:
          :func:`chatroom.core.moderation.modlog.recorded`), resting on no premise
          (none to a room gone); an action's own entries ride in its
          change instead (a pin's, a redaction's, a rename's, a report's,
          a server ban's, a lockdown's: a ``RecordEntries`` naming its log,
          :func:`chatroom.core.moderation.modlog.recording`), applied with it or not
          at all;
        - :class:`~chatroom.core.model.changes.files.KeptExport`: an export kept
          (:class:`~chatroom.core.model.changes.files.KeepExport`) or taken
          (:class:`~chatroom.core.model.changes.files.DropExport`, resting on
          :class:`~chatroom.core.model.changes.files.ExportKept`: handed out once).
        """
        ...
