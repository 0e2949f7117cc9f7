"""办结: a clerk confirms that a task is finished, after its final update (已完成) was accepted.

Calling ``close_task`` is the clerk's confirmation (the GUI asks 「确认办结？」 first). A closed task shows
已办结 in the ledger, its light is 已完成, and it takes no further updates or extension requests until a clerk
reopens it with a reason (``reopen_task``): every step is in the audit trail.
"""

from sqlmodel import Session, select

from zzdesk.domain.errors import ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.domain.vocabulary import STATUS_LABELS, ReviewState, Status
from zzdesk.services import audit
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.extensions import ExtensionState
from zzdesk.services.ledger import find_task, task_view
from zzdesk.services.views import TaskView
from zzdesk.store.session import write_session
from zzdesk.store.tables import ExtensionRequest, StatusUpdate, Task

MAX_NOTE_CHARS = 1000


def _clean(text: str, label: str) -> str:
    cleaned = " ".join((text or "").split())
    if len(cleaned) > MAX_NOTE_CHARS:
        raise ValidationError(f"{label}过长（{len(cleaned)} 字，最多 {MAX_NOTE_CHARS} 字），请精简")
    return cleaned


def close_task(ctx: ServiceContext, code: str, note: str = "") -> TaskView:
    """办结 after a final update: the latest accepted update says 已完成 and nothing awaits review or approval.

    A measure without updates of its own may be closed once all its work items are closed."""
    authorize(ctx, Action.CLOSE_TASK, code=code)
    cleaned = _clean(note, "办结说明")
    with write_session(ctx.engine) as session:
        task = find_task(session, code)
        if task.closed_at is not None:
            when = task.closed_at.strftime("%Y-%m-%d")
            raise ValidationError(f"{task.code} 已于 {when} 由{task.closed_by}办结")
        _refuse_unfinished(session, task)
        task.closed_at, task.closed_by = ctx.now(), ctx.actor
        session.add(task)
        audit.record(session, ctx, "task.close", "task", task.code,
                     {"closed": (None, task.closed_at), "note": ("", cleaned)})
        code = task.code
    return task_view(ctx, code)


def _refuse_unfinished(session: Session, task: Task) -> None:
    waiting = session.exec(select(StatusUpdate.id).where(
        StatusUpdate.task_id == task.id, StatusUpdate.review_state == ReviewState.SUBMITTED.value)).first()
    if waiting is not None:
        raise ValidationError(f"{task.code} 还有待审核的进展报送（#{waiting}），请先审核再办结")
    pending = session.exec(select(ExtensionRequest.id).where(
        ExtensionRequest.task_id == task.id, ExtensionRequest.state == ExtensionState.PENDING.value)).first()
    if pending is not None:
        raise ValidationError(f"{task.code} 还有待审批的延期申请（#{pending}），请先审批再办结")
    latest = session.exec(select(StatusUpdate).where(
        StatusUpdate.task_id == task.id, StatusUpdate.review_state == ReviewState.ACCEPTED.value)
        .order_by(StatusUpdate.period.desc(), StatusUpdate.id.desc())).first()
    if latest is not None:
        if latest.status != Status.COMPLETED.value:
            said = STATUS_LABELS[Status(latest.status)]
            raise ValidationError(f"{task.code} 最近采纳的报送（{latest.period}）为“{said}”{latest.progress}%；"
                                  "办结须有一条已采纳的“已完成”报送（最终报送）")
        return
    items = session.exec(select(Task.code, Task.closed_at).where(Task.parent_id == task.id)).all()
    if not items:
        raise ValidationError(f"{task.code} 还没有已采纳的进展报送；办结须有一条已采纳的“已完成”报送（最终报送）")
    open_items = [item_code for item_code, closed_at in items if closed_at is None]
    if open_items:
        raise ValidationError(f"举措 {task.code} 没有自己的最终报送，其具体任务 {'、'.join(open_items)} 尚未办结；"
                              "请先办结全部具体任务")


def reopen_task(ctx: ServiceContext, code: str, reason: str) -> TaskView:
    """撤销办结: the task takes updates again; the reason is kept in the audit trail."""
    authorize(ctx, Action.CLOSE_TASK, code=code)
    cleaned = _clean(reason, "撤销理由")
    if not cleaned:
        raise ValidationError("请写明撤销办结的理由")
    with write_session(ctx.engine) as session:
        task = find_task(session, code)
        if task.closed_at is None:
            raise ValidationError(f"{task.code} 尚未办结")
        audit.record(session, ctx, "task.reopen", "task", task.code,
                     {"closed": (task.closed_at, None), "reason": (None, cleaned)})
        task.closed_at, task.closed_by = None, ""
        session.add(task)
        code = task.code
    return task_view(ctx, code)
