"""What an account keeps outside the chat's messages: its uploaded files
and its upload tokens (:mod:`chatroom.core.accounts.files`), and an export made
for it (:mod:`chatroom.core.exporting`).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.accounts import Registered
from chatroom.core.model.changes.base import (
    AccountSubject,
    Operation,
    Premise,
    Subject,
    declare,
)
from chatroom.core.model.filerecord import FileRecord

# -- subjects ------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFiles(AccountSubject):
    """The files account ``account`` (its name key) uploaded: one
    recorded, or one removed."""


@dataclass(frozen=True)
class AccountUploadTokens(AccountSubject):
    """The ``/token`` bearer tokens given to account ``account`` (its name
    key), each good until its deadline."""


@dataclass(frozen=True)
class KeptExport(Subject):
    """The export kept under ``token`` (``/export``'s one-time link) until
    its deadline."""

    token: str


# -- an account's uploaded files: premises and operations ----------------------


@dataclass(frozen=True)
class UsageAtMost(Premise):
    """The account's files take at most ``size`` bytes: one more upload
    fits under ``--upload-quota`` (the core's operand: the quota less the
    upload's size). A refusal brings the bytes they take now (an int)."""

    size: int


@dataclass(frozen=True)
class AddFile(Operation):
    """Record ``record`` (its bytes are stored already), counted in its
    account's usage."""

    record: FileRecord


@dataclass(frozen=True)
class FileKept(Premise):
    """File ``file_id`` is recorded, as read (its uploader, what a removal
    is allowed on): it is removed once. A refusal brings no facts."""

    file_id: str


@dataclass(frozen=True)
class RemoveFile(Operation):
    """File ``file_id``'s record goes (its bytes went first), and no longer
    counts in its account's usage (resting on :class:`FileKept`)."""

    file_id: str


# -- an account's upload tokens: operations ------------------------------------


@dataclass(frozen=True)
class IssueToken(Operation):
    """Token ``token`` (the core's random one) names the account until
    ``until`` (seconds on the core's clock). It rests on no premise."""

    token: str
    until: float


@dataclass(frozen=True)
class RevokeTokens(Operation):
    """Every token given to the account is no good from now on."""


# -- an export: premises and operations ----------------------------------------


@dataclass(frozen=True)
class ExportKept(Premise):
    """The export is still kept, as read: it is handed out once, so of
    two nodes taking it at once one gets it. A refusal brings no facts."""


@dataclass(frozen=True)
class KeepExport(Operation):
    """Keep ``archive`` until ``until`` (seconds on the core's clock)."""

    archive: bytes
    until: float


@dataclass(frozen=True)
class DropExport(Operation):
    """The export is gone (taken, or its time over)."""


# -- the declarations -----------------------------------------------------------

declare(
    AccountFiles,
    operations=(AddFile, RemoveFile),
    premises=(UsageAtMost, FileKept),
)
declare(
    AccountUploadTokens,
    operations=(IssueToken, RevokeTokens),
    premises=(Registered,),
)
declare(KeptExport, operations=(KeepExport, DropExport), premises=(ExportKept,))
