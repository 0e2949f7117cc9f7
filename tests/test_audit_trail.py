"""The audit trail as an auditor checks it: every service mutation leaves its row, tampering with the rows in the
database file is detected (by ``verify_chain`` and by ``zzdesk audit verify``), the triggers refuse changes through
the program's own connection, and the filters, paging and CSV export return what they should."""

import ast
import csv
import dataclasses
import json
import os
import re
import sqlite3
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

import zzdesk.services as services_package
from conftest import SEED_PLAN, TODAY, make_context
from zzdesk.cli import main
from zzdesk.domain.audit_actions import ACTION_LABELS, FIELD_LABELS, action_label
from zzdesk.domain.audit_chain import ChainedRow, row_hash
from zzdesk.domain.dates import Deadline
from zzdesk.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import DepartmentKind, ReportKind, Status
from zzdesk.services import (
    accounts,
    assignments,
    audit_log,
    authorization,
    backups,
    closing,
    demo,
    departments,
    exchange_export,
    extensions,
    form_import,
    ledger_import,
    maintenance,
    office_settings,
    plan,
    report_archive,
    reports,
    updates,
    work_items,
)
from zzdesk.services.audit_log import AuditFilter, AuditView
from zzdesk.services.context import ServiceContext
from zzdesk.store.database import Database, open_database
from zzdesk.store.engine import is_sqlite, resolve_target
from zzdesk.store.tables import AuditEntry, AuditHead, Department, UserAccount

PASSWORD = "Audit-审计-2025-strong!"
NEW_PASSWORD = "Changed-审计-2026-strong!"
ADMIN = "管理员甲"


# --- which services mutate -------------------------------------------------------------------------------------
def mutating_services(folder: Path = Path(services_package.__file__).parent) -> set[str]:
    """``module.function`` for every public service function that opens ``write_session(`` — itself, through a
    function of its own module, or through another service module's function that does (``accounts.add_user``).
    ``authorization`` only writes when it refuses, so calling it does not make a service mutating."""
    modules = {path.stem: {node.name: node for node in ast.parse(path.read_text(encoding="utf-8")).body
                           if isinstance(node, ast.FunctionDef)} for path in sorted(folder.glob("*.py"))}

    def callees(module: str, node: ast.FunctionDef) -> Iterator[tuple[str, str]]:
        for call in ast.walk(node):
            if not isinstance(call, ast.Call):
                continue
            if isinstance(call.func, ast.Name):
                if call.func.id == "write_session":
                    yield ("", "write_session")
                elif call.func.id in modules[module]:
                    yield (module, call.func.id)
            elif (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
                  and call.func.value.id in modules and call.func.value.id != "authorization"
                  and call.func.attr in modules[call.func.value.id]):
                yield (call.func.value.id, call.func.attr)

    graph = {(m, f): set(callees(m, node)) for m, functions in modules.items() for f, node in functions.items()}
    writing: set[tuple[str, str]] = set()
    grew = True
    while grew:  # a fixed point, so helpers calling helpers are followed to any depth
        before = len(writing)
        writing |= {key for key, called in graph.items()
                    if ("", "write_session") in called or called & writing}
        grew = len(writing) != before
    return {f"{module}.{name}" for module, name in writing if not name.startswith("_")}


def test_enumeration_follows_helpers(tmp_path: Path):
    (tmp_path / "alpha.py").write_text(
        "def read(ctx):\n    return 1\n"
        "def direct(ctx):\n    with write_session(ctx.engine) as s:\n        pass\n"
        "def _helper(ctx):\n    with write_session(ctx.engine) as s:\n        pass\n"
        "def via_helper(ctx):\n    _helper(ctx)\n", encoding="utf-8")
    (tmp_path / "beta.py").write_text("def across(ctx):\n    alpha.direct(ctx)\n", encoding="utf-8")
    assert mutating_services(tmp_path) == {"alpha.direct", "alpha.via_helper", "beta.across"}


# --- one recipe per mutating service ---------------------------------------------------------------------------
@dataclass
class Step:
    """How to call one service with valid input, and what the trail must show afterwards."""

    call: Callable[[], Any]
    actions: tuple[str, ...] = ()  # the new rows' actions in order (when ``check`` is not given)
    ctx: ServiceContext | None = None  # the database to watch, when not the test's
    check: Callable[[list[AuditView], Any], None] | None = None
    actor: str | None = None  # who the rows name, when not ctx.actor
    outcome: str = "ok"


Recipe = Callable[[ServiceContext, Path], Step]
RECIPES: dict[str, Recipe] = {}


def recipe(name: str) -> Callable[[Recipe], Recipe]:
    def register(function: Recipe) -> Recipe:
        RECIPES[name] = function
        return function
    return register


def as_person(ctx: ServiceContext, name: str, role: Role, department: str | None = None) -> ServiceContext:
    department_id = None
    if department is not None:
        department_id = next(d.id for d in departments.list_departments(ctx) if d.name == department)
    return dataclasses.replace(ctx, actor=name, user=CurrentUser(name, role, department_id, department))


def _assigned(ctx: ServiceContext, code: str = "1.1", deadline: date = date(2026, 6, 30)) -> None:
    assignments.assign(ctx, code, assignments.AssignmentChange(lead="市财政局", deadline=Deadline(deadline)))


def _finished(ctx: ServiceContext, code: str = "1.1") -> None:
    _assigned(ctx, code)
    view = updates.log_update(ctx, code, updates.UpdateInput(status=Status.COMPLETED, progress=100, text="全部完成"))
    updates.review_update(ctx, view.id, accept=True)


