"""导入任务分解表: the clerk exports the ledger, edits assignments in Excel, previews and applies the import.

Each test starts from the real export (``export_ledger``) of the demo ledger, edits cells with openpyxl as a clerk
would, and checks what a clerk checks: the verdict and message of each row, the assignment in the ledger after
applying (``task_view``), the departments created, and that a preview or a refused import changed nothing.
"""

import hashlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from zzdesk.domain.errors import PermissionDeniedError, ValidationError
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import Cycle
from zzdesk.exchange.layout import LEDGER_ASSIGNMENT_HEADERS, LEDGER_SHEET
from zzdesk.services import demo, departments
from zzdesk.services.context import ServiceContext
from zzdesk.services.exchange_export import export_form, export_ledger
from zzdesk.services.import_preview import ImportPreview, PreviewRow, Verdict
from zzdesk.services.ledger import task_view
from zzdesk.services.ledger_import import apply_ledger, preview_ledger
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry

NEW_DEPARTMENT = "市数据局"
MAPPED_TO = "市工业和信息化局"


# ------------------------------------------------------------------------------------------------ helpers

class Sheet:
    """The exported 任务分解表, opened for editing: cells addressed by 编号 and header, as a clerk finds them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.book = openpyxl.load_workbook(path)
        self.sheet = self.book[LEDGER_SHEET]
        header_row = next(row for row in range(1, 11) if self.sheet.cell(row, 1).value == "编号")
        self.columns = {cell.value: cell.column for cell in self.sheet[header_row] if cell.value}
        self.rows = {str(self.sheet.cell(row, 1).value): row
                     for row in range(header_row + 1, self.sheet.max_row + 1) if self.sheet.cell(row, 1).value}

    def get(self, code: str, header: str) -> object:
        return self.sheet.cell(self.rows[code], self.columns[header]).value

    def set(self, code: str, header: str, value: object) -> None:
        self.sheet.cell(self.rows[code], self.columns[header]).value = value

    def save(self) -> str:
        self.book.save(self.path)
        return sha256(self.path)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def exported(ctx: ServiceContext, folder: Path, name: str = "任务分解表.xlsx") -> Path:
    path = folder / name
    export_ledger(ctx, path)
    return path


def by_code(preview: ImportPreview) -> dict[str, PreviewRow]:
    return {row.code: row for row in preview.rows}


def dump(ctx: ServiceContext) -> dict[str, list[tuple]]:
    """Every row of every table, the audit trail included."""
    with read_session(ctx.engine) as session:
        names = inspect(session.connection()).get_table_names()
        return {name: sorted((tuple(row) for row in session.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
                for name in names}


def audit_rows(ctx: ServiceContext, action: str) -> list[AuditEntry]:
    with read_session(ctx.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


@pytest.fixture
def ledger(ctx: ServiceContext) -> ServiceContext:
    demo.populate_demo(ctx)
    return ctx


@pytest.fixture
def edited(ledger: ServiceContext, tmp_path: Path) -> Sheet:
    """The clerk's edits: good ones on 1.1–1.4, 2.6 and 2.1 (a department not in the directory), mistakes on 2.2–2.5."""
    sheet = Sheet(exported(ledger, tmp_path))
    assert "科技局" not in f"{sheet.get('1.1', '牵头单位')}{sheet.get('1.1', '配合单位')}"
    sheet.set("1.1", "牵头单位", "科技局")  # a short name, as clerks write it
    sheet.set("1.2", "配合单位", "市财政局，市教育局")  # full-width comma
    sheet.set("1.3", "完成时限", "2026年6月30日")
    sheet.set("1.4", "完成时限", "2025.12")  # a month: its last day
    sheet.set("2.6", "完成时限", "长期")
    sheet.set("2.1", "牵头单位", NEW_DEPARTMENT)
    sheet.set("2.2", "编号", "9.9")  # a code not in the ledger
    sheet.rows["9.9"] = sheet.rows.pop("2.2")
    sheet.set("2.3", "开始日期", "2025-02-30")
    sheet.set("2.4", "配合单位", f"{sheet.get('2.4', '牵头单位')}、市财政局")  # the lead listed as co as well
    sheet.set("2.5", "报送日", "每月40日")
    sheet.save()
    return sheet


# ------------------------------------------------------------------------------------------------ round trip

