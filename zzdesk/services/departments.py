"""Departments (单位): the editable list of municipal departments, development zones and districts."""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, func, select

from zzdesk.domain.errors import ConflictError, NotFoundError, ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.domain.vocabulary import DepartmentKind
from zzdesk.locations import seed_dir
from zzdesk.services import audit, conflicts
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.views import DepartmentView
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import Department, Task, TaskCoDepartment

MAX_NAME_CHARS = 100
MAX_SHORT_NAME_CHARS = 50  # the column's length: PostgreSQL refuses longer text, SQLite would keep it


def _view(row: Department) -> DepartmentView:
    return DepartmentView(id=row.id or 0, name=row.name, short_name=row.short_name,
                          kind=DepartmentKind(row.kind), active=row.active, contact=row.contact,
                          version_id=row.version_id)


def list_departments(ctx: ServiceContext, include_inactive: bool = True) -> list[DepartmentView]:
    with read_session(ctx.engine) as session:
        query = select(Department).order_by(Department.sort_order, Department.id)
        if not include_inactive:
            query = query.where(Department.active)
        return [_view(row) for row in session.exec(query)]


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationError("单位名称不能为空")
    if len(cleaned) > MAX_NAME_CHARS:
        raise ValidationError(f"单位名称过长（最多 {MAX_NAME_CHARS} 个字）")
    return cleaned


def add_department(ctx: ServiceContext, name: str, kind: DepartmentKind = DepartmentKind.MUNICIPAL,
                   short_name: str = "") -> DepartmentView:
    authorize(ctx, Action.MANAGE_DEPARTMENTS, name)
    _clean_name(name)
    with write_session(ctx.engine) as session:
        return _view(insert_department(session, ctx, name, kind, short_name))


def insert_department(session: Session, ctx: ServiceContext, name: str,
                      kind: DepartmentKind = DepartmentKind.MUNICIPAL, short_name: str = "") -> Department:
    """Add a department inside the caller's transaction (``add_department``; the 任务分解表 import creates the
    departments a clerk chose to create in the same transaction as the assignments)."""
    cleaned = _clean_name(name)
    if _find(session, cleaned) is not None:
        raise ValidationError(f"单位“{cleaned}”已存在")
    _refuse_taken_short_name(session, short_name, None)
    order = session.exec(select(func.coalesce(func.max(Department.sort_order), 0))).one() + 1
    row = Department(name=cleaned, short_name=(short_name or "").strip(), kind=kind.value, sort_order=order)
    session.add(row)
    session.flush()
    audit.record(session, ctx, "department.add", "department", cleaned,
                 {"name": (None, cleaned), "kind": (None, kind.value)})
    return row