@recipe("assignments.assign")
def _assign(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: assignments.assign(ctx, "1.1", assignments.AssignmentChange(lead="市财政局")),
                ("task.assign",))


@recipe("audit_log.export_audit")
def _export(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: audit_log.export_audit(ctx, None, tmp / "审计.csv"), ("audit.export",))


@recipe("authorization.record_denial")
def _denial(ctx: ServiceContext, tmp: Path) -> Step:
    leader = as_person(ctx, "王领导", Role.LEADER)
    return Step(lambda: authorization.record_denial(leader, Action.ASSIGN, "1.1", "领导账号只能查看"),
                ("permission.denied",), actor="王领导", outcome="denied")


@recipe("authorization.authorize")
def _refused(ctx: ServiceContext, tmp: Path) -> Step:
    leader = as_person(ctx, "王领导", Role.LEADER)

    def attempt() -> None:
        with pytest.raises(PermissionDeniedError):
            authorization.authorize(leader, Action.ASSIGN, code="1.1")

    return Step(attempt, ("permission.denied",), actor="王领导", outcome="denied")


def _sqlite_office(ctx: ServiceContext, tmp: Path) -> ServiceContext:
    """Backups and restores are of an SQLite file (a server's are pg_dump's job): on PostgreSQL, a file beside it."""
    if is_sqlite(ctx.engine):
        return ctx
    office = make_context(open_database(resolve_target(str(tmp / "本机.sqlite3"))))
    plan.init_database(office)
    return office


@recipe("maintenance.backup")
def _backup(ctx: ServiceContext, tmp: Path) -> Step:
    office = _sqlite_office(ctx, tmp)
    return Step(lambda: maintenance.backup(office, tmp / "备份.sqlite3"), ("database.backup",), ctx=office)


@recipe("backups.restore")
def _restore(ctx: ServiceContext, tmp: Path) -> Step:
    """Restored into another file, whose trail is the backup's plus the restore's own row."""
    ctx = _sqlite_office(ctx, tmp)
    source = maintenance.backup(ctx, tmp / "备份.sqlite3")
    with sqlite3.connect(source) as connection:
        copied = connection.execute("SELECT last_id FROM audit_head").fetchone()[0]
    target = resolve_target(str(tmp / "恢复.sqlite3"))

    def call() -> tuple[list[AuditView], bool]:
        backups.restore(target, source, ADMIN, ctx.now())
        restored = make_context(open_database(target))
        try:
            return _rows_after(restored, copied), audit_log.verify_chain(restored).ok
        finally:
            restored.database.close()

    def check(rows: list[AuditView], result: Any) -> None:
        restored_rows, chain_ok = result
        assert rows == []  # nothing written into the database the backup came from
        assert [(r.action, r.actor) for r in restored_rows] == [("database.restore", ADMIN)]
        assert chain_ok

    return Step(call, check=check)


@recipe("closing.close_task")
def _close(ctx: ServiceContext, tmp: Path) -> Step:
    _finished(ctx)
    return Step(lambda: closing.close_task(ctx, "1.1", "已完成全部工作"), ("task.close",))


@recipe("closing.reopen_task")
def _reopen(ctx: ServiceContext, tmp: Path) -> Step:
    _finished(ctx)
    closing.close_task(ctx, "1.1")
    return Step(lambda: closing.reopen_task(ctx, "1.1", "仍有收尾工作"), ("task.reopen",))


@recipe("demo.create_demo_accounts")
def _demo_accounts(ctx: ServiceContext, tmp: Path) -> Step:
    def check(rows: list[AuditView], created: Any) -> None:
        assert created > 0
        assert [r.action for r in rows] == ["user.add"] * created

    return Step(lambda: demo.create_demo_accounts(ctx), check=check)


@recipe("demo.populate_demo")
def _demo(ctx: ServiceContext, tmp: Path) -> Step:
    def check(rows: list[AuditView], written: Any) -> None:
        actions = [r.action for r in rows]
        assert set(actions) <= {"task.assign", "work_item.add", "update.submit", "update.review"}
        assert actions.count("update.submit") == written
        assert actions.count("task.assign") >= 33  # every measure is assigned

    return Step(lambda: demo.populate_demo(ctx), check=check)


@recipe("departments.add_department")
def _add_department(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: departments.add_department(ctx, "市审计局测试处"), ("department.add",))


@recipe("departments.rename_department")
def _rename_department(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: departments.rename_department(ctx, "市财政局", "市财政局（新）"), ("department.rename",))


@recipe("departments.set_active")
def _deactivate_department(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: departments.set_active(ctx, "市财政局", False), ("department.deactivate",))


@recipe("departments.set_contact")
def _contact(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: departments.set_contact(ctx, "市财政局", "王芳 0371-67180000"), ("department.contact",))


@recipe("departments.set_kind")
def _kind(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: departments.set_kind(ctx, "市财政局", DepartmentKind.OTHER), ("department.kind",))


@recipe("extensions.request_extension")
def _request_extension(ctx: ServiceContext, tmp: Path) -> Step:
    _assigned(ctx)
    return Step(lambda: extensions.request_extension(ctx, "1.1", date(2026, 12, 31), "项目审批延迟"),
                ("extension.request",))


@recipe("extensions.decide_extension")
def _decide_extension(ctx: ServiceContext, tmp: Path) -> Step:
    _assigned(ctx)
    request = extensions.request_extension(ctx, "1.1", date(2026, 12, 31), "项目审批延迟")
    return Step(lambda: extensions.decide_extension(ctx, request.id, approve=True), ("extension.approve",))


