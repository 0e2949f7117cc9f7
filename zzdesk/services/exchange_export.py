"""Exporting the ledger as a 任务分解表 (.xlsx or .csv) and a department's 进展报送表 (.xlsx).

Exports only read the ledger, so they need no permission, except that a liaison gets only their own department's
报送表. The files are built in memory and written atomically: a failed export leaves nothing behind.

「最新进展」 and the 报送表's prefill are each task's newest update that was not sent back (待审核 or 已采纳), the
same update the ledger takes its status and progress from; a returned update is left out because its text is the
one the clerk asked to fix. The 报送表 takes the newest such update for the form's period or earlier.
"""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from zzdesk.domain.dates import Period
from zzdesk.domain.errors import PermissionDeniedError, ValidationError
from zzdesk.domain.reporting import DEFAULT_DUE_DAY, default_period
from zzdesk.domain.roles import Role
from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.domain.vocabulary import LIGHT_LABELS, STATUS_LABELS, Cycle, ReviewState, Status
from zzdesk.exchange import layout
from zzdesk.exchange.form_workbook import FormRow, FormSheet, Prefill, form_workbook_bytes
from zzdesk.exchange.ledger_csv import ledger_csv_bytes
from zzdesk.exchange.ledger_workbook import LedgerRow, ledger_workbook_bytes
from zzdesk.exchange.workbook_style import KeyInfo
from zzdesk.file_write import write_atomically
from zzdesk.services.context import ServiceContext
from zzdesk.services.departments import find_existing
from zzdesk.services.ledger import latest_report_id, plan_view
from zzdesk.services.office_settings import values_in
from zzdesk.services.views import PlanView, TaskView
from zzdesk.store.session import read_session
from zzdesk.store.tables import StatusUpdate, Task

LEDGER_TITLE = "重点任务分解表"
FORM_TITLE = "进展报送表"
LEAD, CO = "牵头", "配合"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int  # data rows written
    title: str  # e.g. 「市科技局 2025年11月 进展报送表」


@dataclass(frozen=True)
class _Latest:
    period: str
    status: Status
    progress: int
    text: str
    problems: str
    next_steps: str


def default_ledger_name(ctx: ServiceContext, suffix: str = ".xlsx") -> str:
    return f"{LEDGER_TITLE}-{ctx.today().isoformat()}{suffix}"


def default_form_name(ctx: ServiceContext, department: str, period: Period | None = None) -> str:
    with read_session(ctx.engine) as session:
        name = find_existing(session, department).name
    return f"{name}-{_month_text(period or _default_period(ctx))}-{FORM_TITLE}.xlsx"


def export_ledger(ctx: ServiceContext, out: Path) -> ExportResult:
    """The whole ledger, one row per measure and work item; ``.xlsx`` or ``.csv`` by the file name."""
    path = _check_target(out, (".xlsx", ".csv"), "任务分解表")
    plan = plan_view(ctx)
    with read_session(ctx.engine) as session:
        latest = _latest_updates(session)
    rows = list(_ledger_rows(plan, latest))
    title = f"{chinese_punctuation(plan.title)} {LEDGER_TITLE}"
    if path.suffix.lower() == ".csv":
        data = ledger_csv_bytes(rows)
    else:
        measures = sum(len(group.measures) for group in plan.groups)
        items = len(rows) - measures
        note = (f"导出时间：{_local_time(ctx)}　　共 {len(plan.groups)} 个任务组、{measures} 项举措、"
                f"{items} 项具体任务；状态、进度、灯为导出时台账的计算结果，最新进展为最近一次报送（不含已退回的）")
        key = KeyInfo(kind=layout.LEDGER_KIND, department="", period="",
                      exported_at=ctx.now().isoformat(timespec="seconds"), exported_by=ctx.actor)
        data = ledger_workbook_bytes(rows, title, note, key)
    write_atomically(path, data)
    return ExportResult(path=path, rows=len(rows), title=LEDGER_TITLE)


def export_form(ctx: ServiceContext, department: str, out: Path, period: Period | None = None) -> ExportResult:
    """One department's open leaf tasks (led or co-operated on) for one period, prefilled with the latest update."""
    path = _check_target(out, (".xlsx",), "进展报送表")
    chosen = period or _default_period(ctx)
    current = Period.of(ctx.today())
    if chosen > current:
        raise ValidationError(f"报送期 {_month_text(chosen)} 还没有到（本月是 {_month_text(current)}），"
                              "不能导出以后月份的报送表；请选择本月或以前的月份")
    with read_session(ctx.engine) as session:
        found = find_existing(session, department)
        if not found.active:
            raise ValidationError(f"单位“{found.name}”已停用，不能导出报送表")
        name, department_id = found.name, found.id
        office = str(values_in(session)["report.office_name"])
    _refuse_other_department(ctx, name, department_id)
    plan = plan_view(ctx)
    tasks = [(task, role) for task in _leaves(plan) if not task.closed and (role := _role(task, name))]
    if not tasks:
        raise ValidationError(f"{name}没有牵头或配合的任务，无需导出报送表")
    with read_session(ctx.engine) as session:
        latest = _latest_updates(session, through=chosen)
    rows = [FormRow(code=task.code, text=chinese_punctuation(task.text or task.title), role=role,
                    deadline=task.deadline, ongoing=task.ongoing, expected=task.expected_progress,
                    prefill=_prefill(latest.get(task.code))) for task, role in tasks]
    title = f"{name} {_month_text(chosen)} {FORM_TITLE}"
    return_by = _return_by(chosen, [task for task, _ in tasks])
    note = (f"报送单位：{name}　　报送期：{_month_text(chosen)}　　共 {len(rows)} 项　　导出时间：{_local_time(ctx)}"
            f"　　请于 {return_by.year}年{return_by.month}月{return_by.day}日前填好交回{office}")
    key = KeyInfo(kind=layout.FORM_KIND, department=name, period=str(chosen),
                  exported_at=ctx.now().isoformat(timespec="seconds"), exported_by=ctx.actor)
    form = FormSheet(department=name, period=chosen, title=title, note=note, return_by=return_by, key=key,
                     office=office)
    write_atomically(path, form_workbook_bytes(form, rows))
    return ExportResult(path=path, rows=len(rows), title=title)


