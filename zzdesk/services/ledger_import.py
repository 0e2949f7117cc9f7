"""导入任务分解表: assignments from an Excel or CSV 任务分解表, previewed row by row, then written in one transaction.

Preview and apply run the same code: every row goes through ``assignments.apply_assignment`` (the rules of an
assignment typed in: lead not also co, deadline not before start, …) inside a savepoint. The preview's whole
transaction is rolled back, so it writes nothing, not even audit rows; applying re-reads the file, refuses it if it
changed since the preview (SHA-256), backs the database up, and commits the changed rows, each audited as
「分工」, plus one audit row for the import itself — all or nothing.

Departments are named as in the directory (full or short name). A name not in it makes the row an error and is
listed in ``ImportPreview.unknown_departments``: the clerk maps it to an existing department (``mapping``) or has
it created (``create_departments``, in the same transaction). An empty cell keeps the field as it is.
"""

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session, select

from zzdesk.domain.audit_actions import EMPTY
from zzdesk.domain.codes import parse_code
from zzdesk.domain.errors import DomainError, NotFoundError, ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.domain.vocabulary import CYCLE_LABELS, Cycle
from zzdesk.exchange.layout import LEDGER_ASSIGNMENT_HEADERS
from zzdesk.exchange.ledger_reader import (
    CO,
    CODE_HEADER,
    CYCLE,
    DEADLINE,
    DUE_DAY,
    LEAD,
    LEADER,
    START,
    CellError,
    LedgerEntry,
    LedgerFile,
    read_ledger,
)
from zzdesk.services import audit, backups
from zzdesk.services.assignments import AssignmentChange, apply_assignment
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.departments import find_existing, insert_department
from zzdesk.services.import_preview import FieldChange, ImportPreview, ImportResult, PreviewRow, Verdict
from zzdesk.store.session import write_session
from zzdesk.store.tables import Department, Task, TaskCoDepartment

AUDIT_ACTION = "import.ledger"
KEY_MAX = 100  # AuditEntry.entity_key
ERRORS_SHOWN = 3  # errors listed when applying is refused
CHANGED_FILE = "文件“{name}”在预览之后被修改过，本次未导入；请重新预览后再导入"

# Which column an error of ``apply_assignment`` is about, by a phrase of its message.
_BLAME = (("不能同时列为配合单位", CO), ("请先指定牵头单位", LEAD), ("早于开始日期", "完成时限"))

T = TypeVar("T")


@dataclass
class _Outcome:
    """What running the file against the database gave: the preview's rows and the departments involved."""

    rows: list[PreviewRow] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # names neither found, mapped nor created
    created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def count(self, verdict: Verdict) -> int:
        return sum(1 for row in self.rows if row.verdict is verdict)


def preview_ledger(ctx: ServiceContext, path: Path, mapping: Mapping[str, str] | None = None,
                   create_departments: bool = False) -> ImportPreview:
    """What importing the file would change, row by row; nothing is written."""
    authorize(ctx, Action.IMPORT_LEDGER)
    ledger = read_ledger(Path(path))
    outcome = _rehearse(ctx, lambda session: _run(session, ctx, ledger, mapping, create_departments))
    return ImportPreview(file_name=ledger.name, sha256=ledger.sha256, title=ledger.title, rows=tuple(outcome.rows),
                         problems=tuple(outcome.problems), unknown_departments=tuple(outcome.unknown))


def apply_ledger(ctx: ServiceContext, path: Path, expected_sha256: str, mapping: Mapping[str, str] | None = None,
                 create_departments: bool = False, skip_errors: bool = False) -> ImportResult:
    """Write the changed rows in one transaction, after a backup; refused if the file changed since the preview
    or if a row has an error (unless ``skip_errors`` leaves those rows out)."""
    authorize(ctx, Action.IMPORT_LEDGER)
    if create_departments:
        authorize(ctx, Action.MANAGE_DEPARTMENTS)
    ledger = read_ledger(Path(path))
    if ledger.sha256 != expected_sha256:
        raise ValidationError(CHANGED_FILE.format(name=ledger.name))

    def run(session: Session) -> _Outcome:
        outcome = _run(session, ctx, ledger, mapping, create_departments)
        _refuse_errors(outcome, skip_errors)
        return outcome

    rehearsal = _rehearse(ctx, run)  # refuse before the backup, when the file has errors
    if not rehearsal.count(Verdict.CHANGED) and not rehearsal.created:
        return ImportResult(written=0, skipped_errors=rehearsal.count(Verdict.ERROR))
    backup = backups.backup_before(ctx, "import")
    with write_session(ctx.engine) as session:
        outcome = run(session)  # again: the ledger may have changed since the rehearsal
        written = outcome.count(Verdict.CHANGED)
        changes: audit.Changes = {"sha256": (None, ledger.sha256), "rows": (None, written)}
        if outcome.created:
            changes["created_departments"] = (None, list(outcome.created))
        audit.record(session, ctx, AUDIT_ACTION, "import", _key(ledger.name), changes)
    return ImportResult(written=written, skipped_errors=outcome.count(Verdict.ERROR),
                        created_departments=tuple(outcome.created),
                        backup=str(backup) if backup is not None else None)