@recipe("office_settings.set_value")
def _setting(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: office_settings.set_value(ctx, "light.behind_points", 15), ("setting.set",))


@recipe("office_settings.set_values")
def _settings(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: office_settings.set_values(ctx, {"light.behind_points": 15, "light.due_soon_days": 20}),
                ("setting.set", "setting.set"))


@recipe("plan.import_plan")
def _import_plan(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: plan.import_plan(ctx, SEED_PLAN), ("plan.load",))


@recipe("plan.init_database")
def _init_database(ctx: ServiceContext, tmp: Path) -> Step:
    fresh = make_context(open_database(resolve_target(str(tmp / "fresh.sqlite3"))))
    return Step(lambda: plan.init_database(fresh), ("department.seed", "plan.load"), ctx=fresh)


@recipe("report_archive.record")
def _record_report(ctx: ServiceContext, tmp: Path) -> Step:
    department_id = next(d.id for d in departments.list_departments(ctx) if d.name == "市财政局")
    report = report_archive.GeneratedReport(kind=ReportKind.URGE, file_name=str(tmp / "催办.pdf"), sha256="0" * 64,
                                            size_bytes=1000, pages=1, as_of=TODAY, department_id=department_id,
                                            items=("1.1",))
    return Step(lambda: report_archive.record(ctx, report), ("reminder.sent",))


@recipe("reports.generate_report")
def _generate_report(ctx: ServiceContext, tmp: Path) -> Step:
    _assigned(ctx)
    request = reports.ReportRequest(kind=ReportKind.DEPARTMENT, department="市财政局")
    return Step(lambda: reports.generate_report(ctx, request, tmp / "督办单.pdf"), ("report.generated",))


@recipe("updates.log_update")
def _log_update(ctx: ServiceContext, tmp: Path) -> Step:
    update = updates.UpdateInput(status=Status.ON_TRACK, progress=40, text="推进中")
    return Step(lambda: updates.log_update(ctx, "1.1", update), ("update.submit",))


@recipe("updates.log_update_with_attachments")
def _log_update_with_files(ctx: ServiceContext, tmp: Path) -> Step:
    evidence = tmp / "佐证.txt"
    evidence.write_text("会议纪要", encoding="utf-8")
    update = updates.UpdateInput(status=Status.ON_TRACK, progress=40, text="推进中")
    return Step(lambda: updates.log_update_with_attachments(ctx, "1.1", update, [evidence]),
                ("update.submit", "update.attach"))


@recipe("updates.review_update")
def _review(ctx: ServiceContext, tmp: Path) -> Step:
    view = updates.log_update(ctx, "1.1", updates.UpdateInput(status=Status.ON_TRACK, progress=40, text="推进中"))
    return Step(lambda: updates.review_update(ctx, view.id, accept=False, note="请补充数据"), ("update.review",))


@recipe("updates.edit_update")
def _edit_update(ctx: ServiceContext, tmp: Path) -> Step:
    view = updates.log_update(ctx, "1.1", updates.UpdateInput(status=Status.ON_TRACK, progress=40, text="推进中"))
    corrected = updates.UpdateInput(status=Status.ON_TRACK, progress=45, text="推进中，已完成方案编制")

    def check(rows: list[AuditView], result: Any) -> None:
        assert [(r.action, r.actor) for r in rows] == [("update.edit", ctx.actor)]
        assert {(c.field, c.old, c.new) for c in rows[0].changes} == {
            ("progress", 40, 45), ("text", "推进中", "推进中，已完成方案编制")}

    return Step(lambda: updates.edit_update(ctx, view.id, corrected), check=check)


@recipe("work_items.accept_suggestions")
def _accept_suggestions(ctx: ServiceContext, tmp: Path) -> Step:
    assert len(plan.suggested_work_items(ctx, "2.4")) >= 2
    return Step(lambda: work_items.accept_suggestions(ctx, "2.4", [1, 2]), ("work_item.add", "work_item.add"))


@recipe("work_items.add_work_item")
def _add_item(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: work_items.add_work_item(ctx, "1.1", "编制专项方案"), ("work_item.add",))


@recipe("work_items.remove_work_item")
def _remove_item(ctx: ServiceContext, tmp: Path) -> Step:
    code = work_items.add_work_item(ctx, "1.1", "编制专项方案")
    return Step(lambda: work_items.remove_work_item(ctx, code), ("work_item.remove",))


@recipe("work_items.rename_work_item")
def _rename_item(ctx: ServiceContext, tmp: Path) -> Step:
    code = work_items.add_work_item(ctx, "1.1", "编制专项方案")
    return Step(lambda: work_items.rename_work_item(ctx, code, "编制并印发专项方案"), ("work_item.rename",))


@recipe("accounts.create_first_admin")
def _first_admin(ctx: ServiceContext, tmp: Path) -> Step:
    return Step(lambda: accounts.create_first_admin(ctx, ADMIN, PASSWORD), ("user.add",))


def _with_accounts(ctx: ServiceContext) -> ServiceContext:
    """A first administrator and a clerk; returns the administrator's context."""
    accounts.create_first_admin(ctx, ADMIN, PASSWORD)
    admin = as_person(ctx, ADMIN, Role.ADMIN)
    accounts.add_user(admin, "督查员乙", Role.CLERK, password=PASSWORD)
    return admin


