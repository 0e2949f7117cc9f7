"""导入部门报送表: a department's returned 进展报送表, previewed row by row, then written in one transaction.

The preview changes nothing; applying re-reads the file, refuses it if it changed since the preview (SHA-256),
backs the database up, and logs every new report of the form with ``updates.insert_updates`` (the same checks and
audit rows as a report typed in), plus one audit row for the import itself — all or nothing.
The ledger is read in a few bulk queries (tasks, the department's co-operations, the latest reports), never one
query per row, so a form of thousands of rows previews in about the time it takes to read the file.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sqlmodel import Session, select

from zzdesk.domain.codes import parse_code
from zzdesk.domain.dates import Period, parse_period
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.domain.vocabulary import STATUS_LABELS, ReviewState, Status
from zzdesk.exchange.form_reader import (
    NEXT_STEPS_HEADER,
    PROBLEMS_HEADER,
    PROGRESS_HEADER,
    STATUS_HEADER,
    TEXT_HEADER,
    FormFile,
    FormRow,
    read_form,
)
from zzdesk.exchange.layout import FORM_VERSION
from zzdesk.services import audit, backups
from zzdesk.services.authorization import authorize, task_departments
from zzdesk.services.context import ServiceContext
from zzdesk.services.import_preview import FieldChange, ImportPreview, ImportResult, PreviewRow, Verdict
from zzdesk.services.ledger import latest_report_id
from zzdesk.services.updates import UpdateInput, checked_fields, insert_updates, new_update_values
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import Department, StatusUpdate, Task, TaskCoDepartment

AUDIT_ACTION = "import.form"
REPORTER_SUFFIX = "（报送表导入）"
REPORTER_MAX = 100  # StatusUpdate.reporter
KEY_MAX = 100  # AuditEntry.entity_key
ERRORS_SHOWN = 3  # errors listed when applying is refused


class _Task(NamedTuple):
    """The columns of a task the checks read (plain tuples: thousands of ORM objects would cost more than the file)."""

    id: int
    code: str
    parent_id: int | None
    lead_department_id: int | None
    closed: bool


class _Latest(NamedTuple):
    """The columns of a task's newest report that a change is shown against."""

    task_id: int
    status: str
    progress: int
    progress_text: str
    problems: str
    next_steps: str


@dataclass(frozen=True)
class _Ledger:
    """What the checks need from the database, read once."""

    department: Department
    tasks: dict[str, _Task]  # code → task
    by_id: dict[int, _Task]
    co_task_ids: frozenset[int]  # tasks the department co-operates on
    latest: dict[int, _Latest]  # task id → its newest report


@dataclass(frozen=True)
class _Write:
    row: int
    task_id: int
    update: UpdateInput


@dataclass(frozen=True)
class _Plan:
    preview: ImportPreview
    department: str
    period: Period
    writes: tuple[_Write, ...]


def preview_form(ctx: ServiceContext, path: Path) -> ImportPreview:
    """What importing the form would do, row by row; nothing is written."""
    authorize(ctx, Action.IMPORT_FORM, _key(Path(path).name))
    return _plan(ctx, Path(path)).preview


