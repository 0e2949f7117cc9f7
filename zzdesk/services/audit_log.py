"""Reading the audit trail: filtered pages of entries, the chain check, and a CSV export for auditors.

The trail only grows (hundreds of thousands of rows after years of use), so nothing here loads it whole: lists are
pages in id order (newest first), and the chain check and the export read rows in batches.

Which entries belong to a department (the 单位 filter), by rule:
  * entries about the department itself (its current name, or a name it had before a 更名);
  * entries about the measures and work items it currently leads (牵头), with their progress reports, extension
    requests and anything else keyed by the item's code;
  * entries about the reports issued to it (部门督办单, 催办通知);
  * entries about its accounts, and everything its accounts (its 联络员) did.
"""

import csv
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from zzdesk.domain import audit_actions
from zzdesk.domain.audit_chain import GENESIS, ChainBreak, ChainedRow, first_break
from zzdesk.domain.codes import parse_code
from zzdesk.domain.errors import PermissionDeniedError, StorageError, ValidationError
from zzdesk.domain.permissions import Action, allowed
from zzdesk.services import audit
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.departments import find_existing
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import AuditEntry, AuditHead, ReportRecord, Task, UserAccount

BATCH = 5000  # rows per read while checking or exporting: bounded memory however long the trail
MAX_PAGE = 10000
CSV_HEADER = ("序号", "时间", "操作人", "操作", "操作代码", "对象类型", "对象", "变更内容", "结果")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_REPORT_KEY = re.compile(r"^(?P<code>[\d.]+)@(?P<period>\d{4}-\d{2})#(?P<id>\d+)$")  # a progress report's key


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    @property
    def label(self) -> str:
        return audit_actions.field_label(self.field)

    @property
    def text(self) -> str:
        """「字段：旧 → 新」"""
        return audit_actions.change_text(self.field, self.old, self.new)


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime  # aware, UTC
    actor: str
    action: str
    entity: str
    key: str
    changes: tuple[FieldChange, ...]
    outcome: str

    @property
    def action_label(self) -> str:
        return audit_actions.action_label(self.action)

    @property
    def entity_label(self) -> str:
        return audit_actions.entity_label(self.entity)

    @property
    def subject(self) -> str:
        """「任务 1.2.1」, 「单位 市财政局」, 「进展报送 1.2（2025-10，#7）」: what the entry is about."""
        key = "" if self.key == "*" else self.key
        report = _REPORT_KEY.match(key)
        if report:
            key = f"{report['code']}（{report['period']}，#{report['id']}）"
        return f"{self.entity_label} {key}".strip()

    @property
    def outcome_label(self) -> str:
        return audit_actions.outcome_label(self.outcome)

    @property
    def changes_text(self) -> str:
        """「字段：旧 → 新」 for each field that changed; a field recorded with the same old and new value (such as
        an empty note) says nothing and is left out."""
        return "；".join(change.text for change in self.changes if change.old != change.new)

    def local_time(self, zone: tzinfo | None = None) -> str:
        return self.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class AuditFilter:
    """Every field narrows the list; None (or empty) leaves it open. Dates are whole days in local time."""

    user: str | None = None  # the person who acted (exact name)
    department: str | None = None  # full or short name; see the module's docstring for the rule
    item: str | None = None  # a code: 1.2 also takes in its work items 1.2.K
    since: date | None = None
    until: date | None = None  # inclusive
    action: str | None = None  # raw name (task.assign) or its Chinese label (分工)
    zone: tzinfo | None = None  # the time zone the dates are meant in; None is the computer's


@dataclass(frozen=True)
class VerifyResult:
    count: int
    broken: ChainBreak | None = None
    last_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def message(self) -> str:
        if self.broken is None:
            return f"审计记录完整：共 {self.count} 条，校验通过"
        return f"审计记录校验未通过：{self.broken.reason}"


