"""The audit trail's hash chain: each row's hash covers its own fields and the previous row's hash.

Editing a row changes its hash; deleting or reordering rows breaks the link to the next one. The form hashed is
fixed (``CHAIN_FORMAT``): rows written years apart must verify with the same function, so never change it; a new
form would get a new number and both would be accepted by the verifier.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

CHAIN_FORMAT = 1
GENESIS = ""  # the "previous hash" of the first row


@dataclass(frozen=True)
class ChainedRow:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_key: str
    changes: str
    outcome: str
    prev_hash: str


def _instant(at: datetime) -> str:
    moment = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def row_hash(row: ChainedRow) -> str:
    payload = json.dumps([CHAIN_FORMAT, row.id, _instant(row.at), row.actor, row.action, row.entity, row.entity_key,
                          row.changes, row.outcome, row.prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first row where the chain does not hold, and why (in Chinese, for the clerk or the auditor)."""

    id: int
    reason: str


def first_break(rows: list[tuple[ChainedRow, str]]) -> ChainBreak | None:
    """Check ``(row, stored row_hash)`` pairs in id order; None when the whole chain holds."""
    previous = GENESIS
    for row, stored in rows:
        if row.prev_hash != previous:
            return ChainBreak(row.id, f"第 {row.id} 条审计记录与上一条接不上：其前面的记录被删除、插入或调换了顺序")
        if row_hash(row) != stored:
            return ChainBreak(row.id, f"第 {row.id} 条审计记录的内容与其校验值不符：该记录被修改过")
        previous = stored
    return None
