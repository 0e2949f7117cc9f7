"""延期申请: a department asks to move a task's deadline, with a reason; a clerk approves or rejects it.

The first deadline is kept in ``Task.original_deadline`` the first time an extension is approved and never
overwritten afterwards, so reports can print 「2026.12.31（原2026.06.30）」 however often a deadline moved.
A task has at most one pending request: a second one would leave the clerk deciding between two new dates.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlmodel import Session, select

from zzdesk.domain.errors import NotFoundError, ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.services import audit
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.ledger import find_task
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import Department, ExtensionRequest, Task

MAX_REASON_CHARS = 1000
ENTITY = "extension_request"


class ExtensionState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


STATE_LABELS = {ExtensionState.PENDING: "待审批", ExtensionState.APPROVED: "已批准", ExtensionState.REJECTED: "已驳回"}


@dataclass(frozen=True)
class ExtensionView:
    """One request as the clerk and the department see it."""

    id: int
    code: str
    title: str
    lead: str | None
    old_deadline: date | None  # the deadline when the request was made
    new_deadline: date
    reason: str
    state: ExtensionState
    requested_by: str
    requested_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_note: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _view(session: Session, row: ExtensionRequest, task: Task) -> ExtensionView:
    lead = session.get(Department, task.lead_department_id) if task.lead_department_id else None
    return ExtensionView(id=row.id or 0, code=task.code, title=task.title, lead=lead.name if lead else None,
                         old_deadline=row.old_deadline, new_deadline=row.new_deadline, reason=row.reason,
                         state=ExtensionState(row.state), requested_by=row.requested_by,
                         requested_at=_utc(row.requested_at), decided_by=row.decided_by,
                         decided_at=_utc(row.decided_at), decision_note=row.decision_note)


def _key(task: Task, row: ExtensionRequest) -> str:
    return f"{task.code}#{row.id}"


def _pending_of(session: Session, task: Task) -> ExtensionRequest | None:
    return session.exec(select(ExtensionRequest).where(ExtensionRequest.task_id == task.id,
                                                       ExtensionRequest.state == ExtensionState.PENDING.value)).first()


def request_extension(ctx: ServiceContext, code: str, new_deadline: date, reason: str) -> ExtensionView:
    """申请延期: the new deadline must come after the current one, and the reason must be written out."""
    authorize(ctx, Action.REQUEST_EXTENSION, code=code)
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise ValidationError("请写明延期理由，督查室据此审批")
    if len(cleaned) > MAX_REASON_CHARS:
        raise ValidationError(f"延期理由过长（{len(cleaned)} 字，最多 {MAX_REASON_CHARS} 字），请精简")
    with write_session(ctx.engine) as session:
        task = find_task(session, code)
        if task.closed_at is not None:
            raise ValidationError(f"{task.code} 已办结，不能再申请延期")
        if task.ongoing:
            raise ValidationError(f"{task.code} 为长期（持续推进）任务，没有完成时限，无需申请延期")
        if task.deadline is None:
            raise ValidationError(f"{task.code} 尚未设定完成时限，请督查室先在分工中填写")
        if new_deadline <= task.deadline:
            raise ValidationError(f"申请的完成时限 {new_deadline.isoformat()} 应晚于当前完成时限 "
                                  f"{task.deadline.isoformat()}")
        pending = _pending_of(session, task)
        if pending is not None:
            raise ValidationError(f"{task.code} 已有一条待审批的延期申请（#{pending.id}，申请延至 "
                                  f"{pending.new_deadline.isoformat()}），请等督查室审批后再申请")
        row = ExtensionRequest(task_id=task.id, old_deadline=task.deadline, new_deadline=new_deadline,
                               reason=cleaned, state=ExtensionState.PENDING.value, requested_by=ctx.actor,
                               requested_at=ctx.now())
        session.add(row)
        session.flush()
        audit.record(session, ctx, "extension.request", ENTITY, _key(task, row),
                     {"deadline": (task.deadline, new_deadline), "reason": (None, cleaned)})
        return _view(session, row, task)


def decide_extension(ctx: ServiceContext, request_id: int, approve: bool, note: str = "") -> ExtensionView:
    """批准 moves the deadline (the first one stays on record); 驳回 needs a note saying why."""
    authorize(ctx, Action.DECIDE_EXTENSION, f"#{request_id}")
    cleaned = " ".join((note or "").split())
    if not approve and not cleaned:
        raise ValidationError("驳回延期申请时请写明理由，方便申请单位了解")
    if len(cleaned) > MAX_REASON_CHARS:
        raise ValidationError(f"审批意见过长（{len(cleaned)} 字，最多 {MAX_REASON_CHARS} 字），请精简")
    with write_session(ctx.engine) as session:
        row = session.get(ExtensionRequest, request_id)
        if row is None:
            raise NotFoundError(f"延期申请 #{request_id} 不存在")
        task = session.get(Task, row.task_id)
        if row.state != ExtensionState.PENDING.value:
            label = STATE_LABELS[ExtensionState(row.state)]
            raise ValidationError(f"延期申请 #{row.id} {label}（{row.decided_by}），不能重复审批")
        if approve:
            _approve(session, ctx, row, task, cleaned)
        else:
            audit.record(session, ctx, "extension.reject", ENTITY, _key(task, row),
                         {"deadline": (row.old_deadline, row.new_deadline), "note": ("", cleaned)})
        row.state = (ExtensionState.APPROVED if approve else ExtensionState.REJECTED).value
        row.decided_by, row.decided_at, row.decision_note = ctx.actor, ctx.now(), cleaned
        session.add(row)
        session.flush()
        return _view(session, row, task)


def _approve(session: Session, ctx: ServiceContext, row: ExtensionRequest, task: Task, note: str) -> None:
    if task.closed_at is not None:
        raise ValidationError(f"{task.code} 已办结，不能再批准延期；可驳回这条申请")
    if task.ongoing or task.deadline != row.old_deadline:
        now = "长期" if task.ongoing else (task.deadline.isoformat() if task.deadline else "未设定")
        raise ValidationError(f"申请提交后 {task.code} 的完成时限已改为 {now}，这条申请已不适用；"
                              "请驳回，并请申请单位按新的时限重新申请")
    changes: audit.Changes = {"deadline": (task.deadline, row.new_deadline)}
    if task.original_deadline is None:  # set once: the first deadline stays on record
        changes["original_deadline"] = (None, task.deadline)
        task.original_deadline = task.deadline
    task.deadline = row.new_deadline
    session.add(task)
    changes["reason"] = (None, row.reason)
    if note:
        changes["note"] = ("", note)
    audit.record(session, ctx, "extension.approve", "task", task.code, changes)


def pending_extensions(ctx: ServiceContext) -> list[ExtensionView]:
    """What the clerk still has to decide, oldest first."""
    with read_session(ctx.engine) as session:
        rows = session.exec(select(ExtensionRequest, Task).join(Task, Task.id == ExtensionRequest.task_id)
                            .where(ExtensionRequest.state == ExtensionState.PENDING.value)
                            .order_by(ExtensionRequest.requested_at, ExtensionRequest.id)).all()
        return [_view(session, row, task) for row, task in rows]


def extensions_of(ctx: ServiceContext, code: str) -> list[ExtensionView]:
    """Every request of one task, newest first."""
    with read_session(ctx.engine) as session:
        task = find_task(session, code)
        rows = session.exec(select(ExtensionRequest).where(ExtensionRequest.task_id == task.id)
                            .order_by(ExtensionRequest.id.desc())).all()
        return [_view(session, row, task) for row in rows]
