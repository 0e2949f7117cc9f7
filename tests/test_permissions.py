"""The permission matrix: every mutating service × every role, checked against the one table of rules.

Each case runs on a fresh copy of the same small ledger (see ``_build_ledger``). An allowed call must succeed; a
refused one must raise ``PermissionDeniedError`` with a Chinese reason, change nothing (every table but the audit
trail compared before and after) and leave exactly one "denied" audit row naming the person. A further test fails
when a service that opens a write transaction is missing from the list, so a new mutation cannot slip past.
"""

import ast
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from conftest import SEED_PLAN, TODAY, make_context
from zzdesk.domain.dates import Deadline, Period
from zzdesk.domain.errors import PermissionDeniedError
from zzdesk.domain.permissions import (
    RULES,
    Action,
    TaskDepartments,
    allowed,
    allowed_actions,
    refusal,
    require,
    scope_of,
    visible_to,
)
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import Cycle, DepartmentKind, ReportKind, Status
from zzdesk.services import (
    accounts,
    audit_log,
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
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.attachments import attachments_dir
from zzdesk.services.context import ServiceContext
from zzdesk.services.report_archive import GeneratedReport
from zzdesk.services.updates import UpdateInput
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry, ExtensionRequest, StatusUpdate

SERVICES_DIR = Path(__file__).resolve().parents[1] / "zzdesk" / "services"
LEAD, CO, OTHER = "市发展改革委", "市财政局", "市教育局"
AUDIT_TABLES = {"audit_entry", "audit_head"}
PASSWORD = "Ledger#Passw0rd-2025"


# ------------------------------------------------------------------------------------------------ the people

def _people(ctx: ServiceContext) -> dict[str, CurrentUser | None]:
    ids = {d.name: d.id for d in departments.list_departments(ctx)}
    return {
        "程序": None,
        "系统管理员": CurrentUser("王管理", Role.ADMIN),
        "督查室": CurrentUser("李督查", Role.CLERK),
        "牵头单位联络员": CurrentUser("发改委联络员", Role.LIAISON, ids[LEAD], LEAD),
        "配合单位联络员": CurrentUser("财政局联络员", Role.LIAISON, ids[CO], CO),
        "无关单位联络员": CurrentUser("教育局联络员", Role.LIAISON, ids[OTHER], OTHER),
        "领导": CurrentUser("赵领导", Role.LEADER),
    }


PEOPLE = ("程序", "系统管理员", "督查室", "牵头单位联络员", "配合单位联络员", "无关单位联络员", "领导")


# ------------------------------------------------------------------------------------------------ the ledgers

def _build_ledger(ctx: ServiceContext) -> None:
    """2.1 led by 市发展改革委 with 市财政局 co-operating, an unassigned work item 2.1.1 under it and one update
    awaiting review; 2.2 overdue (something to urge) with an extension request pending; 2.3 finished and ready to
    close, 2.4 closed; an administrator and a liaison account."""
    def assign_to_lead(code: str, deadline: date, co: list[str] | None = None) -> None:
        assign(ctx, code, AssignmentChange(lead=LEAD, co=co, leader="张三（副市长）", start=date(2025, 1, 1),
                                           deadline=Deadline(deadline), cycle=Cycle.MONTHLY, due_day=10))

    def finished(code: str) -> None:
        done = updates.log_update(ctx, code, UpdateInput(status=Status.COMPLETED, progress=100, text="已全部完成。",
                                                         period=Period(2025, 10)))
        updates.review_update(ctx, done.id, accept=True)

    assign_to_lead("2.1", date(2026, 12, 31), co=[CO])
    work_items.add_work_item(ctx, "2.1", "编制年度重点项目清单")
    updates.log_update(ctx, "2.1", UpdateInput(status=Status.ON_TRACK, progress=30, text="已召开推进会。",
                                               period=Period(2025, 10)))
    assign_to_lead("2.2", date(2025, 10, 31))
    extensions.request_extension(ctx, "2.2", date(2026, 3, 31), "项目用地审批尚未完成。")
    for code in ("2.3", "2.4"):
        assign_to_lead(code, date(2025, 12, 31))
        finished(code)
    closing.close_task(ctx, "2.4")
    accounts.add_user(ctx, "首位管理员", Role.ADMIN, password=PASSWORD)
    accounts.add_user(ctx, "张联络", Role.LIAISON, password=PASSWORD, department=LEAD)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two closed database files to copy per case: the plan only, and the small ledger above."""
    folder = tmp_path_factory.mktemp("templates")
    paths = {"plain": folder / "plain.sqlite3", "ledger": folder / "ledger.sqlite3"}
    for name, path in paths.items():
        database = open_database(resolve_target(str(path)))
        ctx = make_context(database)
        plan.init_database(ctx)
        if name == "ledger":
            _build_ledger(ctx)
        database.close()
    return paths


@dataclass(frozen=True)
class Case:
    """One service call with valid input; ``about`` is the task whose departments decide a liaison's right."""

    name: str
    action: Action
    call: Callable[[ServiceContext, Path], object]
    template: str = "ledger"
    about: str | None = None


def _update_id(ctx: ServiceContext) -> int:
    """The update awaiting review."""
    with read_session(ctx.engine) as session:
        return session.exec(select(StatusUpdate.id).where(StatusUpdate.review_state == "submitted")).one()


def _extension_id(ctx: ServiceContext) -> int:
    with read_session(ctx.engine) as session:
        return session.exec(select(ExtensionRequest.id)).one()


def _returned_form(ctx: ServiceContext, folder: Path) -> tuple[Path, str]:
    """市发展改革委's 报送表 as mailed back (2.2 reported) and its SHA-256; kept outside the case's work folder."""
    path = folder.parent / "报送表.xlsx"
    exchange_export.export_form(replace(ctx, user=None), LEAD, path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["进展报送"]
    columns = {cell.value: cell.column for cell in sheet[3]}
    row = next(r for r in range(4, sheet.max_row + 1) if sheet.cell(r, columns["key_code"]).value == "2.2")
    for header, value in (("状态", "正常推进"), ("进度（%）", 60), ("进展情况", "项目用地已完成组卷报批。")):
        sheet.cell(row, columns[header]).value = value
    workbook.save(path)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _ledger_sheet(folder: Path) -> tuple[Path, str]:
    """A 任务分解表 giving 2.1 a new 责任领导, and its SHA-256; kept outside the case's work folder."""
    path = folder.parent / "任务分解表.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["编号", "责任领导"])
    workbook.active.append(["2.1", "李四（副市长）"])
    workbook.save(path)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _evidence(folder: Path) -> list[Path]:
    path = folder / "会议纪要.txt"
    path.write_text("推进会纪要", encoding="utf-8")
    return [path]


UPDATE = UpdateInput(status=Status.ON_TRACK, progress=45, text="完成项目清单编制。", period=Period(2025, 11))
UPDATE_CORRECTED = UpdateInput(status=Status.ON_TRACK, progress=35, text="已召开推进会，印发工作方案。")

CASES = (
    Case("assignments.assign", Action.ASSIGN, lambda c, t: assign(c, "2.1", AssignmentChange(leader="李四（副市长）"))),
    Case("work_items.add_work_item", Action.EDIT_WORK_ITEMS,
         lambda c, t: work_items.add_work_item(c, "2.1", "建立项目调度台账")),
    Case("work_items.accept_suggestions", Action.EDIT_WORK_ITEMS,
         lambda c, t: work_items.accept_suggestions(c, "2.1", [1])),
    Case("work_items.rename_work_item", Action.EDIT_WORK_ITEMS,
         lambda c, t: work_items.rename_work_item(c, "2.1.1", "编制并印发年度重点项目清单")),
    Case("work_items.remove_work_item", Action.EDIT_WORK_ITEMS, lambda c, t: work_items.remove_work_item(c, "2.1.1")),
    Case("updates.log_update", Action.LOG_UPDATE, lambda c, t: updates.log_update(c, "2.1", UPDATE), about="2.1"),
    Case("updates.log_update (未分工的具体任务)", Action.LOG_UPDATE,
         lambda c, t: updates.log_update(c, "2.1.1", UPDATE), about="2.1.1"),
    Case("updates.log_update_with_attachments", Action.LOG_UPDATE,
         lambda c, t: updates.log_update_with_attachments(c, "2.1", UPDATE, _evidence(t)), about="2.1"),
    Case("updates.edit_update", Action.EDIT_UPDATE,
         lambda c, t: updates.edit_update(c, _update_id(c), UPDATE_CORRECTED), about="2.1"),
    Case("updates.review_update", Action.REVIEW_UPDATE,
         lambda c, t: updates.review_update(c, _update_id(c), accept=True)),
    Case("departments.add_department", Action.MANAGE_DEPARTMENTS,
         lambda c, t: departments.add_department(c, "市数据局", short_name="数据局")),
    Case("departments.set_active", Action.MANAGE_DEPARTMENTS,
         lambda c, t: departments.set_active(c, "市民政局", False)),
    Case("departments.rename_department", Action.MANAGE_DEPARTMENTS,
         lambda c, t: departments.rename_department(c, "市民政局", "郑州市民政局")),
    Case("departments.set_contact", Action.MANAGE_DEPARTMENTS,
         lambda c, t: departments.set_contact(c, LEAD, "王芳 0371-67180000")),
    Case("departments.set_kind", Action.MANAGE_DEPARTMENTS,
         lambda c, t: departments.set_kind(c, "市民政局", DepartmentKind.DISTRICT)),
    Case("office_settings.set_values", Action.CHANGE_SETTINGS,
         lambda c, t: office_settings.set_values(c, {"light.due_soon_days": 20})),
    Case("office_settings.set_value", Action.CHANGE_SETTINGS,
         lambda c, t: office_settings.set_value(c, "report.signature", "市人民政府督查室")),
    Case("plan.init_database", Action.IMPORT_PLAN, lambda c, t: plan.init_database(c), template="plain"),
    Case("plan.import_plan", Action.IMPORT_PLAN, lambda c, t: plan.import_plan(c, SEED_PLAN), template="plain"),
    Case("demo.populate_demo", Action.LOAD_DEMO, lambda c, t: demo.populate_demo(c), template="plain"),
    Case("reports.generate_report", Action.GENERATE_REPORT, lambda c, t: reports.generate_report(
        c, reports.ReportRequest(ReportKind.DEPARTMENT, department=LEAD), t / "部门督办单.pdf")),
    Case("reports.generate_report (催办通知)", Action.SEND_URGE_NOTICE, lambda c, t: reports.generate_report(
        c, reports.ReportRequest(ReportKind.URGE, department=LEAD), t / "催办通知.pdf")),
    Case("report_archive.record", Action.GENERATE_REPORT, lambda c, t: report_archive.record(c, GeneratedReport(
        kind=ReportKind.BRIEF, file_name=str(t / "领导简报.pdf"), sha256="0" * 64, size_bytes=1, pages=1,
        as_of=TODAY))),
    Case("maintenance.backup", Action.BACKUP, lambda c, t: maintenance.backup(c, t / "备份.sqlite3")),
    Case("closing.close_task", Action.CLOSE_TASK, lambda c, t: closing.close_task(c, "2.3", "全部完成")),
    Case("closing.reopen_task", Action.CLOSE_TASK, lambda c, t: closing.reopen_task(c, "2.4", "需补充佐证材料")),
    Case("extensions.request_extension", Action.REQUEST_EXTENSION, lambda c, t: extensions.request_extension(
        c, "2.1", date(2027, 6, 30), "配套资金到位较晚。"), about="2.1"),
    Case("extensions.decide_extension", Action.DECIDE_EXTENSION,
         lambda c, t: extensions.decide_extension(c, _extension_id(c), approve=True)),
    Case("accounts.add_user", Action.MANAGE_ACCOUNTS,
         lambda c, t: accounts.add_user(c, "新督查员", Role.CLERK, password=PASSWORD)),
    Case("accounts.reset_password", Action.MANAGE_ACCOUNTS,
         lambda c, t: accounts.reset_password(c, "张联络", "Reset#Passw0rd-2025")),
    Case("accounts.set_active", Action.MANAGE_ACCOUNTS, lambda c, t: accounts.set_active(c, "张联络", False)),
    Case("audit_log.export_audit", Action.VIEW_AUDIT,
         lambda c, t: audit_log.export_audit(c, None, t / "审计日志.csv")),
    Case("form_import.preview_form", Action.IMPORT_FORM,
         lambda c, t: form_import.preview_form(c, _returned_form(c, t)[0])),
    Case("form_import.apply_form", Action.IMPORT_FORM, lambda c, t: form_import.apply_form(c, *_returned_form(c, t))),
    Case("ledger_import.preview_ledger", Action.IMPORT_LEDGER,
         lambda c, t: ledger_import.preview_ledger(c, _ledger_sheet(t)[0])),
    Case("ledger_import.apply_ledger", Action.IMPORT_LEDGER,
         lambda c, t: ledger_import.apply_ledger(c, *_ledger_sheet(t))),
)

# Functions that open a write transaction but are not a person's change, each with the reason.
EXEMPT = {
    "authorization.authorize": "the check itself: writes only the audit row of a refused attempt",
    "authorization.record_denial": "writes the audit row of a refused attempt, after the check",
    "accounts.authenticate": "logging in, before anyone is logged in (failed logins are counted and audited)",
    "accounts.create_first_admin": "the first run, before any account exists; refused once one does",
    "accounts.change_password": "a person's own password, whatever the role; someone else's is refused (own tests)",
    "backups.restore": "runs on the closed database file; the CLI checks Action.RESTORE with the login first",
}


# ------------------------------------------------------------------------------------------------ helpers

def _dump(ctx: ServiceContext) -> dict[str, list[tuple]]:
    """Every row of every table but the audit trail, in a stable order."""
    with read_session(ctx.engine) as session:
        names = [n for n in inspect(session.connection()).get_table_names() if n not in AUDIT_TABLES]
        return {name: sorted((tuple(row) for row in session.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
                for name in names}


def _audit(ctx: ServiceContext) -> list[AuditEntry]:
    with read_session(ctx.engine) as session:
        return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))


def _scope(ctx: ServiceContext, code: str) -> TaskDepartments:
    from zzdesk.services.authorization import task_departments
    from zzdesk.services.ledger import find_task

    with read_session(ctx.engine) as session:
        return task_departments(session, find_task(session, code))


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ------------------------------------------------------------------------------------------------ the matrix

@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_permission_matrix(case: Case, who: str, templates: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "case.sqlite3"
    shutil.copy(templates[case.template], path)
    database = open_database(resolve_target(str(path)))
    try:
        base = make_context(database)
        user = _people(base)[who]
        ctx = replace(base, user=user, actor=user.name if user else base.actor)
        scope = _scope(ctx, case.about) if case.about else None
        expected = allowed(user, case.action, scope)
        work = tmp_path / "work"
        work.mkdir()
        before, audit_before = _dump(ctx), _audit(ctx)
        if expected:
            case.call(ctx, work)  # any refusal or other error fails the test: an unexpected denial
            return
        with pytest.raises(PermissionDeniedError) as refused:
            case.call(ctx, work)
        assert refused.value.message == refusal(user, case.action, scope)
        assert _dump(ctx) == before, "a refused call changed the database"
        new_rows = _audit(ctx)[len(audit_before):]
        assert [(r.actor, r.outcome) for r in new_rows] == [(user.name, "denied")]
        assert refused.value.message in new_rows[0].changes
        left = [p.name for p in _files(work) if p.name != "会议纪要.txt"]
        assert left == [], "a refused report or backup left a file"
        assert _files(attachments_dir()) == [], "a refused update left evidence files behind"
    finally:
        database.close()


def test_the_matrix_covers_every_role_and_action_the_services_enforce() -> None:
    """The cases exercise allowed and refused calls for each role: the matrix is not trivially one-sided."""
    enforced = {case.action for case in CASES}
    assert {Action.ASSIGN, Action.EDIT_WORK_ITEMS, Action.LOG_UPDATE, Action.EDIT_UPDATE, Action.REVIEW_UPDATE,
            Action.MANAGE_DEPARTMENTS, Action.CHANGE_SETTINGS, Action.IMPORT_PLAN, Action.GENERATE_REPORT,
            Action.SEND_URGE_NOTICE, Action.LOAD_DEMO, Action.BACKUP} <= enforced
    for role in Role:
        assert any(role in RULES[action].roles for action in enforced), role
        assert any(role not in RULES[action].roles for action in enforced), role
    # What the issue says of the liaisons, case by case: the one of an unrelated department changes nothing, the
    # lead's and the co-operating department's may log and edit updates and ask for more time on 2.1, and
    # nothing else.
    ids = {LEAD: 1, CO: 2, OTHER: 3}
    scope = TaskDepartments("2.1", lead_id=1, lead=LEAD, co_ids=(2,), co=(CO,))
    for case in CASES:
        rights = {name: allowed(CurrentUser(name, Role.LIAISON, ids[name], name), case.action,
                                scope if case.about else None) for name in ids}
        expected = case.action in (Action.LOG_UPDATE, Action.EDIT_UPDATE, Action.REQUEST_EXTENSION)
        assert rights == {LEAD: expected, CO: expected, OTHER: False}, case.name


def _mutating_functions(tree: ast.Module) -> set[str]:
    """Top-level functions that open ``write_session`` themselves or through another function of the module."""
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    calls = {name: {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
             for name, node in functions.items()}
    mutating = {name for name, called in calls.items() if "write_session" in called}
    grown = True
    while grown:
        more = {name for name, called in calls.items() if called & mutating} - mutating
        mutating |= more
        grown = bool(more)
    return mutating


def test_every_service_that_writes_is_in_the_matrix() -> None:
    covered = {case.name.split(" ")[0] for case in CASES} | set(EXEMPT)
    missing = []
    for path in sorted(SERVICES_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in sorted(_mutating_functions(tree)):
            qualified = f"{path.stem}.{name}"
            if not name.startswith("_") and qualified not in covered:
                missing.append(qualified)
    assert not missing, f"mutating services not in the permission matrix (add a Case or an EXEMPT reason): {missing}"


# ------------------------------------------------------------------------------------------------ the table

CLERK = CurrentUser("李督查", Role.CLERK)
LEADER = CurrentUser("赵领导", Role.LEADER)
ADMIN = CurrentUser("王管理", Role.ADMIN)
LIAISON = CurrentUser("发改委联络员", Role.LIAISON, 9, LEAD)
TASK_2_1 = TaskDepartments("2.1", lead_id=9, lead=LEAD, co_ids=(43,), co=(CO,))


def test_leaders_change_nothing_but_may_generate_reports() -> None:
    assert allowed_actions(LEADER) == {Action.GENERATE_REPORT, Action.CHANGE_OWN_PASSWORD}
    message = refusal(LEADER, Action.SEND_URGE_NOTICE)
    assert message is not None and "督查室" in message and "领导" in message


def test_only_clerks_review_close_and_decide_extensions() -> None:
    for action in (Action.REVIEW_UPDATE, Action.CLOSE_TASK, Action.DECIDE_EXTENSION, Action.ASSIGN):
        assert RULES[action].roles == {Role.CLERK}, action


def test_only_administrators_manage_accounts_and_restore() -> None:
    assert RULES[Action.MANAGE_ACCOUNTS].roles == {Role.ADMIN}
    assert RULES[Action.RESTORE].roles == {Role.ADMIN}
    ledger_actions = {Action.ASSIGN, Action.EDIT_WORK_ITEMS, Action.LOG_UPDATE, Action.EDIT_UPDATE,
                      Action.REVIEW_UPDATE, Action.CLOSE_TASK, Action.REQUEST_EXTENSION, Action.DECIDE_EXTENSION,
                      Action.MANAGE_DEPARTMENTS, Action.IMPORT_PLAN}
    assert not allowed_actions(ADMIN) & ledger_actions, "least privilege: the administrator keeps out of the ledger"


def test_a_liaison_only_reports_and_requests_extensions_for_their_departments_tasks() -> None:
    assert allowed_actions(LIAISON) == {Action.LOG_UPDATE, Action.EDIT_UPDATE, Action.REQUEST_EXTENSION,
                                        Action.CHANGE_OWN_PASSWORD}
    for action in (Action.LOG_UPDATE, Action.EDIT_UPDATE, Action.REQUEST_EXTENSION):
        assert RULES[action].scoped
        assert allowed(LIAISON, action, TASK_2_1)
        assert allowed(replace(LIAISON, department_id=43, department=CO), action, TASK_2_1)
        assert not allowed(replace(LIAISON, department_id=10, department=OTHER), action, TASK_2_1)
        assert not allowed(LIAISON, action, None), "a scoped action without its task is refused"
    message = refusal(replace(LIAISON, department_id=10, department=OTHER), Action.LOG_UPDATE, TASK_2_1)
    assert message == f"联络员只能报送本单位牵头或配合的任务（2.1 由{LEAD}牵头，{CO}配合；您的单位是{OTHER}）"


def test_a_liaison_bound_to_no_department_may_do_nothing() -> None:
    unbound = CurrentUser("新联络员", Role.LIAISON)
    assert not allowed(unbound, Action.LOG_UPDATE, TASK_2_1)
    assert "尚未绑定单位" in (refusal(unbound, Action.LOG_UPDATE, TASK_2_1) or "")


def test_the_program_itself_may_do_everything() -> None:
    assert all(allowed(None, action) for action in Action)
    assert not any(allowed(user, Action.LOAD_DEMO) for user in (CLERK, LEADER, ADMIN, LIAISON))


def test_require_raises_with_who_may_do_it() -> None:
    require(CLERK, Action.REVIEW_UPDATE)
    with pytest.raises(PermissionDeniedError) as refused:
        require(LIAISON, Action.REVIEW_UPDATE)
    assert refused.value.message.startswith("审核报送（采纳或退回）只能由督查室办理")
    assert "发改委联络员" in refused.value.message


def test_an_unassigned_work_item_belongs_to_its_measures_departments() -> None:
    own = TaskDepartments("2.1.1")
    assert scope_of("2.1.1", own, TASK_2_1).involves(9)
    assert scope_of("2.1.1", own, TASK_2_1).code == "2.1.1"
    assigned = TaskDepartments("2.1.2", lead_id=10, lead=OTHER)
    assert not scope_of("2.1.2", assigned, TASK_2_1).involves(9), "an item's own assignment wins"


@dataclass(frozen=True)
class _Row:
    lead: str | None
    co: tuple[str, ...] = ()
    items: tuple["_Row", ...] = ()


def test_a_liaisons_ledger_view_holds_only_their_departments_tasks() -> None:
    mine, co_op, other = _Row(LEAD), _Row(OTHER, (LEAD,)), _Row(OTHER)
    assert visible_to(LIAISON, mine) and visible_to(LIAISON, co_op) and not visible_to(LIAISON, other)
    assert visible_to(LIAISON, _Row(OTHER, items=(_Row(LEAD),))), "a measure with one of our items shows"
    assert visible_to(LIAISON, _Row(None), measure=mine), "an unassigned item of our measure shows"
    assert all(visible_to(user, other) for user in (None, CLERK, LEADER, ADMIN))
