"""Audit rows: who changed what, when, old → new. Written in the same transaction as the change."""

import json
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from zzdesk.services.context import ServiceContext
from zzdesk.store.tables import AuditEntry

Changes = dict[str, tuple[Any, Any]]


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def record(session: Session, ctx: ServiceContext, action: str, entity: str, key: str,
           changes: Changes | None = None) -> None:
    payload = {name: [_plain(old), _plain(new)] for name, (old, new) in (changes or {}).items()}
    session.add(AuditEntry(at=ctx.now(), actor=ctx.actor, action=action, entity=entity, entity_key=key,
                           changes=json.dumps(payload, ensure_ascii=False, sort_keys=True)))


def diff(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """Only the fields whose value changed."""
    return {name: (before.get(name), value) for name, value in after.items() if before.get(name) != value}
