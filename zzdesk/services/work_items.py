"""Work items (具体任务): the concrete items a clerk splits a measure into, coded ``G.M.K``."""

from collections.abc import Callable

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, func, select

from zzdesk.domain.errors import ConflictError, ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.domain.plan_parser import suggest_work_items
from zzdesk.services import audit, conflicts
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.ledger import find_task
from zzdesk.store.session import write_session
from zzdesk.store.tables import AuditEntry, StatusUpdate, Task

MAX_TITLE_CHARS = 500


def add_work_item(ctx: ServiceContext, measure_code: str, title: str) -> str:
    """Create a work item under a measure; returns its new code."""
    authorize(ctx, Action.EDIT_WORK_ITEMS, code=measure_code)
    with write_session(ctx.engine) as session:
        return insert_work_item(session, ctx, find_task(session, measure_code), title)


def accept_suggestions(ctx: ServiceContext, measure_code: str, numbers: list[int]) -> list[str]:
    """Create work items from the suggestions numbered 1..N (as ``split`` lists them)."""
    authorize(ctx, Action.EDIT_WORK_ITEMS, code=measure_code)
    with write_session(ctx.engine) as session:
        measure = find_task(session, measure_code)
        if measure.kind != "measure":
            raise ValidationError(f"“{measure.code}”已是具体任务，只能在举措下分解具体任务")
        suggestions = suggest_work_items(measure.text)
        if not numbers:
            raise ValidationError("请指定要采纳的建议序号")
        for number in numbers:
            if not 1 <= number <= len(suggestions):
                raise ValidationError(f"建议序号 {number} 不存在，{measure.code} 共有 {len(suggestions)} 条建议")
        return [insert_work_item(session, ctx, measure, suggestions[n - 1]) for n in numbers]


def remove_work_item(ctx: ServiceContext, code: str) -> None:
    authorize(ctx, Action.EDIT_WORK_ITEMS, code=code)
    with write_session(ctx.engine) as session:
        task = find_task(session, code)
        if task.kind != "work_item":
            raise ValidationError(f"“{code}”是举措，举措来自规划原文，不能删除")
        if session.exec(select(func.count()).select_from(StatusUpdate).where(StatusUpdate.task_id == task.id)).one():
            raise ValidationError(f"具体任务 {code} 已有进展报送，不能删除")
        session.delete(task)
        audit.record(session, ctx, "work_item.remove", "task", code, {"title": (task.title, None)})


def rename_work_item(ctx: ServiceContext, code: str, title: str, expected_version: int | None = None,
                     force: bool = False) -> None:
    """Reword a work item; its code stays. ``expected_version``/``force`` as in ``assignments.assign``."""
    authorize(ctx, Action.EDIT_WORK_ITEMS, code=code)
    with conflicts.explained(ctx, _conflict(code)), write_session(ctx.engine) as session:
        task = find_task(session, code)
        if task.kind != "work_item":
            raise ValidationError(f"“{code}”是举措，举措的标题来自规划原文，不能修改")
        cleaned = _clean_title(title)
        overwrite = conflicts.check_version(session, task, expected_version, force, _conflict(code))
        if cleaned != task.title or overwrite:
            audit.record(session, ctx, "work_item.rename", "task", task.code,
                         {"title": (task.title, cleaned), **overwrite})
            task.title = task.text = cleaned
            flag_modified(task, "title")  # a new version even when an overwrite keeps the same words
            session.add(task)


def _conflict(code: str) -> Callable[[Session], ConflictError]:
    def explain(session: Session) -> ConflictError:
        task = find_task(session, code)
        return conflicts.conflict_error(session, "task", task.code, f"具体任务 {task.code}", task.version_id,
                                        {"title": task.title})
    return explain


def _clean_title(title: str) -> str:
    cleaned = " ".join((title or "").split())
    if not cleaned:
        raise ValidationError("具体任务的内容不能为空")
    if len(cleaned) > MAX_TITLE_CHARS:
        raise ValidationError(f"具体任务的内容过长（最多 {MAX_TITLE_CHARS} 个字）")
    return cleaned


def insert_work_item(session: Session, ctx: ServiceContext, measure: Task, title: str) -> str:
    if measure.kind != "measure":
        raise ValidationError(f"“{measure.code}”已是具体任务，只能在举措下分解具体任务")
    cleaned = _clean_title(title)
    # Codes never change once given, so a removed item's number is not reused.
    used = session.exec(select(Task.code).where(Task.parent_id == measure.id)).all()
    number = max([int(c.rsplit(".", 1)[1]) for c in used] + [_removed_max(session, measure)]) + 1
    code = f"{measure.code}.{number}"
    session.add(Task(group_id=measure.group_id, parent_id=measure.id, kind="work_item", code=code, seq=number,
                     title=cleaned, text=cleaned))
    session.flush()
    audit.record(session, ctx, "work_item.add", "task", code, {"title": (None, cleaned)})
    return code


def _removed_max(session: Session, measure: Task) -> int:
    keys = session.exec(select(AuditEntry.entity_key).where(
        AuditEntry.action == "work_item.remove", AuditEntry.entity_key.like(f"{measure.code}.%"))).all()
    return max((int(k.rsplit(".", 1)[1]) for k in keys if k.count(".") == 2), default=0)