def apply_form(ctx: ServiceContext, path: Path, expected_sha256: str, skip_errors: bool = False) -> ImportResult:
    """Log the form's new reports in one transaction, after a backup; refused if the file changed since the
    preview, or (unless ``skip_errors``) if any row has an error."""
    path = Path(path)
    authorize(ctx, Action.IMPORT_FORM, _key(path.name))
    plan = _plan(ctx, path)
    preview = plan.preview
    if preview.sha256 != expected_sha256:
        raise ValidationError(f"文件“{preview.file_name}”在预览后被修改过，请重新预览")
    errors = preview.errors
    if errors and not skip_errors:
        shown = "\n".join(row.message for row in errors[:ERRORS_SHOWN])
        more = f"\n……另有 {len(errors) - ERRORS_SHOWN} 行错误，详见预览" if len(errors) > ERRORS_SHOWN else ""
        raise ValidationError(f"报送表有 {len(errors)} 行错误，未导入任何数据：\n{shown}{more}\n"
                              "请改正后重新导入，或选择跳过有错误的行")
    skipped = len(errors)
    if not plan.writes:
        return ImportResult(written=0, skipped_errors=skipped)
    backup = backups.backup_before(ctx, "import")
    reporter = _reporter(plan.department)
    with write_session(ctx.engine) as session:
        tasks = _tasks_by_id(session, [write.task_id for write in plan.writes])
        for write in plan.writes:
            try:
                new_update_values(ctx, tasks[write.task_id], write.update, reporter)
            except ValidationError as error:  # the ledger changed since the preview (e.g. the item was closed)
                raise ValidationError(f"第 {write.row} 行：{error.message}；未导入任何数据，请重新预览") from error
        insert_updates(session, ctx, [(tasks[write.task_id], write.update) for write in plan.writes], reporter)
        audit.record(session, ctx, AUDIT_ACTION, "import", _key(preview.file_name),
                     {"sha256": (None, preview.sha256), "department": (None, plan.department),
                      "period": (None, str(plan.period)), "rows": (None, len(plan.writes))})
    return ImportResult(written=len(plan.writes), skipped_errors=skipped,
                        backup=str(backup) if backup is not None else None)


# ------------------------------------------------------------------------------------------------ the plan

def _plan(ctx: ServiceContext, path: Path) -> _Plan:
    with _collector_paused():
        form = read_form(path)
        keys = form.keys
        if keys.version != FORM_VERSION:
            raise ValidationError(f"报送表版本为 {keys.version or '（空）'}，当前版本为 {FORM_VERSION}，"
                                  "请重新导出报送表")
        try:
            period = parse_period(keys.period)
        except ValidationError:
            raise ValidationError(f"“{form.file_name}”校验页中的报送期“{keys.period}”无法识别，文件可能被改动过；"
                                  "请重新导出报送表") from None
        with read_session(ctx.engine) as session:
            ledger = _load_ledger(session, keys.department, form, period)
            checker = _RowChecker(ctx, session, form, ledger, period)
            rows = tuple(checker.check(row) for row in form.rows)
    current = Period.of(ctx.today())
    problems = (f"报送期 {period} 还没到，只能导入本月（{current}）及以前的报送表",) if period > current else ()
    preview = ImportPreview(file_name=form.file_name, sha256=form.sha256,
                            title=f"{keys.department} {period.year}年{period.month}月 进展报送表", rows=rows,
                            problems=problems)
    return _Plan(preview=preview, department=keys.department, period=period, writes=tuple(checker.writes))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading a form creates a few objects per cell and keeps one row object per row; the cyclic collector's passes
    over them (more of them, the larger the application's heap) cost about a fifth of the preview and find nothing:
    the rows form no cycles. Objects are still freed by reference counting while it is paused."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_ledger(session: Session, department_name: str, form: FormFile, period: Period) -> _Ledger:
    department = session.exec(select(Department).where(Department.name == department_name)).first()
    if department is None:
        raise ValidationError(f"报送表所属单位“{department_name}”不在单位名录中（可能已更名）；"
                              "请在单位名录中核对，或为该单位重新导出报送表")
    columns = select(Task.id, Task.code, Task.parent_id, Task.lead_department_id, Task.closed_at)
    tasks = {code: _Task(task_id, code, parent, lead, closed_at is not None)
             for task_id, code, parent, lead, closed_at in session.exec(columns)}
    by_id = {task.id: task for task in tasks.values()}
    co = frozenset(session.exec(select(TaskCoDepartment.task_id)
                                .where(TaskCoDepartment.department_id == department.id)))
    wanted = {task.id for code in {row.code for row in form.rows} | {row.key_code for row in form.rows}
              if (task := tasks.get(_normal_code(code))) is not None}
    latest = _latest_updates(session, wanted, period)
    return _Ledger(department=department, tasks=tasks, by_id=by_id, co_task_ids=co, latest=latest)


def _latest_updates(session: Session, task_ids: set[int], period: Period) -> dict[int, _Latest]:
    """Each task's newest report not sent back, for the form's period or earlier (by period, then entry order):
    the report the export prefilled the form with, so a change reads against what the department saw.
    Plain rows of the columns shown, not ORM objects: one per row of the form."""
    latest: dict[int, _Latest] = {}
    newest = latest_report_id(StatusUpdate.review_state != ReviewState.RETURNED.value,
                              StatusUpdate.period <= str(period))
    columns = select(StatusUpdate.task_id, StatusUpdate.status, StatusUpdate.progress, StatusUpdate.progress_text,
                     StatusUpdate.problems, StatusUpdate.next_steps)
    connection = session.connection()
    ids = sorted(task_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        statement = columns.select_from(Task).join(StatusUpdate, StatusUpdate.id == newest).where(Task.id.in_(chunk))
        for row in connection.execute(statement):
            latest[row[0]] = _Latest(*row)
    return latest


def _tasks_by_id(session: Session, ids: list[int]) -> dict[int, Task]:
    found: dict[int, Task] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), 500):
        for task in session.exec(select(Task).where(Task.id.in_(unique[start:start + 500]))):
            found[task.id] = task
    return found