def seed_default_departments(session: Session, ctx: ServiceContext) -> int:
    """Insert the bundled Zhengzhou list into an empty table; returns how many were added."""
    if session.exec(select(func.count()).select_from(Department)).one():
        return 0
    with (seed_dir() / "departments.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for order, row in enumerate(rows, start=1):
        session.add(Department(name=row["name"], short_name=row["short_name"],
                               kind=DepartmentKind(row["kind"]).value, sort_order=order))
    audit.record(session, ctx, "department.seed", "department", "*", {"count": (0, len(rows))})
    return len(rows)


def _find(session: Session, name: str) -> Department | None:
    cleaned = " ".join(name.split())
    row = session.exec(select(Department).where(Department.name == cleaned)).first()
    if row is None:
        row = session.exec(select(Department).where(Department.short_name == cleaned,
                                                    Department.short_name != "")).first()
    return row


def resolve_active(session: Session, name: str, role: str) -> Department:
    """The department a user named (full or short name); it must exist and be active."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationError(f"{role}不能为空")
    row = _find(session, cleaned)
    if row is None:
        raise NotFoundError(f"{role}“{cleaned}”不在单位名录中；请用 zzdesk departments 查看名录，"
                            "或用 zzdesk departments add 添加")
    if not row.active:
        raise ValidationError(f"{role}“{row.name}”已停用，不能再分配任务")
    return row


def resolve_many(session: Session, names: Iterable[str], role: str) -> list[Department]:
    rows: list[Department] = []
    for name in names:
        row = resolve_active(session, name, role)
        if any(existing.id == row.id for existing in rows):
            raise ValidationError(f"{role}“{row.name}”重复填写")
        rows.append(row)
    return rows


def set_active(ctx: ServiceContext, name: str, active: bool) -> DepartmentView:
    """停用 / 启用. Departments are never deleted: their history must stay readable."""
    authorize(ctx, Action.MANAGE_DEPARTMENTS, name)
    with write_session(ctx.engine) as session:
        row = find_existing(session, name)
        if row.active != active:
            audit.record(session, ctx, "department.activate" if active else "department.deactivate",
                         "department", row.name, {"active": (row.active, active)})
            row.active = active
            session.add(row)
        session.flush()  # the view carries the new version_id
        return _view(row)


def rename_department(ctx: ServiceContext, name: str, new_name: str, short_name: str | None = None,
                      expected_version: int | None = None, force: bool = False) -> DepartmentView:
    """``expected_version`` is the ``DepartmentView.version_id`` the form was loaded with (see ``conflicts``)."""
    authorize(ctx, Action.MANAGE_DEPARTMENTS, name)
    cleaned = _clean_name(new_name)
    with conflicts.explained(ctx, _conflict(name)), write_session(ctx.engine) as session:
        row = find_existing(session, name)
        overwrite = conflicts.check_version(session, row, expected_version, force, _conflict(name))
        clash = _find(session, cleaned)
        if clash is not None and clash.id != row.id:
            raise ValidationError(f"单位“{cleaned}”已存在")
        new_short = row.short_name if short_name is None else short_name.strip()
        _refuse_taken_short_name(session, new_short, row.id)
        changes = audit.diff({"name": row.name, "short_name": row.short_name},
                             {"name": cleaned, "short_name": new_short})
        row.name, row.short_name = cleaned, new_short
        session.add(row)
        if changes or overwrite:
            audit.record(session, ctx, "department.rename", "department", cleaned, {**changes, **overwrite})
            flag_modified(row, "name")
        session.flush()  # the view carries the new version_id
        return _view(row)


def _conflict(name: str) -> Callable[[Session], ConflictError]:
    def explain(session: Session) -> ConflictError:
        row = find_existing(session, name)
        current = {"name": row.name, "short_name": row.short_name, "kind": row.kind, "contact": row.contact}
        return conflicts.conflict_error(session, "department", row.name, f"单位“{row.name}”", row.version_id,
                                        current)
    return explain


def _refuse_taken_short_name(session: Session, short_name: str, own_id: int | None) -> None:
    """A short name must point at one department only, or ``--lead 财政局`` would be ambiguous."""
    cleaned = (short_name or "").strip()
    if not cleaned:
        return
    if len(cleaned) > MAX_SHORT_NAME_CHARS:
        raise ValidationError(f"简称过长（最多 {MAX_SHORT_NAME_CHARS} 个字）")
    for other in session.exec(select(Department).where(
            (Department.short_name == cleaned) | (Department.name == cleaned))):
        if other.id != own_id:
            raise ValidationError(f"简称“{cleaned}”已被“{other.name}”使用，请换一个简称")


def find_existing(session: Session, name: str) -> Department:
    """The department a user named (full or short name), active or not."""
    if not (name or "").strip():
        raise ValidationError("请写出单位名称")
    row = _find(session, name)
    if row is None:
        raise NotFoundError(f"单位“{name.strip()}”不在单位名录中，请检查名称（全称或简称均可）")
    return row


MAX_CONTACT_CHARS = 200


def set_contact(ctx: ServiceContext, name: str, contact: str, expected_version: int | None = None,
                force: bool = False) -> DepartmentView:
    """联络人: free text such as「王芳 0371-67180000」, so a clerk knows whom to chase."""
    authorize(ctx, Action.MANAGE_DEPARTMENTS, name)
    cleaned = " ".join((contact or "").split())
    if len(cleaned) > MAX_CONTACT_CHARS:
        raise ValidationError(f"联络人信息过长（{len(cleaned)} 字，最多 {MAX_CONTACT_CHARS} 字），请精简")
    with conflicts.explained(ctx, _conflict(name)), write_session(ctx.engine) as session:
        row = find_existing(session, name)
        overwrite = conflicts.check_version(session, row, expected_version, force, _conflict(name))
        if row.contact != cleaned or overwrite:
            audit.record(session, ctx, "department.contact", "department", row.name,
                         {"contact": (row.contact, cleaned), **overwrite})
            row.contact = cleaned
            flag_modified(row, "contact")
            session.add(row)
        session.flush()  # the view carries the new version_id
        return _view(row)


def set_kind(ctx: ServiceContext, name: str, kind: DepartmentKind, expected_version: int | None = None,
             force: bool = False) -> DepartmentView:
    authorize(ctx, Action.MANAGE_DEPARTMENTS, name)
    with conflicts.explained(ctx, _conflict(name)), write_session(ctx.engine) as session:
        row = find_existing(session, name)
        overwrite = conflicts.check_version(session, row, expected_version, force, _conflict(name))
        if row.kind != kind.value or overwrite:
            audit.record(session, ctx, "department.kind", "department", row.name,
                         {"kind": (row.kind, kind.value), **overwrite})
            row.kind = kind.value
            flag_modified(row, "kind")
            session.add(row)
        session.flush()  # the view carries the new version_id
        return _view(row)


@dataclass(frozen=True)
class DepartmentUsage:
    """How many measures and work items a department leads, and on how many it co-operates."""

    lead: int = 0
    co: int = 0


def department_usage(ctx: ServiceContext) -> dict[str, DepartmentUsage]:
    """Every department by name (unused ones with zeros), from two counting queries."""
    with read_session(ctx.engine) as session:
        names = dict(session.exec(select(Department.id, Department.name)).all())
        lead = dict(session.exec(select(Task.lead_department_id, func.count()).where(
            Task.lead_department_id.is_not(None)).group_by(Task.lead_department_id)).all())
        co = dict(session.exec(select(TaskCoDepartment.department_id, func.count())
                               .group_by(TaskCoDepartment.department_id)).all())
    return {name: DepartmentUsage(lead=lead.get(dept_id, 0), co=co.get(dept_id, 0)) for dept_id, name in names.items()}
