"""The plan: loading a plan document (the bundled one at ``init``), and suggested work items."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, delete, func, select

from zzdesk.domain.errors import ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.domain.plan_parser import ParsedPlan, parse_plan, suggest_work_items
from zzdesk.exchange.plan_file import read_plan_file
from zzdesk.locations import bundled_plan_file
from zzdesk.services import audit
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.departments import seed_default_departments
from zzdesk.services.ledger import find_task
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import Plan, StatusUpdate, Task, TaskGroup


@dataclass(frozen=True)
class LoadResult:
    title: str
    groups: int
    measures: int
    departments_added: int
    replaced: bool = False
    already_loaded: bool = False


def init_database(ctx: ServiceContext) -> LoadResult:
    """Load the bundled plan and the default departments into a database that has no plan yet."""
    authorize(ctx, Action.IMPORT_PLAN, bundled_plan_file().name)
    text = read_plan_file(bundled_plan_file())
    parsed = parse_plan(text)
    with write_session(ctx.engine) as session:
        existing = session.exec(select(Plan)).first()
        added = seed_default_departments(session, ctx)
        if existing is not None:
            groups, measures = _counts(session)
            return LoadResult(existing.title, groups, measures, added, already_loaded=True)
        _insert(session, ctx, parsed, bundled_plan_file().name, text)
    return LoadResult(parsed.title, len(parsed.groups), parsed.measure_count, added)


def import_plan(ctx: ServiceContext, path: Path) -> LoadResult:
    """Load a plan document; replaces a plan only while nobody has assigned or reported anything."""
    authorize(ctx, Action.IMPORT_PLAN, Path(path).name)
    text = read_plan_file(path)
    parsed = parse_plan(text)
    with write_session(ctx.engine) as session:
        existing = session.exec(select(Plan)).first()
        if existing is not None:
            assigned = session.exec(select(func.count()).select_from(Task).where(
                Task.lead_department_id.is_not(None))).one()
            reported = session.exec(select(func.count()).select_from(StatusUpdate)).one()
            items = session.exec(select(func.count()).select_from(Task).where(Task.kind == "work_item")).one()
            if assigned or reported or items:
                raise ValidationError("数据库中的规划已有分工、具体任务或进展报送，不能替换；"
                                      "请新建一个数据库（--db 新文件）再导入")
            session.exec(delete(Task))
            session.exec(delete(TaskGroup))
            session.exec(delete(Plan))
        added = seed_default_departments(session, ctx)
        _insert(session, ctx, parsed, path.name, text)
    return LoadResult(parsed.title, len(parsed.groups), parsed.measure_count, added,
                      replaced=existing is not None)


def _counts(session: Session) -> tuple[int, int]:
    groups = session.exec(select(func.count()).select_from(TaskGroup)).one()
    measures = session.exec(select(func.count()).select_from(Task).where(Task.kind == "measure")).one()
    return groups, measures


def _insert(session: Session, ctx: ServiceContext, parsed: ParsedPlan, source_name: str, text: str) -> None:
    plan = Plan(title=parsed.title, section_title=parsed.section_title, source_name=source_name,
                source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), imported_at=ctx.now())
    session.add(plan)
    session.flush()
    for group in parsed.groups:
        row = TaskGroup(plan_id=plan.id, code=str(group.number), seq=group.number, title=group.title,
                        intro=group.intro)
        session.add(row)
        session.flush()
        for measure in group.measures:
            session.add(Task(group_id=row.id, kind="measure", code=f"{group.number}.{measure.number}",
                             seq=measure.number, title=measure.title, text=measure.text))
    audit.record(session, ctx, "plan.load", "plan", source_name,
                 {"groups": (None, len(parsed.groups)), "measures": (None, parsed.measure_count),
                  "sha256": (None, plan.source_sha256)})


def suggested_work_items(ctx: ServiceContext, measure_code: str) -> list[str]:
    with read_session(ctx.engine) as session:
        task = find_task(session, measure_code)
        if task.kind != "measure":
            raise ValidationError(f"“{measure_code}”是具体任务，只有举措可以分解")
        return suggest_work_items(task.text)
