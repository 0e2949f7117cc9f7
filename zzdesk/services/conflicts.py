"""保存冲突: a save based on a form loaded before someone else's change is refused, and says whose change it was.

A form is loaded with the record's ``version_id`` and hands it back as ``expected_version``. Inside the write
transaction the row's version is compared with it: a different version means another person saved in between,
and the save is refused with a ``ConflictError`` carrying their change (who, when, which fields old → new, read
from the record's latest audit row) and the record's current values. ``force=True`` (「保留我的修改」) overwrites on
purpose; the audit row then carries ``overwrite: [overwritten version, version the form was loaded with]``.

On SQLite the write transaction is ``BEGIN IMMEDIATE``, so nobody can write between the check and the save. On
PostgreSQL a concurrent save can still slip in after the check: the version column's ``WHERE version_id = ?``
then matches no row, SQLAlchemy raises ``StaleDataError`` and the session turns it into a bare ``ConflictError``;
``explained`` looks up the other person's change afterwards, so the user sees the same dialog either way.
"""

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from zzdesk.domain.audit_actions import field_label, value_text
from zzdesk.domain.errors import ConflictError
from zzdesk.services.audit import Changes
from zzdesk.services.context import ServiceContext
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry

Current = Mapping[str, Any]


def check_version(session: Session, row: Any, expected: int | None, force: bool,
                  explain: Callable[[Session], ConflictError]) -> Changes:
    """Refuse a save over a newer version of ``row``; returns the audit field of a forced overwrite ({} if none).

    ``expected`` None means the caller does not track versions (a script, the CLI): the save goes ahead.
    ``explain`` builds the refusal from the record as it stands (usually with ``conflict_error``)."""
    if expected is None or row.version_id == expected:
        return {}
    if force:
        return {"overwrite": (row.version_id, expected)}
    raise explain(session)


def conflict_error(session: Session, entity: str, key: str, record: str, version: int | None,
                   current: Current) -> ConflictError:
    """The refusal, with the latest audited change of the record (who, when, what) and its current values."""
    latest = session.exec(select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_key == key,
                                             AuditEntry.outcome == "ok")
                          .order_by(AuditEntry.id.desc()).limit(1)).first()
    shown = tuple((field_label(name), value_text(name, value)) for name, value in current.items())
    if latest is None:
        return ConflictError(f"保存冲突：{record}在您打开后已被修改，本次修改未保存。请重新载入后再修改，"
                             "或选择保留您的修改", record=record, current=shown, current_version=version)
    at = latest.at.replace(tzinfo=UTC) if latest.at.tzinfo is None else latest.at
    changes = _audited_changes(latest.changes)
    fields = "、".join(label for label, _, _ in changes) or "内容"
    spaced = f"{record} " if record[-1:].isascii() else record  # 「任务 1.2 的」, 「单位“市财政局”的」
    message = (f"保存冲突：{latest.actor}于{_local(at)}修改了{spaced}的{fields}，而您的表单是在此之前载入的，"
               "本次修改未保存。请重新载入后再修改，或选择保留您的修改（将覆盖对方的修改）")
    return ConflictError(message, record=record, changed_by=latest.actor, changed_at=at, changes=changes,
                         current=shown, current_version=version)


def _audited_changes(payload: str) -> tuple[tuple[str, str, str], ...]:
    try:
        changes = json.loads(payload or "{}")
    except ValueError:
        return ()
    return tuple((field_label(name), value_text(name, old), value_text(name, new))
                 for name, (old, new) in changes.items() if name != "overwrite")


def _local(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


@contextmanager
def explained(ctx: ServiceContext, explain: Callable[[Session], ConflictError]) -> Iterator[None]:
    """Gives a bare ConflictError (a race caught by the version column at write time) the other person's change,
    read again in a fresh transaction by ``explain``."""
    try:
        yield
    except ConflictError as error:
        if error.changed_by is not None or error.changes:
            raise
        with read_session(ctx.engine) as session:
            raise explain(session) from error