@recipe("accounts.add_user")
def _add_user(ctx: ServiceContext, tmp: Path) -> Step:
    accounts.create_first_admin(ctx, ADMIN, PASSWORD)
    admin = as_person(ctx, ADMIN, Role.ADMIN)
    return Step(lambda: accounts.add_user(admin, "联络员丙", Role.LIAISON, password=PASSWORD, department="市财政局"),
                ("user.add",), actor=ADMIN)


@recipe("accounts.authenticate")
def _login(ctx: ServiceContext, tmp: Path) -> Step:
    _with_accounts(ctx)
    return Step(lambda: accounts.authenticate(ctx, "督查员乙", PASSWORD), ("user.login",), actor="督查员乙")


@recipe("accounts.change_password")
def _change_password(ctx: ServiceContext, tmp: Path) -> Step:
    _with_accounts(ctx)
    clerk = as_person(ctx, "督查员乙", Role.CLERK)
    return Step(lambda: accounts.change_password(clerk, "督查员乙", PASSWORD, NEW_PASSWORD), ("user.password",),
                actor="督查员乙")


@recipe("accounts.reset_password")
def _reset_password(ctx: ServiceContext, tmp: Path) -> Step:
    admin = _with_accounts(ctx)
    return Step(lambda: accounts.reset_password(admin, "督查员乙", NEW_PASSWORD), ("user.reset",), actor=ADMIN)


@recipe("accounts.set_active")
def _deactivate_user(ctx: ServiceContext, tmp: Path) -> Step:
    admin = _with_accounts(ctx)
    return Step(lambda: accounts.set_active(admin, "督查员乙", False), ("user.deactivate",), actor=ADMIN)


def _ledger_csv(tmp: Path) -> Path:
    """A 任务分解表 giving 1.1 a lead and 1.2 a lead not yet in the directory."""
    path = tmp / "任务分解表.csv"
    path.write_text("编号,牵头单位\r\n1.1,市财政局\r\n1.2,市数据局\r\n", encoding="utf-8-sig")
    return path


@recipe("ledger_import.preview_ledger")
def _preview_ledger(ctx: ServiceContext, tmp: Path) -> Step:
    """A preview runs the import in a transaction it rolls back: no audit row at all."""
    def check(rows: list[AuditView], preview: Any) -> None:
        assert rows == []
        assert len(preview.to_write) == 2

    return Step(lambda: ledger_import.preview_ledger(ctx, _ledger_csv(tmp), create_departments=True), check=check)


@recipe("ledger_import.apply_ledger")
def _apply_ledger(ctx: ServiceContext, tmp: Path) -> Step:
    path = _ledger_csv(tmp)
    sha256 = ledger_import.preview_ledger(ctx, path).sha256
    return Step(lambda: ledger_import.apply_ledger(ctx, path, sha256, create_departments=True),
                ("department.add", "task.assign", "task.assign", "import.ledger"))