def _normal_code(text: str) -> str:
    try:
        return str(parse_code(text))
    except ValidationError:
        return text


class _RowChecker:
    """One verdict per row, collecting what applying would write."""

    def __init__(self, ctx: ServiceContext, session: Session, form: FormFile, ledger: _Ledger,
                 period: Period) -> None:
        self.session, self.form, self.ledger, self.period = session, form, ledger, period
        self.current = Period.of(ctx.today())
        self.writes: list[_Write] = []
        self._codes: dict[str, str] = {}
        self._seen: dict[str, int] = {}  # code → the first row that reported it

    def _normal(self, text: str) -> str:
        """The code as stored (full-width digits and dots accepted), remembered: each code is read twice a row."""
        code = self._codes.get(text)
        if code is None:
            code = self._codes[text] = _normal_code(text)
        return code

    def check(self, row: FormRow) -> PreviewRow:
        code = self._normal(row.code)
        try:
            task = self._identify(row, code)
            if row.untouched:
                return PreviewRow(row=row.row, code=code, verdict=Verdict.UNCHANGED)
            update = self._content(row, task)
        except _RowError as error:
            return PreviewRow(row=row.row, code=code, verdict=Verdict.ERROR, column=error.column,
                              message=error.message)
        self.writes.append(_Write(row=row.row, task_id=task.id, update=update))
        return PreviewRow(row=row.row, code=code, verdict=Verdict.NEW, changes=self._changes(row, task))

    def _identify(self, row: FormRow, code: str) -> _Task:
        """The row's item, once the row is known to belong to this form and the code was not edited."""
        keys = self.form.keys
        if not row.code:
            if row.key_code:
                raise _RowError(row, "编号", f"编号被删除（导出时为 {row.key_code}）；请恢复原编号")
            raise _RowError(row, "编号", "编号为空；请只在导出的行中填写，不要新增行")
        if not row.key_code:
            raise _RowError(row, "编号", "该行不是导出时的行（缺少隐藏的校验信息）；请在导出的报送表原有行中填写，"
                                         "不要新增或从别处复制行")
        origin = (row.key_department, row.key_period, row.key_version)
        if origin != (keys.department, keys.period, keys.version):
            raise _RowError(row, "编号", f"该行来自{self._origin(row)} 的报送表，不属于本表（{keys.department} "
                                         f"{keys.period}）；请删除该行，或在对应单位、对应报送期的报送表中填报")
        task = self.ledger.tasks.get(code)
        if self._normal(row.key_code) != code:
            raise _RowError(row, "编号", f"编号被改动过（导出时为 {row.key_code}，现为 {row.code}）；"
                                         "请恢复原编号，编号不能修改")
        if task is None:
            raise _RowError(row, "编号", f"编号 {code} 不存在")
        first = self._seen.setdefault(code, row.row)
        if first != row.row:
            raise _RowError(row, "编号", f"编号 {code} 与第 {first} 行重复，同一任务只能填写一行；请删除多余的行")
        return task

    def _origin(self, row: FormRow) -> str:
        if row.key_version != self.form.keys.version:
            return f"版本 {row.key_version or '（空）'}"
        return f"{row.key_department or '（未知单位）'} {row.key_period or '（未知报送期）'}"

    def _content(self, row: FormRow, task: _Task) -> UpdateInput:
        """The checks of a changed row, in the order a person would fix them; the report it would log."""
        if not self._in_scope(task):
            scope = task_departments(self.session, self.session.get(Task, task.id))
            raise _RowError(row, "编号", f"{scope.describe()}，不是{self.ledger.department.name}牵头或配合的任务；"
                                         "请删除该行")
        if task.closed:
            raise _RowError(row, "编号", f"{task.code} 已办结，不再接收进展报送；如需继续报送，请督查室先撤销办结")
        if row.errors:
            first = row.errors[0]
            raise _RowError(row, first.column, first.message)
        if self.period > self.current:
            raise _RowError(row, "编号", f"报送期 {self.period} 还没到，只能报送本月（{self.current}）及以前的进展")
        if row.status is None:
            labels = "、".join(STATUS_LABELS.values())
            raise _RowError(row, STATUS_HEADER, f"状态为空，请选择：{labels}")
        if row.progress is None:
            raise _RowError(row, PROGRESS_HEADER, "进度为空，请填写 0 到 100 之间的整数")
        update = UpdateInput(status=row.status, progress=row.progress, text=row.text, problems=row.problems,
                             next_steps=row.next_steps, period=self.period)
        try:
            checked_fields(update)  # the rules every report meets, exactly as when it is typed in
        except ValidationError as error:
            raise _RowError(row, _blamed_column(error.message), error.message) from None
        return update

    def _in_scope(self, task: _Task) -> bool:
        """The department leads or co-operates on the task; an unassigned work item is its measure's."""
        owner = task
        if task.lead_department_id is None and task.parent_id is not None:
            owner = self.ledger.by_id.get(task.parent_id, task)
        department_id = self.ledger.department.id
        return owner.lead_department_id == department_id or owner.id in self.ledger.co_task_ids

    def _changes(self, row: FormRow, task: _Task) -> tuple[FieldChange, ...]:
        latest = self.ledger.latest.get(task.id)
        before = _values(STATUS_LABELS[Status(latest.status)], str(latest.progress), latest.progress_text,
                         latest.problems, latest.next_steps) if latest is not None else _values("", "", "", "", "")
        after = _values(row.status_label, str(row.progress) if row.progress is not None else "", row.text,
                        row.problems, row.next_steps)
        return tuple(FieldChange(label, before[label], value) for label, value in after.items()
                     if value != before[label])


