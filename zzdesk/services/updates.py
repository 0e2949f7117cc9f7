"""进展报送: a liaison's status update for a period, its history, and the clerk's review."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, select

from zzdesk.domain.dates import Period
from zzdesk.domain.errors import ConflictError, NotFoundError, ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.domain.reporting import default_period
from zzdesk.domain.vocabulary import REVIEW_LABELS, Cycle, ReviewState, Status
from zzdesk.services import attachments, audit, conflicts
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.ledger import find_task
from zzdesk.services.views import UpdateView
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import StatusUpdate, Task

MAX_TEXT_CHARS = 5000


@dataclass(frozen=True)
class UpdateInput:
    status: Status
    progress: int
    text: str
    problems: str = ""
    next_steps: str = ""
    period: Period | None = None


def parse_progress(value: str | int) -> int:
    """0–100; accepts 80, "80", "80%" and full-width digits."""
    if isinstance(value, bool):
        raise ValidationError("进度应为 0 到 100 之间的整数")
    if isinstance(value, int):
        number = value
    else:
        cleaned = str(value).strip().translate(str.maketrans("０１２３４５６７８９％", "0123456789%")).rstrip("%")
        if not cleaned.isdigit() or not cleaned.isascii():
            raise ValidationError(f"进度“{value}”不是数字，请填写 0 到 100 之间的整数")
        number = int(cleaned)
    if not 0 <= number <= 100:
        raise ValidationError(f"进度 {number} 超出范围，请填写 0 到 100 之间的整数")
    return number


def log_update(ctx: ServiceContext, code: str, update: UpdateInput) -> UpdateView:
    authorize(ctx, Action.LOG_UPDATE, code=code)
    with write_session(ctx.engine) as session:
        row = insert_update(session, ctx, find_task(session, code), update, ctx.actor)
        return update_view(row, code)


def log_update_with_attachments(ctx: ServiceContext, code: str, update: UpdateInput, files: list[Path]) -> UpdateView:
    """An update and its 佐证材料 in one transaction.

    The files are copied before the transaction starts, so the write lock is never held during a long copy;
    if the copy or the transaction fails, the copies are removed again and nothing is written.
    """
    authorize(ctx, Action.LOG_UPDATE, code=code)
    stored = attachments.copy_in(files)
    try:
        with write_session(ctx.engine) as session:
            task = find_task(session, code)
            row = insert_update(session, ctx, task, update, ctx.actor)
            attachments.insert_attachments(session, ctx, row, f"{task.code}@{row.period}#{row.id}", stored)
            view = update_view(row, task.code)
    except BaseException:
        attachments.discard(stored)
        raise
    return view


def insert_update(session: Session, ctx: ServiceContext, task: Task, update: UpdateInput,
                  reporter: str) -> StatusUpdate:
    """Validate and write one update inside the caller's transaction."""
    values = new_update_values(ctx, task, update, reporter)
    row = StatusUpdate(**values)
    session.add(row)
    session.flush()
    audit.record_many(session, ctx, [_submitted(task.code, row.id, values)])
    return row


def insert_updates(session: Session, ctx: ServiceContext, reports: Sequence[tuple[Task, UpdateInput]],
                   reporter: str) -> list[int]:
    """Validate and write many updates inside the caller's transaction, with their audit rows, in two statements
    (an imported 报送表); the same rules as ``insert_update``. Returns the new ids in order."""
    values = [new_update_values(ctx, task, update, reporter) for task, update in reports]
    if not values:
        return []
    statement = insert(StatusUpdate).returning(StatusUpdate.id, sort_by_parameter_order=True)
    ids = list(session.scalars(statement, [{**row, "version_id": 1} for row in values]))
    audit.record_many(session, ctx, [_submitted(task.code, update_id, row)
                                     for (task, _update), update_id, row in zip(reports, ids, values, strict=True)])
    return ids