@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_an_untouched_export_reads_back_unchanged(ledger: ServiceContext, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"任务分解表{suffix}"
    result = export_ledger(ledger, path)
    preview = preview_ledger(ledger, path)
    assert len(preview.rows) == result.rows
    assert {row.verdict for row in preview.rows} == {Verdict.UNCHANGED}
    assert preview.problems == () and preview.unknown_departments == ()
    assert preview.sha256 == sha256(path) and preview.file_name == path.name


# ------------------------------------------------------------------------------------------------ preview

def test_the_preview_shows_each_rows_verdict_and_writes_nothing(ledger: ServiceContext, edited: Sheet) -> None:
    before_1_1 = task_view(ledger, "1.1")
    before = dump(ledger)
    preview = preview_ledger(ledger, edited.path)
    assert dump(ledger) == before, "a preview must write nothing, not even audit rows"

    rows = by_code(preview)
    changed = {code for code, row in rows.items() if row.verdict is Verdict.CHANGED}
    assert changed == {"1.1", "1.2", "1.3", "1.4", "2.6"}
    assert rows["1.1"].changes[0].label == "牵头单位"
    assert (rows["1.1"].changes[0].before, rows["1.1"].changes[0].after) == (before_1_1.lead, "市科技局")
    assert [(c.label, c.after) for c in rows["1.2"].changes] == [("配合单位", "市教育局、市财政局")]  # directory order
    assert [(c.label, c.after) for c in rows["1.3"].changes] == [("完成时限", "2026-06-30")]
    assert [(c.label, c.after) for c in rows["1.4"].changes] == [("完成时限", "2025-12-31")]
    assert [(c.label, c.after) for c in rows["2.6"].changes] == [("完成时限", "长期")]

    def error(code: str, column: str) -> str:
        row = rows[code]
        assert (row.verdict, row.column) == (Verdict.ERROR, column), row
        assert row.message.startswith(f"第 {edited.rows[code]} 行“{column}”：")
        return row.message

    assert NEW_DEPARTMENT in error("2.1", "牵头单位") and "不在单位名录中" in error("2.1", "牵头单位")
    assert "9.9" in error("9.9", "编号") and "不在台账中" in error("9.9", "编号")
    assert "不存在" in error("2.3", "开始日期")
    assert "不能同时列为配合单位" in error("2.4", "配合单位")
    assert "1 到 31" in error("2.5", "报送日")
    assert preview.unknown_departments == (NEW_DEPARTMENT,)
    assert any(NEW_DEPARTMENT in problem for problem in preview.problems)
    untouched = [row for row in preview.rows if row.code not in changed and row.verdict is not Verdict.ERROR]
    assert untouched and {row.verdict for row in untouched} == {Verdict.UNCHANGED}
    assert preview.summary() == f"修改分工 5 行，未修改 {len(untouched)} 行，有错误 5 行"


def test_a_department_close_to_a_known_one_is_suggested(ledger: ServiceContext, tmp_path: Path) -> None:
    sheet = Sheet(exported(ledger, tmp_path))
    sheet.set("3.1", "牵头单位", "市发改委")
    sheet.save()
    row = by_code(preview_ledger(ledger, sheet.path))["3.1"]
    assert row.verdict is Verdict.ERROR and "是否指“市发展改革委”" in row.message


# ------------------------------------------------------------------------------------------------ apply

def test_errors_refuse_the_import_unless_skipped(ledger: ServiceContext, edited: Sheet) -> None:
    before = dump(ledger)
    with pytest.raises(ValidationError) as refused:
        apply_ledger(ledger, edited.path, sha256(edited.path))
    assert "5 行有错误" in refused.value.message and "跳过" in refused.value.message
    assert dump(ledger) == before


def test_apply_with_a_mapping_writes_the_assignments(ledger: ServiceContext, edited: Sheet) -> None:
    mapping = {NEW_DEPARTMENT: MAPPED_TO}
    preview = preview_ledger(ledger, edited.path, mapping=mapping)
    assert preview.unknown_departments == ()
    assert by_code(preview)["2.1"].verdict is Verdict.CHANGED
    untouched_2_3 = task_view(ledger, "2.3")
    assigned_before = len(audit_rows(ledger, "task.assign"))

    result = apply_ledger(ledger, edited.path, preview.sha256, mapping=mapping, skip_errors=True)

    assert (result.written, result.skipped_errors, result.created_departments) == (6, 4, ())
    if ledger.database.target.sqlite_path is not None:  # PostgreSQL is backed up by its server
        assert result.backup is not None and Path(result.backup).exists()
    assert task_view(ledger, "1.1").lead == "市科技局"
    assert task_view(ledger, "1.2").co == ("市教育局", "市财政局")  # in the directory's order
    assert task_view(ledger, "1.3").deadline == date(2026, 6, 30)
    assert task_view(ledger, "1.4").deadline == date(2025, 12, 31)
    assert task_view(ledger, "2.6").ongoing and task_view(ledger, "2.6").deadline is None
    assert task_view(ledger, "2.1").lead == MAPPED_TO
    assert task_view(ledger, "2.3") == untouched_2_3
    assert {d.name for d in departments.list_departments(ledger)}.isdisjoint({NEW_DEPARTMENT})
    assert len(audit_rows(ledger, "task.assign")) - assigned_before == 6
    [entry] = audit_rows(ledger, "import.ledger")
    assert entry.entity_key == edited.path.name and entry.outcome == "ok"
    assert preview.sha256 in entry.changes and '"rows": [null, 6]' in entry.changes
    # Imported again, the same file changes nothing more.
    again = preview_ledger(ledger, edited.path, mapping=mapping)
    assert again.count(Verdict.CHANGED) == 0


def test_create_departments_adds_the_unknown_one_as_lead(ledger: ServiceContext, edited: Sheet) -> None:
    preview = preview_ledger(ledger, edited.path, create_departments=True)
    assert preview.unknown_departments == ()
    assert [(c.label, c.after) for c in by_code(preview)["2.1"].changes] == [("牵头单位", NEW_DEPARTMENT)]
    assert NEW_DEPARTMENT not in {d.name for d in departments.list_departments(ledger)}, "the preview created it"

    result = apply_ledger(ledger, edited.path, preview.sha256, create_departments=True, skip_errors=True)

    assert result.created_departments == (NEW_DEPARTMENT,)
    assert NEW_DEPARTMENT in {d.name for d in departments.list_departments(ledger)}
    assert task_view(ledger, "2.1").lead == NEW_DEPARTMENT
    [entry] = audit_rows(ledger, "import.ledger")
    assert NEW_DEPARTMENT in entry.changes
    assert [row.entity_key for row in audit_rows(ledger, "department.add")] == [NEW_DEPARTMENT]


def test_a_file_changed_after_the_preview_is_refused(ledger: ServiceContext, edited: Sheet) -> None:
    preview = preview_ledger(ledger, edited.path, mapping={NEW_DEPARTMENT: MAPPED_TO})
    edited.set("1.1", "牵头单位", "市教育局")
    edited.save()
    before = dump(ledger)
    with pytest.raises(ValidationError) as refused:
        apply_ledger(ledger, edited.path, preview.sha256, mapping={NEW_DEPARTMENT: MAPPED_TO}, skip_errors=True)
    assert "预览之后被修改过" in refused.value.message
    assert dump(ledger) == before


@pytest.mark.parametrize("role", [Role.LEADER, Role.LIAISON, Role.ADMIN])
def test_only_the_clerk_may_import(ledger: ServiceContext, edited: Sheet, role: Role) -> None:
    ids = {d.name: d.id for d in departments.list_departments(ledger)}
    user = CurrentUser("赵某", role, ids["市科技局"] if role is Role.LIAISON else None,
                       "市科技局" if role is Role.LIAISON else None)
    someone = replace(ledger, user=user, actor=user.name)
    with pytest.raises(PermissionDeniedError, match="导入任务分解表"):
        preview_ledger(someone, edited.path)
    with pytest.raises(PermissionDeniedError, match="导入任务分解表"):
        apply_ledger(someone, edited.path, sha256(edited.path), skip_errors=True)
    assert task_view(ledger, "1.1").lead != "市科技局"
    clerk = replace(ledger, user=CurrentUser("李督查", Role.CLERK), actor="李督查")
    assert preview_ledger(clerk, edited.path).count(Verdict.CHANGED) == 5


# ------------------------------------------------------------------------------------------------ cells

def test_empty_cells_keep_and_wu_clears(ledger: ServiceContext, tmp_path: Path) -> None:
    sheet = Sheet(exported(ledger, tmp_path))
    before = task_view(ledger, "3.1")
    assert before.co and before.leader
    for header in LEDGER_ASSIGNMENT_HEADERS:
        sheet.set("3.1", header, None)
    sheet.set("3.2", "配合单位", "无")
    sheet.set("3.2", "责任领导", "/")
    sheet.set("3.3", "报送周期", "季度")
    sheet.set("3.3", "报送日", "15日")
    sheet.set("3.3", "开始日期", "2025-01")  # a month as a start: its first day
    sheet.save()
    preview = preview_ledger(ledger, sheet.path)
    rows = by_code(preview)
    assert rows["3.1"].verdict is Verdict.UNCHANGED
    apply_ledger(ledger, sheet.path, preview.sha256)
    assert task_view(ledger, "3.1") == before
    assert (task_view(ledger, "3.2").co, task_view(ledger, "3.2").leader) == ((), "")
    after = task_view(ledger, "3.3")
    assert (after.cycle, after.due_day, after.start) == (Cycle.QUARTERLY, 15, date(2025, 1, 1))


def test_a_lead_cell_with_two_departments_and_a_repeated_code_are_errors(ledger: ServiceContext,
                                                                      tmp_path: Path) -> None:
    sheet = Sheet(exported(ledger, tmp_path))
    sheet.set("3.1", "牵头单位", "市科技局、市教育局")
    sheet.set("3.3", "编号", "3.2")
    sheet.save()
    rows = {row.row: row for row in preview_ledger(ledger, sheet.path).rows}
    lead = rows[sheet.rows["3.1"]]
    assert (lead.verdict, lead.column) == (Verdict.ERROR, "牵头单位") and "只能填一个单位" in lead.message
    repeated = rows[sheet.rows["3.3"]]
    assert repeated.verdict is Verdict.ERROR and f"在第 {sheet.rows['3.2']} 行已出现" in repeated.message


def test_a_mapping_to_a_department_not_in_the_directory_is_refused(ledger: ServiceContext, edited: Sheet) -> None:
    with pytest.raises(ValidationError, match="市不存在局"):
        preview_ledger(ledger, edited.path, mapping={NEW_DEPARTMENT: "市不存在局"})


# ------------------------------------------------------------------------------------------------ other files

def test_a_sheet_typed_by_hand_with_the_same_headers_reads(ctx: ServiceContext, tmp_path: Path) -> None:
    """No key sheet, header on row 2 in another order, a group heading row, only some assignment columns."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "分工"
    sheet.append(["重点任务分工表（自制）"])
    sheet.append(["序号", "完成时限", "牵头单位 ", "编号", "备注"])
    sheet.append([None, None, None, "一、着力扩需求稳增长", None])
    sheet.append([1, "2026-06-30", "市发展改革委", "1.1", "新增"])
    sheet.append([2, "长期", "科技局", "１．２", None])  # full-width code
    path = tmp_path / "自制分工表.xlsx"
    book.save(path)
    preview = preview_ledger(ctx, path)
    assert preview.title == "重点任务分工表（自制）"
    assert [(row.code, row.verdict) for row in preview.rows] == [("1.1", Verdict.CHANGED), ("1.2", Verdict.CHANGED)]
    assert any("“配合单位”" in problem and "保持不变" in problem for problem in preview.problems)
    assert any("第 3 行" in problem and "略过" in problem for problem in preview.problems)
    apply_ledger(ctx, path, preview.sha256)
    assert (task_view(ctx, "1.1").lead, task_view(ctx, "1.1").deadline) == ("市发展改革委", date(2026, 6, 30))
    assert (task_view(ctx, "1.2").lead, task_view(ctx, "1.2").ongoing) == ("市科技局", True)


def test_a_csv_saved_by_excel_in_chinese_windows_reads(ledger: ServiceContext, tmp_path: Path) -> None:
    source = tmp_path / "导出.csv"
    export_ledger(ledger, source)
    lines = source.read_bytes().decode("utf-8-sig").split("\r\n")
    row = next(number for number, line in enumerate(lines) if line.startswith("1.1,"))
    lines[row] = lines[row].replace(task_view(ledger, "1.1").lead, "市科技局", 1)
    path = tmp_path / "任务分解表GBK.csv"
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    preview = preview_ledger(ledger, path)
    assert [row.code for row in preview.rows if row.verdict is Verdict.CHANGED] == ["1.1"]
    assert by_code(preview)["1.1"].row == row + 1  # the line as Excel numbers it


def test_files_that_are_not_a_ledger_are_refused(ledger: ServiceContext, tmp_path: Path) -> None:
    form = tmp_path / "报送表.xlsx"
    export_form(ledger, "市科技局", form)
    with pytest.raises(ValidationError, match=r"是进展报送表.*导入报送表"):
        preview_ledger(ledger, form)

    book = openpyxl.Workbook()
    book.active.append(["序号", "任务", "单位"])
    other = tmp_path / "别的表.xlsx"
    book.save(other)
    with pytest.raises(ValidationError) as refused:
        preview_ledger(ledger, other)
    assert "编号" in refused.value.message and "牵头单位" in refused.value.message

    binary = tmp_path / "假的.csv"
    binary.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    with pytest.raises(ValidationError, match="不是 CSV 文本文件"):
        preview_ledger(ledger, binary)