def require_auditor(ctx: ServiceContext) -> None:
    """The trail shows every person's actions: only administrators and the office (督查室) may read it."""
    if not allowed(ctx.user, Action.VIEW_AUDIT):
        raise PermissionDeniedError(f"{ctx.user.role_label}无权查看审计日志，请联系系统管理员或督查室")


# --- listing --------------------------------------------------------------------------------------
def audit_entries(ctx: ServiceContext, flt: AuditFilter | None = None, limit: int = 100,
                  offset: int = 0) -> list[AuditView]:
    """One page of entries, newest first."""
    require_auditor(ctx)
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"每页条数应在 1 到 {MAX_PAGE} 之间")
    if offset < 0:
        raise ValidationError("起始位置不能为负数")
    with read_session(ctx.engine) as session:
        conditions = _conditions(session, flt or AuditFilter())
        rows = session.exec(select(*_VIEW_COLUMNS).where(*conditions).order_by(col(AuditEntry.id).desc())
                            .offset(offset).limit(limit)).all()
        return [_view(*row) for row in rows]


def count_entries(ctx: ServiceContext, flt: AuditFilter | None = None) -> int:
    require_auditor(ctx)
    with read_session(ctx.engine) as session:
        conditions = _conditions(session, flt or AuditFilter())
        return int(session.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one())


def audit_actors(ctx: ServiceContext) -> list[str]:
    """Everyone who appears in the trail, for the 操作人 filter."""
    require_auditor(ctx)
    with read_session(ctx.engine) as session:
        return sorted(session.exec(select(AuditEntry.actor).distinct()).all())


_VIEW_COLUMNS = (AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.entity,
                 AuditEntry.entity_key, AuditEntry.changes, AuditEntry.outcome)  # plain tuples: no ORM objects


def _view(row_id: int, at: datetime, actor: str, action: str, entity: str, key: str, changes: str,
          outcome: str) -> AuditView:
    return AuditView(id=row_id, at=_utc(at), actor=actor, action=action, entity=entity, key=key,
                     changes=decode_changes(changes), outcome=outcome)


def decode_changes(text: str) -> tuple[FieldChange, ...]:
    """The stored ``{"field": [old, new]}`` as changes; a value not in that shape is shown as the new value."""
    try:
        payload = json.loads(text or "{}")
    except ValueError:
        return (FieldChange("changes", None, text),)
    if not isinstance(payload, dict):
        return (FieldChange("changes", None, payload),)
    changes = []
    for name, pair in payload.items():
        if isinstance(pair, list) and len(pair) == 2:
            changes.append(FieldChange(name, pair[0], pair[1]))
        else:
            changes.append(FieldChange(name, None, pair))
    return tuple(sorted(changes, key=lambda change: audit_actions.field_order(change.field)))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _midnight(day: date, zone: tzinfo | None) -> datetime:
    """The instant ``day`` begins in the given time zone (the computer's when None)."""
    local = datetime.combine(day, time.min)
    return (local.replace(tzinfo=zone) if zone is not None else local.astimezone()).astimezone(UTC)