class _Rehearsal(Exception):
    """Raised at the end of a preview so that ``write_session`` rolls back everything the run did."""


def _rehearse(ctx: ServiceContext, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a write transaction that is always rolled back (the same locks and checks as the real
    import; ``BEGIN IMMEDIATE`` on SQLite, so no other desk's write slips in between reading and the savepoints)."""
    result: list[T] = []
    try:
        with write_session(ctx.engine) as session:
            result.append(work(session))
            raise _Rehearsal
    except _Rehearsal:
        pass
    return result[0]


def _refuse_errors(outcome: _Outcome, skip_errors: bool) -> None:
    errors = [row for row in outcome.rows if row.verdict is Verdict.ERROR]
    if not errors or skip_errors:
        return
    shown = "\n".join(row.message for row in errors[:ERRORS_SHOWN])
    more = f"\n……另有 {len(errors) - ERRORS_SHOWN} 行有错误" if len(errors) > ERRORS_SHOWN else ""
    raise ValidationError(f"任务分解表有 {len(errors)} 行有错误，未导入任何内容；请改正后重新预览，"
                          f"或选择跳过有错误的行：\n{shown}{more}")


# ------------------------------------------------------------------------------------------------ the run

def _run(session: Session, ctx: ServiceContext, ledger: LedgerFile, mapping: Mapping[str, str] | None,
         create: bool) -> _Outcome:
    """Each row through ``apply_assignment`` in its own savepoint: kept when it changed something, rolled back
    when it changed nothing or failed. The caller commits (apply) or rolls back (preview)."""
    outcome = _Outcome()
    names = _Directory(session, _mapping(session, mapping))
    names.resolve_all((name for entry in ledger.entries for name in entry.departments), ctx, create, outcome)
    tasks = {task.code: task for task in session.exec(select(Task))}
    seen: dict[str, int] = {}
    skipped: list[int] = []
    for entry in ledger.entries:
        task = _task(entry, tasks)
        if isinstance(task, str):
            if entry.asks_nothing:  # a heading or note row: nothing to import
                skipped.append(entry.row)
            else:
                outcome.rows.append(_error(entry, CODE_HEADER, task))
            continue
        if task.code in seen:
            outcome.rows.append(_error(entry, CODE_HEADER, f"编号“{task.code}”在第 {seen[task.code]} 行已出现，"
                                                           "同一举措或具体任务只能填一行"))
            continue
        seen[task.code] = entry.row
        outcome.rows.append(_row(session, ctx, entry, task, names))
    _notes(ledger, outcome, skipped)
    return outcome


def _task(entry: LedgerEntry, tasks: dict[str, Task]) -> Task | str:
    """The row's measure or work item, or what is wrong with its 编号."""
    if not entry.code:
        return "编号为空；请填写举措或具体任务的编号（如 2.1 或 2.1.1）"
    try:
        code = parse_code(entry.code)
    except ValidationError as error:
        return error.message
    if code.level == "group":
        return f"“{code}”是任务组编号；任务分解表只导入举措（如 {code}.1）和具体任务的分工"
    task = tasks.get(str(code))
    if task is None:
        return (f"编号“{code}”不在台账中，请核对；导入只修改已有举措和具体任务的分工，"
                "新的具体任务请先在台账中分解")
    return task


def _row(session: Session, ctx: ServiceContext, entry: LedgerEntry, task: Task, names: "_Directory") -> PreviewRow:
    department_errors = [CellError(LEAD if index == 0 and entry.lead else CO, problem)
                         for index, name in enumerate(entry.departments)
                         if (problem := names.problem(name)) is not None]
    if entry.errors or department_errors:
        return _cell_errors(entry, _in_column_order((*entry.errors, *department_errors)))
    change = AssignmentChange(
        lead=names.canonical(entry.lead) if entry.lead else None,
        co=[names.canonical(name) for name in entry.co] if entry.co is not None else None,
        leader=entry.leader, start=entry.start, deadline=entry.deadline, cycle=entry.cycle, due_day=entry.due_day)
    before = _display(session, task)
    if _asks_for_what_is(entry, before, names):  # most rows of a re-imported export: no savepoint needed
        return PreviewRow(row=entry.row, code=task.code, verdict=Verdict.UNCHANGED)
    savepoint = session.begin_nested()
    try:
        apply_assignment(session, ctx, task, change)
    except DomainError as error:
        savepoint.rollback()
        return _error(entry, _blamed_column(error.message), error.message)
    after = _display(session, task)
    changes = tuple(FieldChange(label, before[label] or EMPTY, after[label] or EMPTY)
                    for label in LEDGER_ASSIGNMENT_HEADERS if before[label] != after[label])
    if not changes:
        savepoint.rollback()  # apply_assignment rewrites the co rows even when they are the same
        return PreviewRow(row=entry.row, code=task.code, verdict=Verdict.UNCHANGED)
    savepoint.commit()
    return PreviewRow(row=entry.row, code=task.code, verdict=Verdict.CHANGED, changes=changes)


def _asks_for_what_is(entry: LedgerEntry, current: dict[str, str], names: "_Directory") -> bool:
    """True when every filled-in cell already holds the ledger's value (as ``_display`` writes it)."""
    co = [names.canonical(name) for name in entry.co] if entry.co is not None else None
    asked = {
        LEAD: names.canonical(entry.lead) if entry.lead else None,
        CO: co if co is None or len(set(co)) < len(co) else "、".join(sorted(co)),  # a repeated name: let it fail
        LEADER: " ".join(entry.leader.split()) if entry.leader is not None else None,
        START: entry.start.isoformat() if entry.start else None,
        DEADLINE: str(entry.deadline) if entry.deadline else None,
        CYCLE: CYCLE_LABELS[entry.cycle] if entry.cycle else None,
        DUE_DAY: str(entry.due_day) if entry.due_day is not None else None,
    }
    now = {**current, CO: "、".join(sorted(current[CO].split("、"))) if current[CO] else ""}
    return all(value is None or value == now[header] for header, value in asked.items())


def _display(session: Session, task: Task) -> dict[str, str]:
    """The row's assignment as the sheet writes it, header → text."""
    lead = session.get(Department, task.lead_department_id) if task.lead_department_id is not None else None
    co = session.exec(select(Department.name).join(TaskCoDepartment, TaskCoDepartment.department_id == Department.id)
                      .where(TaskCoDepartment.task_id == task.id)
                      .order_by(Department.sort_order, Department.id)).all()
    deadline = "长期" if task.ongoing else (task.deadline.isoformat() if task.deadline else "")
    return dict(zip(LEDGER_ASSIGNMENT_HEADERS, (
        lead.name if lead is not None else "", "、".join(co), task.leader or "",
        task.start_date.isoformat() if task.start_date else "", deadline,
        CYCLE_LABELS[Cycle(task.cycle)] if task.cycle else "", str(task.due_day) if task.due_day else ""),
        strict=True))


def _error(entry: LedgerEntry, column: str, message: str) -> PreviewRow:
    where = f"“{column}”" if column else ""
    return PreviewRow(row=entry.row, code=entry.code, verdict=Verdict.ERROR,
                      message=f"第 {entry.row} 行{where}：{message}", column=column)


def _cell_errors(entry: LedgerEntry, errors: tuple[CellError, ...]) -> PreviewRow:
    """One error row naming every unreadable cell: 「第 5 行“开始日期”：……；“完成时限”：……」."""
    text = "；".join(f"“{error.column}”：{error.message}" for error in errors)
    return PreviewRow(row=entry.row, code=entry.code, verdict=Verdict.ERROR, message=f"第 {entry.row} 行{text}",
                      column=errors[0].column)


def _in_column_order(errors: tuple[CellError, ...]) -> tuple[CellError, ...]:
    return tuple(sorted(errors, key=lambda error: LEDGER_ASSIGNMENT_HEADERS.index(error.column)))


def _blamed_column(message: str) -> str:
    for phrase, column in _BLAME:
        if phrase in message:
            return column
    mentioned = [(message.find(header), header) for header in LEDGER_ASSIGNMENT_HEADERS if header in message]
    return min(mentioned)[1] if mentioned else ""


def _notes(ledger: LedgerFile, outcome: _Outcome, skipped: list[int]) -> None:
    """Whole-file remarks shown above the rows."""
    missing = [header for header in LEDGER_ASSIGNMENT_HEADERS if header not in ledger.columns]
    if missing:
        outcome.problems.append(f"表中没有{'、'.join(f'“{h}”' for h in missing)}列，这些分工保持不变")
    if skipped:
        rows = "、".join(str(row) for row in skipped[:10]) + ("……" if len(skipped) > 10 else "")
        outcome.problems.append(f"第 {rows} 行没有举措或具体任务编号，也没有分工内容，已略过（如任务组标题行）")
    if outcome.created:
        outcome.problems.append(f"将新建单位：{'、'.join(outcome.created)}（类别为“市直部门”，可在单位名录中修改）")
    if outcome.unknown:
        outcome.problems.append(f"以下单位不在单位名录中：{'、'.join(outcome.unknown)}；"
                                "请为每个单位选择对应的已有单位，或选择新建")


def _key(file_name: str) -> str:
    return file_name if len(file_name) <= KEY_MAX else file_name[:KEY_MAX - 1] + "…"


# ------------------------------------------------------------------------------------------------ departments

def _spaced(name: str) -> str:
    return " ".join((name or "").split())


def _mapping(session: Session, mapping: Mapping[str, str] | None) -> dict[str, Department]:
    """The clerk's choices, name in the file → an existing, active department; a bad choice refuses the file."""
    chosen: dict[str, Department] = {}
    for source, target in (mapping or {}).items():
        if not _spaced(source) or not _spaced(target):
            continue
        try:
            row = find_existing(session, target)
        except NotFoundError:
            raise ValidationError(f"为“{_spaced(source)}”选择的单位“{_spaced(target)}”不在单位名录中，"
                                  "请重新选择") from None
        if not row.active:
            raise ValidationError(f"为“{_spaced(source)}”选择的单位“{row.name}”已停用，请选择其他单位")
        chosen[_spaced(source)] = row
    return chosen


class _Directory:
    """Department names as the file writes them → the directory's rows (mapped, found, or created)."""

    def __init__(self, session: Session, mapping: dict[str, Department]) -> None:
        self._session = session
        self._rows: dict[str, Department] = dict(mapping)
        self._problems: dict[str, str] = {}

    def resolve_all(self, names: Iterable[str], ctx: ServiceContext, create: bool, outcome: _Outcome) -> None:
        for name in dict.fromkeys(_spaced(name) for name in names):
            if name in self._rows or name in self._problems:
                continue
            try:
                self._rows[name] = find_existing(self._session, name)
                continue
            except NotFoundError:
                pass
            if not create:
                outcome.unknown.append(name)
                self._problems[name] = (f"“{name}”不在单位名录中{self._suggestion(name)}；"
                                        "请在导入时选择对应的已有单位，或选择新建该单位")
                continue
            try:
                self._rows[name] = insert_department(self._session, ctx, name)
                outcome.created.append(self._rows[name].name)
            except ValidationError as error:
                self._problems[name] = f"无法新建单位“{name}”：{error.message}"

    def problem(self, name: str) -> str | None:
        name = _spaced(name)
        if name in self._problems:
            return self._problems[name]
        row = self._rows[name]
        return None if row.active else f"“{row.name}”已停用，不能再分配任务；请改填其他单位"

    def canonical(self, name: str) -> str:
        return self._rows[_spaced(name)].name

    def _suggestion(self, name: str) -> str:
        known = {}
        for row in self._session.exec(select(Department).where(Department.active)):
            known[row.name] = row.name
            if row.short_name:
                known.setdefault(row.short_name, row.name)
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
        return f"（是否指“{known[close[0]]}”？）" if close else ""