def new_update_values(ctx: ServiceContext, task: Task, update: UpdateInput, reporter: str) -> dict[str, object]:
    """A new update's columns after every rule a report must meet (closed task, future period, content)."""
    _refuse_closed(task)
    current = Period.of(ctx.today())
    cycle = Cycle(task.cycle) if task.cycle else None
    period = update.period or default_period(cycle, task.due_day, ctx.today())
    if period > current:
        raise ValidationError(f"报送期 {period} 还没到，只能报送本月（{current}）及以前的进展")
    return {"task_id": task.id, "period": str(period), "reporter": reporter, "created_at": ctx.now(),
            "review_state": ReviewState.SUBMITTED.value, **checked_fields(update)}


def _submitted(code: str, update_id: int | None, values: dict[str, object]) -> audit.Entry:
    """The audit row of a submitted update."""
    return audit.Entry("update.submit", "status_update", f"{code}@{values['period']}#{update_id}",
                       {"status": (None, values["status"]), "progress": (None, values["progress"])})


def _refuse_closed(task: Task) -> None:
    if task.closed_at is not None:
        raise ValidationError(f"{task.code} 已办结，不再接收进展报送；如需继续报送，请督查室先撤销办结")


def checked_fields(update: UpdateInput) -> dict[str, object]:
    """The update's content as stored (``StatusUpdate`` column → value), after the rules every report must meet;
    shared by logging and editing so both accept exactly the same input."""
    progress = parse_progress(update.progress)
    text = _clean_text(update.text, "进展情况", required=True)
    problems = _clean_text(update.problems, "存在问题")
    next_steps = _clean_text(update.next_steps, "下步打算")
    if update.status is Status.COMPLETED and progress != 100:
        raise ValidationError(f"状态为“已完成”时进度应为 100，当前填写的是 {progress}")
    if update.status is Status.NOT_STARTED and progress != 0:
        raise ValidationError(f"状态为“未启动”时进度应为 0，当前填写的是 {progress}")
    return {"status": update.status.value, "progress": progress, "progress_text": text, "problems": problems,
            "next_steps": next_steps}


def _clean_text(value: str, label: str, required: bool = False) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationError(f"{label}不能为空，请写明本期做了什么")
    if len(cleaned) > MAX_TEXT_CHARS:
        raise ValidationError(f"{label}过长（{len(cleaned)} 字，最多 {MAX_TEXT_CHARS} 字），请精简")
    return cleaned


# StatusUpdate column → the field name its audited change is recorded under (labelled in domain/audit_actions.py).
_EDITABLE = {"status": "status", "progress": "progress", "progress_text": "text", "problems": "problems",
             "next_steps": "next_steps"}


def edit_update(ctx: ServiceContext, update_id: int, update: UpdateInput, expected_version: int | None = None,
                force: bool = False) -> UpdateView:
    """修改报送: correct an update while it still awaits review (待审核). Once accepted it is on record, and a
    returned one is answered with a new report, so neither can be edited. The content is checked as when logging;
    the period stays (it is what the update reports on). ``expected_version`` works as in ``review_update``: an
    edit of an update changed since it was loaded (edited by a colleague, or reviewed) is refused."""
    authorize(ctx, Action.EDIT_UPDATE, update_id=update_id)
    with conflicts.explained(ctx, _conflict(update_id)), write_session(ctx.engine) as session:
        row = session.get(StatusUpdate, update_id)
        if row is None:
            raise NotFoundError(f"进展报送 #{update_id} 不存在")
        task = session.get(Task, row.task_id)
        overwrite = conflicts.check_version(session, row, expected_version, force, _conflict(update_id))
        _refuse_closed(task)
        if row.review_state == ReviewState.ACCEPTED.value:
            raise ValidationError(f"报送 #{row.id}（{task.code} {row.period}）已采纳，不能再修改；"
                                  "如有新情况，请在下一期报送中说明")
        if row.review_state == ReviewState.RETURNED.value:
            raise ValidationError(f"报送 #{row.id}（{task.code} {row.period}）已退回，不能修改；"
                                  "请按退回意见重新报送一条")
        if update.period is not None and str(update.period) != row.period:
            raise ValidationError(f"报送期不能修改（这条报送的是 {row.period}）；"
                                  "如报错了报送期，请按正确的报送期重新报送")
        changes: audit.Changes = {}
        for column, value in checked_fields(update).items():
            old = getattr(row, column)
            if old != value:
                changes[_EDITABLE[column]] = (old, value)
                setattr(row, column, value)
        if changes:
            session.add(row)
            session.flush()
            audit.record(session, ctx, "update.edit", "status_update", f"{task.code}@{row.period}#{row.id}",
                         {**changes, **overwrite})
        return update_view(row, task.code)