def _conditions(session: Session, flt: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.user and flt.user.strip():
        conditions.append(col(AuditEntry.actor) == flt.user.strip())
    if flt.action and flt.action.strip():
        conditions.append(col(AuditEntry.action) == audit_actions.action_for(flt.action))
    if flt.since is not None and flt.until is not None and flt.until < flt.since:
        raise ValidationError(f"结束日期 {flt.until.isoformat()} 早于开始日期 {flt.since.isoformat()}")
    if flt.since is not None:
        conditions.append(col(AuditEntry.at) >= _midnight(flt.since, flt.zone))
    if flt.until is not None:
        conditions.append(col(AuditEntry.at) < _midnight(flt.until + timedelta(days=1), flt.zone))
    if flt.item and flt.item.strip():
        conditions.append(_about_item(str(parse_code(flt.item))))
    if flt.department and flt.department.strip():
        conditions.append(_about_department(session, flt.department))
    return conditions


def _about_code(code: str) -> ColumnElement[bool]:
    """Entries keyed by exactly this code, or by it followed by ``@`` (a progress report: ``1.2@2025-10#7``) or
    ``#`` (an extension request: ``1.2#3``)."""
    key = col(AuditEntry.entity_key)
    return or_(key == code, key.like(f"{code}@%"), key.like(f"{code}#%"))


def _about_item(code: str) -> ColumnElement[bool]:
    """The item, and everything below it (``1.2`` takes in ``1.2.1``, ``1.2.1@2025-10#7``…)."""
    return or_(_about_code(code), col(AuditEntry.entity_key).like(f"{code}.%"))


def _about_department(session: Session, name: str) -> ColumnElement[bool]:
    department = find_existing(session, name)
    names = _names_over_time(session, department.name)
    codes = session.exec(select(Task.code).where(Task.lead_department_id == department.id)).all()
    reports = [str(i) for i in session.exec(select(ReportRecord.id).where(
        ReportRecord.department_id == department.id)).all()]
    accounts = session.exec(select(UserAccount.name).where(UserAccount.department_id == department.id)).all()
    entity, key = col(AuditEntry.entity), col(AuditEntry.entity_key)
    parts: list[ColumnElement[bool]] = [and_(entity == "department", key.in_(names))]
    parts.extend(_about_code(code) for code in codes)
    if reports:
        parts.append(and_(entity == "report_record", key.in_(reports)))
    if accounts:
        parts.append(and_(entity == "user_account", key.in_(accounts)))
        parts.append(col(AuditEntry.actor).in_(accounts))
    return or_(*parts)


def _names_over_time(session: Session, current: str) -> list[str]:
    """The department's name and the names it had before, read back through its 更名 entries."""
    renames: dict[str, str] = {}  # new name → old name
    for text in session.exec(select(AuditEntry.changes).where(AuditEntry.action == "department.rename")).all():
        pair = json.loads(text or "{}").get("name")
        if isinstance(pair, list) and len(pair) == 2 and pair[0] and pair[1]:
            renames.setdefault(str(pair[1]), str(pair[0]))
    names = [current]
    while names[-1] in renames and renames[names[-1]] not in names:
        names.append(renames[names[-1]])
    return names


# --- the chain check ------------------------------------------------------------------------------
def verify_chain(ctx: ServiceContext) -> VerifyResult:
    """Check every row's hash and link in id order, then the chain's end against the head row.

    The head row records the last id and hash written by the program: rows deleted from the end leave the chain
    itself intact, but no longer reach the head.
    """
    require_auditor(ctx)
    with read_session(ctx.engine) as session:
        head = session.get(AuditHead, 1)
        head_id, head_hash = (head.last_id, head.last_hash) if head is not None else (0, GENESIS)
        walk = _Walk(head_id)
        broken = first_break(walk.rows(session))  # type: ignore[arg-type]  # a stream, read in batches
    if broken is not None:
        return VerifyResult(walk.count, broken)
    if walk.last_id < head_id:
        first_missing = walk.last_id + 1
        span = f"第 {first_missing} 条" if first_missing == head_id else f"第 {first_missing} 条至第 {head_id} 条"
        return VerifyResult(walk.count, ChainBreak(first_missing, f"{span}审计记录不见了：链尾登记的最后一条是第 "
                                                                  f"{head_id} 条，表中只到第 {walk.last_id} 条，"
                                                                  "最新的记录被删除了"))
    if head_id and walk.hash_at_head != head_hash:
        return VerifyResult(walk.count, ChainBreak(head_id, f"第 {head_id} 条审计记录与链尾登记的校验值不符："
                                                            "最新的记录被修改或替换过"))
    if walk.last_id > head_id and _head_id(ctx) < walk.last_id:
        return VerifyResult(walk.count, ChainBreak(head_id + 1, f"第 {head_id + 1} 条起的审计记录没有登记在链尾："
                                                                "它们不是由本程序写入的"))
    return VerifyResult(walk.count, None, walk.last_hash)


def _head_id(ctx: ServiceContext) -> int:
    """Read again: rows past the head read at the start may simply have been written meanwhile."""
    with read_session(ctx.engine) as session:
        head = session.get(AuditHead, 1)
        return head.last_id if head is not None else 0


class _Walk:
    """Streams ``(row, stored hash)`` in id order, remembering what the end checks need."""

    def __init__(self, head_id: int) -> None:
        self.head_id = head_id
        self.count = self.last_id = 0
        self.last_hash = self.hash_at_head = GENESIS

    def rows(self, session: Session) -> Iterator[tuple[ChainedRow, str]]:
        after = None
        while True:
            query = select(AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.entity,
                           AuditEntry.entity_key, AuditEntry.changes, AuditEntry.outcome, AuditEntry.prev_hash,
                           AuditEntry.row_hash)
            if after is not None:
                query = query.where(col(AuditEntry.id) > after)
            batch = session.exec(query.order_by(col(AuditEntry.id)).limit(BATCH)).all()
            for (row_id, at, actor, action, entity, key, changes, outcome, prev_hash, stored) in batch:
                self.count += 1
                self.last_id, self.last_hash = row_id, stored
                if row_id == self.head_id:
                    self.hash_at_head = stored
                yield ChainedRow(id=row_id, at=at, actor=actor, action=action, entity=entity, entity_key=key,
                                 changes=changes, outcome=outcome, prev_hash=prev_hash), stored
            if len(batch) < BATCH:
                return
            after = batch[-1][0]


# --- export ---------------------------------------------------------------------------------------
def export_audit(ctx: ServiceContext, flt: AuditFilter | None, path: Path) -> int:
    """Write the filtered entries (newest first) to a CSV file Excel and WPS open directly (UTF-8 with BOM).

    The file is written beside its destination and renamed into place: it is complete or not there. The export is
    itself recorded in the trail. Returns the number of entries written.
    """
    authorize(ctx, Action.VIEW_AUDIT, Path(path).name)
    target = _check_csv_path(Path(path))
    flt = flt or AuditFilter()
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
        temporary = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(CSV_HEADER)
            count = 0
            for view in _stream(ctx, flt):
                writer.writerow([_cell(v) for v in _csv_row(view, flt.zone)])
                count += 1
            stream.flush()
            os.fsync(stream.fileno())
        with write_session(ctx.engine) as session:
            audit.record(session, ctx, "audit.export", "audit_entry", target.name,
                         {"file": (None, str(target)), "rows": (None, count)})
            os.replace(temporary, target)
        temporary = None
        return count
    except OSError as error:
        raise StorageError(f"无法写入 {target}：{error.strerror or error}。请换一个位置保存。") from error
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _check_csv_path(path: Path) -> Path:
    target = path.expanduser()
    if target.suffix.lower() != ".csv":
        raise ValidationError(f"导出文件“{target.name}”应以 .csv 结尾")
    if target.is_dir():
        raise ValidationError(f"“{target}”是一个文件夹，请给出 CSV 文件名")
    if not target.parent.is_dir():
        raise ValidationError(f"保存位置“{target.parent}”不存在，请先建立该文件夹或换一个位置")
    return target


def _stream(ctx: ServiceContext, flt: AuditFilter) -> Iterator[AuditView]:
    """Filtered entries newest first, read in batches below the last id seen (no growing OFFSET)."""
    before = None
    while True:
        with read_session(ctx.engine) as session:
            query = select(*_VIEW_COLUMNS).where(*_conditions(session, flt))
            if before is not None:
                query = query.where(col(AuditEntry.id) < before)
            batch = [_view(*row) for row in session.exec(query.order_by(col(AuditEntry.id).desc()).limit(BATCH))]
        yield from batch
        if len(batch) < BATCH:
            return
        before = batch[-1].id


def _csv_row(view: AuditView, zone: tzinfo | None) -> list[str]:
    return [str(view.id), view.local_time(zone), view.actor, view.action_label, view.action, view.entity_label,
            view.key, view.changes_text, view.outcome_label]


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ would otherwise run as a formula."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value
