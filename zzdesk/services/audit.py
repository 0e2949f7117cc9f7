"""Audit rows: who changed what, when, old → new. Written in the same transaction as the change.

Each row is linked into the hash chain (``domain/audit_chain.py``) under a lock on the chain's head row, so two
writers never both append after the same row. The row's id is given explicitly (the head's last id plus one):
its hash covers the id, and the row cannot be updated afterwards to add it (triggers refuse any UPDATE).
"""

import json
from datetime import date, datetime
from typing import Any

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


def record(session: Session, ctx: ServiceContext, action: str, entity: str, key: str,
           changes: Changes | None = None, outcome: str = "ok") -> None:
    payload = {name: [_plain(old), _plain(new)] for name, (old, new) in (changes or {}).items()}
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
    row = ChainedRow(id=head.last_id + 1, at=ctx.now(), actor=ctx.actor, action=action, entity=entity,
                     entity_key=key, changes=json.dumps(payload, ensure_ascii=False, sort_keys=True),
                     outcome=outcome, prev_hash=head.last_hash)
    digest = row_hash(row)
    session.add(AuditEntry(id=row.id, at=row.at, actor=row.actor, action=row.action, entity=row.entity,
                           entity_key=row.entity_key, changes=row.changes, outcome=row.outcome,
                           prev_hash=row.prev_hash, row_hash=digest))
    head.last_id, head.last_hash = row.id, digest
    session.add(head)
    session.flush()


def diff(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """Only the fields whose value changed."""
    return {name: (before.get(name), value) for name, value in after.items() if before.get(name) != value}
