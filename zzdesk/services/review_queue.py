"""审核队列: what the clerk still has to review, and what was sent back and not yet reported again.

Each list is built from a fixed handful of set queries, whatever its length, so the queue opens fast
on a ledger with years of monthly reports.
"""

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import and_, exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from zzdesk.domain.errors import NotFoundError
from zzdesk.domain.vocabulary import ReviewState
from zzdesk.services.context import ServiceContext
from zzdesk.services.updates import as_utc, update_view
from zzdesk.services.views import UpdateView
from zzdesk.store.session import read_session
from zzdesk.store.tables import Department, StatusUpdate, Task


@dataclass(frozen=True)
class PendingUpdate(UpdateView):
    """A submitted update waiting for 采纳 or 退回, with its task and the progress on record before it."""

    title: str
    lead: str | None
    previous_progress: int | None  # the task's last accepted progress before this report; None if none


@dataclass(frozen=True)
class ReturnedUpdate(UpdateView):
    """A returned update that the department has not reported again for the same task and period."""

    title: str
    lead: str | None
    reviewed_by: str
    reviewed_at: datetime | None


def _fields(update: StatusUpdate, task: Task) -> dict[str, object]:
    view = update_view(update, task.code)
    return {field.name: getattr(view, field.name) for field in fields(UpdateView)}


def pending_updates(ctx: ServiceContext, department: str | None = None) -> list[PendingUpdate]:
    """Every update waiting for review, oldest first; ``department`` keeps those it leads (name or short name)."""
    with read_session(ctx.engine) as session:
        query = (select(StatusUpdate, Task, Department)
                 .join(Task, Task.id == StatusUpdate.task_id)
                 .join(Department, Department.id == Task.lead_department_id, isouter=True)
                 .where(StatusUpdate.review_state == ReviewState.SUBMITTED.value))
        query = _only_department(session, query, department)
        rows = session.exec(query.order_by(StatusUpdate.created_at, StatusUpdate.id)).all()
        previous = _accepted_history(session, {task.id for _, task, _ in rows})
        return [PendingUpdate(**_fields(update, task), title=task.title, lead=lead.name if lead else None,
                              previous_progress=_previous_progress(previous[task.id], update))
                for update, task, lead in rows]


def returned_updates(ctx: ServiceContext, department: str | None = None) -> list[ReturnedUpdate]:
    """Returned updates still waiting for a new report of the same task and period (what a department must fix)."""
    later = aliased(StatusUpdate)
    superseded = exists().where(and_(later.task_id == StatusUpdate.task_id, later.period == StatusUpdate.period,
                                     later.id > StatusUpdate.id))
    with read_session(ctx.engine) as session:
        query = (select(StatusUpdate, Task, Department)
                 .join(Task, Task.id == StatusUpdate.task_id)
                 .join(Department, Department.id == Task.lead_department_id, isouter=True)
                 .where(StatusUpdate.review_state == ReviewState.RETURNED.value, ~superseded))
        query = _only_department(session, query, department)
        rows = session.exec(query.order_by(StatusUpdate.created_at, StatusUpdate.id)).all()
        return [ReturnedUpdate(**_fields(update, task), title=task.title, lead=lead.name if lead else None,
                               reviewed_by=update.reviewed_by,
                               reviewed_at=as_utc(update.reviewed_at) if update.reviewed_at else None)
                for update, task, lead in rows]


def _only_department(session: Session, query, department: str | None):  # type: ignore[no-untyped-def]
    if department is None or not department.strip():
        return query
    cleaned = " ".join(department.split())
    found = session.exec(select(Department.id).where(or_(
        Department.name == cleaned, and_(Department.short_name == cleaned, Department.short_name != "")))).first()
    if found is None:
        raise NotFoundError(f"单位“{cleaned}”不在单位名录中，请从列表中选择")
    return query.where(Task.lead_department_id == found)


def _accepted_history(session: Session, task_ids: set[int]) -> dict[int, list[tuple[str, int, int]]]:
    """Accepted (period, id, progress) of these tasks, oldest first; one query for all of them."""
    history: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    if not task_ids:
        return history
    rows = session.exec(select(StatusUpdate.task_id, StatusUpdate.period, StatusUpdate.id, StatusUpdate.progress)
                        .where(StatusUpdate.review_state == ReviewState.ACCEPTED.value,
                               StatusUpdate.task_id.in_(task_ids))
                        .order_by(StatusUpdate.period, StatusUpdate.id))
    for task_id, period, update_id, progress in rows:
        history[task_id].append((period, update_id, progress))
    return history


def _previous_progress(accepted: list[tuple[str, int, int]], update: StatusUpdate) -> int | None:
    """The last accepted progress reported before this one (earlier period, or earlier in the same period)."""
    before = [progress for period, update_id, progress in accepted if (period, update_id) < (update.period, update.id)]
    return before[-1] if before else None