@recipe("form_import.apply_form")
def _apply_form(ctx: ServiceContext, tmp: Path) -> Step:
    """市财政局's 报送表 with 1.1 reported: one update, then the import's own row."""
    assignments.assign(ctx, "1.1", assignments.AssignmentChange(lead="市财政局"))
    path = tmp / "报送表.xlsx"
    exchange_export.export_form(ctx, "市财政局", path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["进展报送"]
    for column, value in ((6, "正常推进"), (7, 30), (8, "已印发工作方案。")):  # 状态, 进度（%）, 进展情况 of 1.1
        sheet.cell(4, column).value = value
    workbook.save(path)
    sha256 = form_import.preview_form(ctx, path).sha256
    return Step(lambda: form_import.apply_form(ctx, path, sha256), ("update.submit", "import.form"))


def test_every_mutating_service_has_a_recipe():
    """A new service that opens a write transaction must be added to RECIPES, and so to this audit check."""
    found = mutating_services()
    missing, stale = sorted(found - set(RECIPES)), sorted(set(RECIPES) - found)
    assert not missing, f"mutating services without an audit check in RECIPES: {missing}"
    assert not stale, f"RECIPES names services that no longer write (or no longer exist): {stale}"


def _last_id(ctx: ServiceContext) -> int:
    with Session(ctx.engine) as session:
        head = session.get(AuditHead, 1)
        return head.last_id if head is not None else 0


def _rows_after(ctx: ServiceContext, last_id: int) -> list[AuditView]:
    rows = audit_log.audit_entries(ctx, limit=audit_log.MAX_PAGE)
    return sorted((r for r in rows if r.id > last_id), key=lambda r: r.id)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_mutation_writes_its_audit_row(name: str, ctx: ServiceContext, tmp_path: Path):
    step = RECIPES[name](ctx, tmp_path)
    watched = step.ctx or ctx
    try:
        before = _last_id(watched)
        result = step.call()
        rows = _rows_after(watched, before)
        if step.check is not None:
            step.check(rows, result)
        else:
            assert [r.action for r in rows] == list(step.actions), [r.action for r in rows]
            assert {r.actor for r in rows} == {step.actor or watched.actor}
            assert {r.outcome for r in rows} == {step.outcome}
        assert all(r.action in ACTION_LABELS for r in rows), "every action has a Chinese label"
        unlabelled = {c.field for r in rows for c in r.changes} - set(FIELD_LABELS)
        assert not unlabelled, f"fields without a Chinese label in domain/audit_actions.py: {unlabelled}"
        assert all(r.at == watched.now() for r in rows)
        assert audit_log.verify_chain(watched).ok
    finally:
        if step.ctx is not None:
            step.ctx.database.close()


def _record_actions(folder: Path) -> set[str]:
    """The action names written by ``audit.record(...)`` calls, read from the source: literal strings, module
    constants, and names assigned a literal (or one of two literals) in the same function."""
    found: set[str] = set()
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    pairs = (zip(target.elts, node.value.elts, strict=False)
                             if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                             else [(target, node.value)])
                    for name, value in pairs:
                        if isinstance(name, ast.Name):
                            constants.setdefault(name.id, set()).update(_literals(value))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"):
                continue
            # audit.record(session, ctx, ACTION, ...) and audit.Entry(ACTION, ...) (rows appended in a batch)
            position = {"record": 2, "Entry": 0}.get(node.func.attr)
            if position is not None and len(node.args) > position:
                argument = node.args[position]
                found |= _literals(argument) or constants.get(getattr(argument, "id", ""), set())
    return found


def _literals(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    return set()


def test_every_recorded_action_has_a_chinese_label():
    actions = _record_actions(Path(services_package.__file__).parent)
    assert {"task.assign", "update.submit", "department.rename", "reminder.sent", "report.generated"} <= actions
    assert sorted(a for a in actions if a not in ACTION_LABELS) == []
    assert action_label("some.future_action") == "some.future_action"  # unknown ones read as they are


# --- tampering -------------------------------------------------------------------------------------------------
def tamper(db_path: Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """What someone with the database file could do: drop the triggers, change rows, put the triggers back."""
    connection = sqlite3.connect(db_path)
    try:
        triggers = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                      "AND tbl_name = 'audit_entry'").fetchall()
        assert len(triggers) == 2
        for name, _ in triggers:
            connection.execute(f"DROP TRIGGER {name}")
        for sql, params in statements:
            connection.execute(sql, params)
        for _, sql in triggers:
            connection.execute(sql)
        connection.commit()
    finally:
        connection.close()


@pytest.fixture
def trail(ctx: ServiceContext) -> ServiceContext:
    """A few days of ordinary work: assignments, updates, reviews, a department's contact."""
    for day, code in ((18, "1.1"), (19, "1.2"), (20, "1.3")):
        on = make_context(ctx.database, date(2025, 11, day))
        _assigned(on, code)
        view = updates.log_update(on, code, updates.UpdateInput(status=Status.ON_TRACK, progress=30, text="推进中"))
        updates.review_update(on, view.id, accept=True)
    departments.set_contact(ctx, "市财政局", "王芳")
    assert audit_log.verify_chain(ctx).ok
    return ctx


def _verify_cli(db_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", str(db_path), "audit", "verify"])
    out, err = capsys.readouterr()
    return code, out, err


def _broken(ctx: ServiceContext, db_path: Path, capsys: pytest.CaptureFixture[str], row: int, *words: str) -> None:
    result = audit_log.verify_chain(ctx)
    assert not result.ok
    assert result.broken is not None and result.broken.id == row, result.message
    assert f"第 {row} 条" in result.message
    for word in words:
        assert word in result.message, result.message
    code, out, err = _verify_cli(db_path, capsys)
    assert code == 1
    assert f"第 {row} 条" in err and "校验通过" not in out + err


def test_untouched_trail_verifies_on_the_command_line(trail: ServiceContext, db_path: Path,
                                                      capsys: pytest.CaptureFixture[str]):
    count = _last_id(trail)
    code, out, err = _verify_cli(db_path, capsys)
    assert (code, err) == (0, "")
    assert out.strip() == f"审计记录完整：共 {count} 条，校验通过"


def test_edited_row_is_named(trail: ServiceContext, db_path: Path, capsys: pytest.CaptureFixture[str]):
    with Session(trail.engine) as session:
        reported = session.get(AuditEntry, 4)
    assert (reported.action, json.loads(reported.changes)["progress"]) == ("update.submit", [None, 30])
    tamper(db_path, ("UPDATE audit_entry SET changes = replace(changes, '30', '90') WHERE id = 4", ()))
    _broken(trail, db_path, capsys, 4, "修改")


def test_edited_actor_with_its_hash_recomputed_breaks_the_next_link(trail: ServiceContext, db_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]):
    """Knowing the hash formula does not help: the next row still points at the old hash."""
    with Session(trail.engine) as session:
        row = session.get(AuditEntry, 4)
    forged = ChainedRow(id=4, at=row.at, actor="别人", action=row.action, entity=row.entity,
                        entity_key=row.entity_key, changes=row.changes, outcome=row.outcome, prev_hash=row.prev_hash)
    tamper(db_path, ("UPDATE audit_entry SET actor = ?, row_hash = ? WHERE id = 4", ("别人", row_hash(forged))))
    _broken(trail, db_path, capsys, 5, "接不上")


def test_deleted_middle_row_is_named(trail: ServiceContext, db_path: Path, capsys: pytest.CaptureFixture[str]):
    tamper(db_path, ("DELETE FROM audit_entry WHERE id = 6", ()))
    _broken(trail, db_path, capsys, 7, "删除")


def test_deleted_newest_rows_are_named(trail: ServiceContext, db_path: Path, capsys: pytest.CaptureFixture[str]):
    last = _last_id(trail)
    tamper(db_path, ("DELETE FROM audit_entry WHERE id = ?", (last,)))
    _broken(trail, db_path, capsys, last, "删除")
    tamper(db_path, ("DELETE FROM audit_entry WHERE id = ?", (last - 1,)))
    _broken(trail, db_path, capsys, last - 1, "删除")


def test_swapped_rows_are_named(trail: ServiceContext, db_path: Path, capsys: pytest.CaptureFixture[str]):
    columns = "at, actor, action, entity, entity_key, changes, outcome, prev_hash, row_hash"
    with sqlite3.connect(db_path) as connection:
        first, second = (connection.execute(f"SELECT {columns} FROM audit_entry WHERE id = ?", (i,)).fetchone()
                         for i in (8, 9))
    assignment = ", ".join(f"{c.strip()} = ?" for c in columns.split(","))
    tamper(db_path, (f"UPDATE audit_entry SET {assignment} WHERE id = 8", second),
           (f"UPDATE audit_entry SET {assignment} WHERE id = 9", first))
    _broken(trail, db_path, capsys, 8)


def test_row_appended_outside_the_program_is_named(trail: ServiceContext, db_path: Path,
                                                   capsys: pytest.CaptureFixture[str]):
    last = _last_id(trail)
    with Session(trail.engine) as session:
        tail = session.get(AuditEntry, last)
    forged = ChainedRow(id=last + 1, at=tail.at, actor="某人", action="task.assign", entity="task", entity_key="1.1",
                        changes="{}", outcome="ok", prev_hash=tail.row_hash)
    tamper(db_path, ("INSERT INTO audit_entry (id, at, actor, action, entity, entity_key, changes, outcome, "
                     "prev_hash, row_hash) SELECT ?, at, ?, ?, ?, ?, ?, ?, ?, ? FROM audit_entry WHERE id = ?",
                     (last + 1, "某人", "task.assign", "task", "1.1", "{}", "ok", tail.row_hash, row_hash(forged),
                      last)))
    _broken(trail, db_path, capsys, last + 1, "不是由本程序写入")


def test_chain_is_checked_across_batches(trail: ServiceContext, db_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(audit_log, "BATCH", 3)
    assert audit_log.verify_chain(trail).count == _last_id(trail)
    tamper(db_path, ("DELETE FROM audit_entry WHERE id = 6", ()))  # the first row of the second batch
    _broken(trail, db_path, capsys, 7, "删除")


def test_triggers_refuse_update_and_delete_through_the_program(trail: ServiceContext):
    for statement in ("UPDATE audit_entry SET actor = '别人' WHERE id = 2", "DELETE FROM audit_entry WHERE id = 2",
                      "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"), trail.engine.begin() as connection:
            connection.execute(text(statement))
    with pytest.raises(DBAPIError, match="append-only"), Session(trail.engine) as session:
        session.delete(session.get(AuditEntry, 3))
        session.commit()
    assert audit_log.verify_chain(trail).ok


def _insert_chain(db_path: Path, count: int) -> None:
    """``count`` chained rows appended straight into the file (as years of use would leave them)."""
    with sqlite3.connect(db_path) as connection:
        last_id, previous = connection.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
        at = datetime(2025, 1, 1, tzinfo=UTC)
        rows = []
        for row_id in range(last_id + 1, last_id + count + 1):
            row = ChainedRow(id=row_id, at=at, actor="测试员", action="update.submit", entity="status_update",
                             entity_key=f"1.1@2025-01#{row_id}", changes='{"progress":[null,50]}', outcome="ok",
                             prev_hash=previous)
            previous = row_hash(row)
            rows.append((row_id, at.strftime("%Y-%m-%d %H:%M:%S.%f"), row.actor, row.action, row.entity,
                         row.entity_key, row.changes, row.outcome, row.prev_hash, previous))
        connection.executemany("INSERT INTO audit_entry (id, at, actor, action, entity, entity_key, changes, "
                               "outcome, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        connection.execute("UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1",
                           (last_id + count, previous))


def test_long_trail_is_checked_in_modest_memory(ctx: ServiceContext, db_path: Path,
                                                monkeypatch: pytest.MonkeyPatch):
    """20,000 rows read 1,000 at a time: the peak stays far below what holding them all would take (~20 MB)."""
    _insert_chain(db_path, 20_000)
    monkeypatch.setattr(audit_log, "BATCH", 1000)
    tracemalloc.start()
    try:
        result = audit_log.verify_chain(ctx)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok and result.count == _last_id(ctx) > 20_000
    assert peak < 6 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert [r.id for r in audit_log.audit_entries(ctx, limit=3, offset=10_000)] == [
        result.count - 10_000 - i for i in range(3)]


# --- filters, paging, export -----------------------------------------------------------------------------------
def _ids(ctx: ServiceContext, **conditions: Any) -> list[int]:
    return [r.id for r in audit_log.audit_entries(ctx, AuditFilter(**conditions), limit=1000)]


def _where(ctx: ServiceContext, keep: Callable[[AuditView], bool]) -> list[int]:
    return [r.id for r in audit_log.audit_entries(ctx, limit=1000) if keep(r)]


def test_user_action_and_item_filters(trail: ServiceContext):
    li = dataclasses.replace(trail, actor="李四")
    work_items.add_work_item(li, "1.1", "编制专项方案")
    for number in range(2, 11):
        work_items.add_work_item(trail, "1.1", f"事项{number}")
    updates.log_update(li, "1.1.1", updates.UpdateInput(status=Status.ON_TRACK, progress=10, text="起步"))

    assert _ids(trail, user="李四") == _where(trail, lambda r: r.actor == "李四") != []
    assert _ids(trail, action="分工") == _ids(trail, action="task.assign") == _where(
        trail, lambda r: r.action == "task.assign") != []
    assert _ids(trail, item="1.1") == _where(trail, lambda r: r.key == "1.1" or r.key.startswith(("1.1.", "1.1@")))
    assert _ids(trail, item="1.1.1") == _where(trail, lambda r: r.key in ("1.1.1",) or r.key.startswith("1.1.1@"))
    assert len(_ids(trail, item="1.1.1")) == 2  # added, then reported on; 1.1.10 is another item
    assert _ids(trail, item="１.１", user="李四") == _where(trail, lambda r: r.actor == "李四")
    with pytest.raises(ValidationError, match="编号"):
        audit_log.audit_entries(trail, AuditFilter(item="一点一"))


def test_date_range_is_whole_local_days(trail: ServiceContext):
    days = {r.id: r.at.date() for r in audit_log.audit_entries(trail, limit=1000)}
    assert _ids(trail, since=date(2025, 11, 19), until=date(2025, 11, 19), zone=UTC) == [
        i for i, d in sorted(days.items(), reverse=True) if d == date(2025, 11, 19)] != []
    assert _ids(trail, since=date(2025, 11, 20), zone=UTC) == [
        i for i, d in sorted(days.items(), reverse=True) if d >= date(2025, 11, 20)]
    # 09:00 UTC on the 19th is 17:00 in Beijing: still the 19th there; at UTC-10 it is 23:00 on the 18th.
    beijing, hawaii = timezone(timedelta(hours=8)), timezone(timedelta(hours=-10))
    assert _ids(trail, since=date(2025, 11, 19), until=date(2025, 11, 19), zone=beijing) == _ids(
        trail, since=date(2025, 11, 19), until=date(2025, 11, 19), zone=UTC)
    assert _ids(trail, since=date(2025, 11, 18), until=date(2025, 11, 18), zone=hawaii) == _ids(
        trail, since=date(2025, 11, 19), until=date(2025, 11, 19), zone=UTC)
    with pytest.raises(ValidationError, match="早于"):
        audit_log.audit_entries(trail, AuditFilter(since=date(2025, 11, 20), until=date(2025, 11, 19)))


def test_department_filter_follows_its_tasks_names_reports_and_accounts(trail: ServiceContext, tmp_path: Path):
    """市财政局 leads 1.1–1.3 in the trail fixture; 1.4 goes to another department."""
    assignments.assign(trail, "1.4", assignments.AssignmentChange(lead="市发展改革委"))
    departments.set_contact(trail, "市发展改革委", "张三")
    _record_report(trail, tmp_path).call()
    departments.rename_department(trail, "市财政局", "市财政局（更名）")
    with Session(trail.engine) as session, session.begin():
        finance = session.exec(select(Department).where(Department.name == "市财政局（更名）")).one()
        session.add(UserAccount(name="财政联络员", role=Role.LIAISON.value, department_id=finance.id,
                                password_hash="x", created_at=trail.now(), password_changed_at=trail.now()))
    liaison = dataclasses.replace(trail, actor="财政联络员")
    office_settings.set_value(liaison, "light.due_soon_days", 25)  # not about a task, but done by its liaison

    def about_finance(r: AuditView) -> bool:
        code = r.key.split("@")[0].split("#")[0]
        return (code in ("1.1", "1.2", "1.3") or r.actor == "财政联络员" or r.action == "reminder.sent"
                or (r.entity == "department" and r.key in ("市财政局", "市财政局（更名）")))

    found = _ids(trail, department="市财政局（更名）")
    assert found == _where(trail, about_finance)
    actions = {r.action for r in audit_log.audit_entries(trail, limit=1000) if r.id in found}
    assert {"task.assign", "update.submit", "update.review", "department.contact", "department.rename",
            "reminder.sent", "setting.set"} <= actions
    assert not set(found) & set(_ids(trail, item="1.4"))
    assert _ids(trail, department="市发展改革委") == _where(
        trail, lambda r: r.key in ("1.4", "市发展改革委"))
    with pytest.raises(NotFoundError, match="不在单位名录"):
        audit_log.audit_entries(trail, AuditFilter(department="没有这个局"))


def test_pages_are_newest_first_without_gaps(trail: ServiceContext):
    total = audit_log.count_entries(trail)
    pages = [audit_log.audit_entries(trail, limit=4, offset=offset) for offset in range(0, total, 4)]
    ids = [r.id for page in pages for r in page]
    assert ids == list(range(total, 0, -1))
    assert audit_log.count_entries(trail, AuditFilter(user="测试员", action="update.review")) == 3
    with pytest.raises(ValidationError):
        audit_log.audit_entries(trail, limit=0)


def test_views_read_in_chinese(trail: ServiceContext):
    review = next(r for r in audit_log.audit_entries(trail, AuditFilter(action="update.review"), limit=1))
    assert review.action_label == "审核进展报送"
    assert review.changes_text == "审核：待审核 → 已采纳"  # the empty note, unchanged, is left out
    assert re.fullmatch(r"进展报送 1\.3（\d{4}-\d{2}，#\d+）", review.subject), review.subject
    assert review.outcome_label == "成功"
    assign = audit_log.audit_entries(trail, AuditFilter(action="task.assign", item="1.1"), limit=1)[0]
    assert assign.changes_text == "牵头单位：（空） → 市财政局；完成时限：（空） → 2026-06-30"
    assert set(FIELD_LABELS) >= {c.field for c in assign.changes}


def test_export_is_a_bom_csv_with_the_filtered_rows(trail: ServiceContext, tmp_path: Path):
    odd = dataclasses.replace(trail, actor="=HYPERLINK(\"x\")")
    departments.set_contact(odd, "市财政局", "-王芳")
    path = tmp_path / "审计日志.csv"
    wanted = audit_log.audit_entries(trail, AuditFilter(item="1.2"), limit=1000)
    assert audit_log.export_audit(trail, AuditFilter(item="1.2"), path) == len(wanted) > 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert rows[0] == list(audit_log.CSV_HEADER)
    assert [int(r[0]) for r in rows[1:]] == [v.id for v in wanted]
    assert rows[1][3] == wanted[0].action_label and rows[1][7] == wanted[0].changes_text
    latest = audit_log.audit_entries(trail, limit=1)[0]
    assert (latest.action, latest.changes[-1].new) == ("audit.export", len(wanted))

    everything = tmp_path / "全部.csv"
    audit_log.export_audit(trail, None, everything)
    cells = [row for row in csv.reader(everything.read_text(encoding="utf-8-sig").splitlines())]
    assert any(row[2] == "'=HYPERLINK(\"x\")" for row in cells)  # a spreadsheet shows it, never runs it
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in cells for cell in row)


def test_failed_export_leaves_no_file_and_no_row(trail: ServiceContext, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch):
    before = _last_id(trail)
    with pytest.raises(ValidationError, match="不存在"):
        audit_log.export_audit(trail, None, tmp_path / "没有的文件夹" / "a.csv")
    with pytest.raises(ValidationError, match=r"\.csv"):
        audit_log.export_audit(trail, None, tmp_path / "a.xlsx")

    def broken(view: AuditView, zone: Any) -> list[str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(audit_log, "_csv_row", broken)
    with pytest.raises(Exception, match="无法写入"):
        audit_log.export_audit(trail, None, tmp_path / "a.csv")
    assert not [name for name in os.listdir(tmp_path) if name.endswith((".csv", ".tmp"))]
    assert _last_id(trail) == before


def test_only_administrators_and_the_office_read_the_trail(trail: ServiceContext, tmp_path: Path):
    for role in (Role.ADMIN, Role.CLERK):
        assert audit_log.audit_entries(as_person(trail, "甲", role), limit=1)
        assert audit_log.verify_chain(as_person(trail, "甲", role)).ok
    for role, department in ((Role.LEADER, None), (Role.LIAISON, "市财政局")):
        person = as_person(trail, "乙", role, department)
        for attempt in (lambda p=person: audit_log.audit_entries(p), lambda p=person: audit_log.verify_chain(p)):
            with pytest.raises(PermissionDeniedError, match="无权查看审计日志"):
                attempt()
        before = _last_id(trail)
        with pytest.raises(PermissionDeniedError):
            audit_log.export_audit(person, None, tmp_path / "审计.csv")
        assert not (tmp_path / "审计.csv").exists()
        assert [(r.action, r.actor, r.outcome) for r in _rows_after(trail, before)] == [
            ("permission.denied", "乙", "denied")]


def test_cli_lists_filters_and_exports(trail: ServiceContext, db_path: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]):
    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--db", str(db_path), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("audit", "--item", "1.2", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["total"] == len(_ids(trail, item="1.2"))
    assert [e["id"] for e in shown["entries"]] == _ids(trail, item="1.2")
    assert {e["action_label"] for e in shown["entries"]} == {"分工", "报送进展", "审核进展报送"}
    code, out, _ = run("audit", "--dept", "财政局", "--since", "2025-11-19", "--until", "2025-11-19", "--limit", "2")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 3 and lines[0].startswith("#")
    assert "共 3 条" in lines[-1] and "--offset 2" in lines[-1]
    code, _, err = run("audit", "--since", "2025-13-01")
    assert code == 1 and err.startswith("错误：")
    out_file = tmp_path / "导出.csv"
    code, out, _ = run("audit", "export", "--out", str(out_file), "--user", "测试员")
    assert code == 0 and "已导出" in out and out_file.read_bytes().startswith(b"\xef\xbb\xbf")


# --- PostgreSQL ------------------------------------------------------------------------------------------------
ADMIN_URL = os.environ.get("ZZDESK_TEST_POSTGRES_URL", "")


@pytest.fixture
def pg_database() -> Iterator[Database]:
    name = f"zzdesk_audit_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = open_database(resolve_target(make_url(ADMIN_URL).set(database=name)
                                            .render_as_string(hide_password=False)))
    try:
        yield database
    finally:
        database.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.skipif(not ADMIN_URL, reason="no PostgreSQL server configured: set ZZDESK_TEST_POSTGRES_URL")
def test_postgresql_refuses_changes_and_detects_tampering(pg_database: Database):
    ctx = make_context(pg_database)
    plan.init_database(ctx)
    _assigned(ctx)
    updates.log_update(ctx, "1.1", updates.UpdateInput(status=Status.ON_TRACK, progress=30, text="推进中"))
    assert audit_log.verify_chain(ctx).ok
    for statement in ("UPDATE audit_entry SET actor = '别人' WHERE id = 2", "DELETE FROM audit_entry WHERE id = 2"):
        with pytest.raises(DBAPIError, match="append-only"), ctx.engine.begin() as connection:
            connection.execute(text(statement))
    last = audit_log.verify_chain(ctx).count
    with ctx.engine.begin() as connection:  # a database superuser can switch the trigger off
        connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        connection.execute(text(f"DELETE FROM audit_entry WHERE id = {last}"))
        connection.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"))
    assert audit_log.verify_chain(ctx).broken.id == last
    with ctx.engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        connection.execute(text("UPDATE audit_entry SET actor = '别人' WHERE id = 2"))
        connection.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"))
    assert audit_log.verify_chain(ctx).broken.id == 2