def _values(status: str, progress: str, text: str, problems: str, next_steps: str) -> dict[str, str]:
    return {STATUS_HEADER: status, PROGRESS_HEADER: progress, TEXT_HEADER: text, PROBLEMS_HEADER: problems,
            NEXT_STEPS_HEADER: next_steps}


_BLAME = ((TEXT_HEADER, TEXT_HEADER), (PROBLEMS_HEADER, PROBLEMS_HEADER), (NEXT_STEPS_HEADER, NEXT_STEPS_HEADER),
          ("进度", PROGRESS_HEADER), ("状态", STATUS_HEADER))


def _blamed_column(message: str) -> str:
    """The column a rule of ``updates.checked_fields`` refers to, by the words its message uses."""
    return next((header for word, header in _BLAME if word in message), STATUS_HEADER)


class _RowError(Exception):
    def __init__(self, row: FormRow, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.message = f"第 {row.row} 行“{column}”：{reason}"


def _reporter(department: str) -> str:
    """「市科技局（报送表导入）」, within the column's length."""
    return department[:REPORTER_MAX - len(REPORTER_SUFFIX)] + REPORTER_SUFFIX


def _key(file_name: str) -> str:
    return file_name if len(file_name) <= KEY_MAX else file_name[:KEY_MAX - 1] + "…"