def get_update(ctx: ServiceContext, update_id: int) -> UpdateView:
    """One update by its number (报送号), as a form or the CLI loads it before editing."""
    with read_session(ctx.engine) as session:
        row = session.get(StatusUpdate, update_id)
        if row is None:
            raise NotFoundError(f"进展报送 #{update_id} 不存在")
        return update_view(row, session.get(Task, row.task_id).code)


def history(ctx: ServiceContext, code: str) -> list[UpdateView]:
    """All updates of a task, newest period first."""
    with read_session(ctx.engine) as session:
        task = find_task(session, code)
        rows = session.exec(select(StatusUpdate).where(StatusUpdate.task_id == task.id)
                            .order_by(StatusUpdate.period.desc(), StatusUpdate.id.desc())).all()
        return [update_view(row, task.code) for row in rows]


def review_update(ctx: ServiceContext, update_id: int, accept: bool, note: str = "",
                  expected_version: int | None = None, force: bool = False) -> UpdateView:
    """审核: accept an update, or return it with a note saying what to fix. ``expected_version`` is the
    ``UpdateView.version_id`` the clerk saw: a review of an update changed since (e.g. reviewed by a colleague)
    is refused with that change shown (ConflictError)."""
    authorize(ctx, Action.REVIEW_UPDATE, update_id=update_id)
    with conflicts.explained(ctx, _conflict(update_id)), write_session(ctx.engine) as session:
        row = session.get(StatusUpdate, update_id)
        if row is None:
            raise NotFoundError(f"进展报送 #{update_id} 不存在")
        task = session.get(Task, row.task_id)
        overwrite = conflicts.check_version(session, row, expected_version, force, _conflict(update_id))
        apply_review(session, ctx, row, task, accept, note, overwrite)
        return update_view(row, task.code)


def _conflict(update_id: int) -> Callable[[Session], ConflictError]:
    def explain(session: Session) -> ConflictError:
        row = session.get(StatusUpdate, update_id)
        if row is None:
            return ConflictError(f"保存冲突：进展报送 #{update_id} 已不存在")
        code = session.get(Task, row.task_id).code
        current = {"status": row.status, "progress": row.progress, "text": row.progress_text,
                   "review": row.review_state, "note": row.review_note}
        return conflicts.conflict_error(session, "status_update", f"{code}@{row.period}#{row.id}",
                                        f"{code} {row.period} 的报送（#{row.id}）", row.version_id, current)
    return explain


def apply_review(session: Session, ctx: ServiceContext, row: StatusUpdate, task: Task, accept: bool,
                 note: str, overwrite: audit.Changes | None = None) -> None:
    if row.review_state != ReviewState.SUBMITTED.value:
        done = REVIEW_LABELS[ReviewState(row.review_state)]
        raise ValidationError(f"这条报送{done}，不能重复审核")
    cleaned = (note or "").strip()
    if not accept and not cleaned:
        raise ValidationError("退回时请写明退回原因，方便报送单位修改")
    before = row.review_state
    row.review_state = (ReviewState.ACCEPTED if accept else ReviewState.RETURNED).value
    row.review_note = cleaned
    row.reviewed_by = ctx.actor
    row.reviewed_at = ctx.now()
    session.add(row)
    audit.record(session, ctx, "update.review", "status_update", f"{task.code}@{row.period}#{row.id}",
                 {"review": (before, row.review_state), "note": ("", cleaned), **(overwrite or {})})


def update_view(row: StatusUpdate, code: str) -> UpdateView:
    return UpdateView(id=row.id or 0, code=code, period=row.period, status=Status(row.status),
                      progress=row.progress, text=row.progress_text, problems=row.problems,
                      next_steps=row.next_steps, reporter=row.reporter, created_at=as_utc(row.created_at),
                      review=ReviewState(row.review_state), review_note=row.review_note,
                      version_id=row.version_id)


def as_utc(value: datetime) -> datetime:
    """Some drivers (SQLite) hand back naive datetimes; they were written in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
