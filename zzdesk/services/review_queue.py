"""审核队列: what the clerk still has to review, and what was sent back and not yet reported again.

Each list is built from a fixed handful of set queries, whatever its length, so the queue opens fast
on a ledger with years of monthly reports.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from zzdesk.domain.errors import NotFoundError
from zzdesk.domain.vocabulary import STATUS_LABELS, ReviewState, Status
from zzdesk.services.context import ServiceContext
from zzdesk.store.session import read_session
from zzdesk.store.tables import Department, StatusUpdate, Task


@dataclass(frozen=True)
class PendingUpdate:
    """A submitted update waiting for 采纳 or 退回, with the progress on record before it."""

    id: int
    code: str
    title: str
    lead: str | None
    period: str
    status: Status
    progress: int
    previous_progress: int | None  # the task's last accepted progress before this report; None if none
    text: str
    problems: str
    next_steps: str
    reporter: str
    created_at: datetime

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class ReturnedUpdate:
    """A returned update that the department has not reported again for the same task and period."""

    id: int
    code: str
    title: str
    lead: str | None
    period: str
    status: Status
    progress: int
    text: str
    problems: str
    next_steps: str
    reporter: str
    created_at: datetime
    review_note: str
    reviewed_by: str
    reviewed_at: datetime | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


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
        return [PendingUpdate(
            id=update.id or 0, code=task.code, title=task.title, lead=lead.name if lead else None,
            period=update.period, status=Status(update.status), progress=update.progress,
            previous_progress=_previous_progress(previous[task.id], update), text=update.progress_text,
            problems=update.problems, next_steps=update.next_steps, reporter=update.reporter,
            created_at=_utc(update.created_at)) for update, task, lead in rows]


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
        return [ReturnedUpdate(
            id=update.id or 0, code=task.code, title=task.title, lead=lead.name if lead else None,
            period=update.period, status=Status(update.status), progress=update.progress,
            text=update.progress_text, problems=update.problems, next_steps=update.next_steps,
            reporter=update.reporter, created_at=_utc(update.created_at), review_note=update.review_note,
            reviewed_by=update.reviewed_by,
            reviewed_at=_utc(update.reviewed_at) if update.reviewed_at else None) for update, task, lead in rows]


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


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
