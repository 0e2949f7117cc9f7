"""Audit rows: who changed what, when, old → new. Written in the same transaction as the change.

Each row is linked into the hash chain (``domain/audit_chain.py``) under a lock on the chain's head row, so two
writers never both append after the same row. The row's id is given explicitly (the head's last id plus one):
its hash covers the id, and the row cannot be updated afterwards to add it (triggers refuse any UPDATE).
"""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from zzdesk.domain.audit_chain import GENESIS, ChainedRow, row_hash
from zzdesk.services.context import ServiceContext
from zzdesk.store.tables import AuditEntry, AuditHead

Changes = dict[str, tuple[Any, Any]]


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Entry:
    """One audit row to append: what happened to which entity, and the fields that changed (old → new)."""

    action: str
    entity: str
    key: str
    changes: Changes | None = None
    outcome: str = "ok"


def record(session: Session, ctx: ServiceContext, action: str, entity: str, key: str,
           changes: Changes | None = None, outcome: str = "ok") -> None:
    record_many(session, ctx, [Entry(action, entity, key, changes, outcome)])


def record_many(session: Session, ctx: ServiceContext, entries: Sequence[Entry]) -> None:
    """Append rows to the chain in order, under one lock on the head and in one statement (an import of
    thousands of updates would otherwise spend most of its time flushing one audit row at a time)."""
    if not entries:
        return
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
    at = ctx.now()
    last_id, last_hash = head.last_id, head.last_hash
    rows: list[dict[str, Any]] = []
    for entry in entries:
        payload = {name: [_plain(old), _plain(new)] for name, (old, new) in (entry.changes or {}).items()}
        row = ChainedRow(id=last_id + 1, at=at, actor=ctx.actor, action=entry.action, entity=entry.entity,
                         entity_key=entry.key, changes=json.dumps(payload, ensure_ascii=False, sort_keys=True),
                         outcome=entry.outcome, prev_hash=last_hash)
        last_id, last_hash = row.id, row_hash(row)
        rows.append({**asdict(row), "row_hash": last_hash})
    session.execute(insert(AuditEntry), rows)
    head.last_id, head.last_hash = last_id, last_hash
    session.add(head)
    session.flush()


def diff(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """Only the fields whose value changed."""
    return {name: (before.get(name), value) for name, value in after.items() if before.get(name) != value}