def _default_period(ctx: ServiceContext) -> Period:
    return default_period(Cycle.MONTHLY, None, ctx.today())


def _month_text(period: Period) -> str:
    return f"{period.year}年{period.month}月"


def _local_time(ctx: ServiceContext) -> str:
    return ctx.now().astimezone().strftime("%Y-%m-%d %H:%M")


def _check_target(out: Path, suffixes: tuple[str, ...], what: str) -> Path:
    """Refuse a target that cannot work before reading the ledger."""
    path = Path(out).expanduser()
    if path.suffix.lower() not in suffixes:
        raise ValidationError(f"{what}文件“{path.name}”应以 {' 或 '.join(suffixes)} 结尾")
    if path.is_dir():
        raise ValidationError(f"“{path}”是一个文件夹，请给出{what}的文件名")
    if not path.parent.is_dir():
        raise ValidationError(f"保存位置“{path.parent}”不存在，请先建立该文件夹或换一个位置")
    return path


def _refuse_other_department(ctx: ServiceContext, name: str, department_id: int | None) -> None:
    user = ctx.user
    if user is None or user.role is not Role.LIAISON:
        return
    own = user.department_id == department_id if user.department_id is not None else user.department == name
    if not own:
        raise PermissionDeniedError(f"联络员只能导出本单位（{user.department or '未绑定单位'}）的报送表，"
                                    f"不能导出{name}的报送表")


def _latest_updates(session: Session, through: Period | None = None) -> dict[str, _Latest]:
    """Each task's newest update not sent back (by period, then entry order), by task code."""
    conditions = [StatusUpdate.review_state != ReviewState.RETURNED.value]
    if through is not None:
        conditions.append(StatusUpdate.period <= str(through))
    rows = session.connection().execute(
        select(Task.code, StatusUpdate.period, StatusUpdate.status, StatusUpdate.progress,
               StatusUpdate.progress_text, StatusUpdate.problems, StatusUpdate.next_steps)
        .select_from(Task).join(StatusUpdate, StatusUpdate.id == latest_report_id(*conditions)))
    return {code: _Latest(period, Status(status), progress, text, problems, next_steps)
            for code, period, status, progress, text, problems, next_steps in rows}


def _ledger_rows(plan: PlanView, latest: dict[str, _Latest]) -> Iterator[LedgerRow]:
    for group in plan.groups:
        group_title = chinese_punctuation(group.title)
        for measure in group.measures:
            yield _ledger_row(measure, group_title, latest, is_item=False)
            for item in measure.items:
                yield _ledger_row(item, group_title, latest, is_item=True)


def _ledger_row(task: TaskView, group: str, latest: dict[str, _Latest], is_item: bool) -> LedgerRow:
    update = latest.get(task.code)
    return LedgerRow(
        code=task.code, group=group, text=chinese_punctuation(task.text or task.title), is_item=is_item,
        lead=task.lead or "", co=task.co, leader=task.leader, start=task.start, deadline=task.deadline,
        ongoing=task.ongoing, cycle=task.cycle_label, due_day=task.due_day, status=task.status_label,
        progress=task.progress, light=task.light, light_label=LIGHT_LABELS[task.light],
        latest=update.text if update else "")


def _leaves(plan: PlanView) -> Iterator[TaskView]:
    """Work items, and measures not split into work items: the tasks a department reports on."""
    for group in plan.groups:
        for measure in group.measures:
            yield from measure.items or (measure,)


def _role(task: TaskView, department: str) -> str:
    if task.lead == department:
        return LEAD
    return CO if department in task.co else ""


def _prefill(update: _Latest | None) -> Prefill:
    if update is None:
        return Prefill()
    return Prefill(status=STATUS_LABELS[update.status], progress=update.progress, text=update.text,
                   problems=update.problems, next_steps=update.next_steps)


def _return_by(period: Period, tasks: list[TaskView]) -> date:
    """The earliest due day among the department's items, in the month after the period."""
    day = min((task.due_day for task in tasks if task.due_day), default=DEFAULT_DUE_DAY)
    after = period.shifted(1)
    return date(after.year, after.month, min(day, calendar.monthrange(after.year, after.month)[1]))
