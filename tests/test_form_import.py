"""导入部门报送表: a department's 进展报送表 exported by zzdesk, filled in as a liaison fills it, previewed and applied.

What the clerk checks: each row's verdict in the preview (未修改 / 新报送 / 有错误, the error naming the row, the
column and the reason), then after applying exactly the intended reports in the item's 进展记录, the audit row of
the import (file name, SHA-256, who), and nothing at all written when the import is refused.
"""

import hashlib
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import func, select

from zzdesk.domain.dates import Period
from zzdesk.domain.errors import PermissionDeniedError, StorageError, ValidationError
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import ReviewState, Status
from zzdesk.exchange.layout import FORM_COLUMNS, FORM_SHEET, HEADER_ROW, KEY_SHEET
from zzdesk.services import audit, closing, demo, departments, updates
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.context import ServiceContext
from zzdesk.services.exchange_export import export_form
from zzdesk.services.form_import import apply_form, preview_form
from zzdesk.services.import_preview import FieldChange, ImportPreview, Verdict
from zzdesk.store.backup import list_backups
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry, StatusUpdate

DEPARTMENT = "市科技局"
REPORTER = "市科技局（报送表导入）"
CLERK = CurrentUser("李督查", Role.CLERK)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STATUS, PROGRESS, TEXT, PROBLEMS, NEXT = "状态", "进度（%）", "进展情况", "存在问题", "下步打算"


@pytest.fixture
def demo_ctx(ctx: ServiceContext) -> ServiceContext:
    """The demo ledger, with a clerk doing the import (the audit names them)."""
    demo.populate_demo(ctx)
    return replace(ctx, user=CLERK, actor=CLERK.name)


# ------------------------------------------------------------------------------------------------ helpers

def _export(ctx: ServiceContext, folder: Path, department: str = DEPARTMENT, period: Period | None = None) -> Path:
    out = folder / f"{department}-{period or '本期'}-进展报送表.xlsx"
    export_form(replace(ctx, user=None), department, out, period)
    return out


def _headers(sheet: Worksheet) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[HEADER_ROW] if cell.value}


def _row_of(sheet: Worksheet, code: str) -> int:
    """The row of an item, found by its hidden key (the visible 编号 may be what a test edits)."""
    column = _headers(sheet)["key_code"]
    return next(row for row in range(HEADER_ROW + 1, sheet.max_row + 1) if sheet.cell(row, column).value == code)


class _Form:
    """The form open in a spreadsheet program: cells addressed by item code and header."""

    def __init__(self, workbook: openpyxl.Workbook) -> None:
        self.workbook = workbook
        self.sheet = workbook[FORM_SHEET]

    def set(self, code: str, header: str, value: object, number_format: str | None = None) -> None:
        cell = self.sheet.cell(_row_of(self.sheet, code), _headers(self.sheet)[header])
        cell.value = value
        if number_format is not None:
            cell.number_format = number_format

    def get(self, code: str, header: str) -> object:
        return self.sheet.cell(_row_of(self.sheet, code), _headers(self.sheet)[header]).value

    def row(self, code: str) -> int:
        return _row_of(self.sheet, code)

    def values(self, code: str) -> list[object]:
        return [cell.value for cell in self.sheet[self.row(code)]]

    def append(self, values: list[object]) -> int:
        row = self.sheet.max_row + 1
        for column, value in enumerate(values, start=1):
            self.sheet.cell(row, column).value = value
        return row


@contextmanager
def _editing(path: Path) -> Iterator[_Form]:
    workbook = openpyxl.load_workbook(path)
    yield _Form(workbook)
    workbook.save(path)


def _count(ctx: ServiceContext, table: type) -> int:
    with read_session(ctx.engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def _counts(ctx: ServiceContext) -> tuple[int, int]:
    return _count(ctx, StatusUpdate), _count(ctx, AuditEntry)


def _import_audits(ctx: ServiceContext) -> list[AuditEntry]:
    with read_session(ctx.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == "import.form")))


def _verdicts(preview: ImportPreview) -> dict[int, tuple[str, Verdict]]:
    return {row.row: (row.code, row.verdict) for row in preview.rows}


def _latest_shown(ctx: ServiceContext, code: str) -> updates.UpdateView:
    """The report the form was prefilled with: the newest not sent back."""
    return next(u for u in updates.history(ctx, code) if u.review is not ReviewState.RETURNED)


def _backups(ctx: ServiceContext) -> list[Path]:
    database = ctx.database.target.sqlite_path
    return [backup.path for backup in list_backups(database)] if database is not None else []


# ------------------------------------------------------------------------------------------------ the check

def test_a_filled_in_form_previews_row_by_row_and_applies_exactly_the_new_reports(demo_ctx, tmp_path):
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    before_3_2 = _latest_shown(ctx, "3.2")
    with _editing(path) as form:
        codes = [form.sheet.cell(row, 1).value for row in range(HEADER_ROW + 1, form.sheet.max_row + 1)]
        assert codes == ["1.4", "3.1", "3.2", "3.3", "3.4", "3.5", "4.3"]  # 市科技局's open items in the demo
        # Full-width digits typed by a Chinese input method, stray spaces and line breaks (Alt+Enter, pasted CRLF).
        form.set("3.1", STATUS, "正常推进")
        form.set("3.1", PROGRESS, "８５")
        form.set("3.1", TEXT, "  中试基地通过验收，\r\n\n  新增孵化企业１２家。  ")
        form.set("3.1", PROBLEMS, None)
        # 「80%」 typed as text into a cell, a status with spaces around it.
        form.set("3.2", PROGRESS, "80%")
        form.set("3.2", STATUS, " 持续推进 ")
        # 0.8 as a number shown as a percentage (what Excel stores when 80% is typed into a number cell).
        form.set("3.5", STATUS, "正常推进")
        form.set("3.5", PROGRESS, 0.8, number_format="0%")
        form.set("3.5", TEXT, "完成年度目标的八成。")
        # 「0.8」 typed as text.
        form.set("4.3", PROGRESS, "0.8")
        form.set("4.3", TEXT, "按计划推进。")
        # A blank row inserted before 3.5 (one cell holding only spaces), and 1.4, 3.3, 3.4 left as exported.
        blank = form.row("3.5")
        form.sheet.insert_rows(blank)
        form.sheet.cell(blank, _headers(form.sheet)[TEXT]).value = "   "
        rows = {code: form.row(code) for code in codes}
    assert rows["3.5"] == blank + 1

    counts = _counts(ctx)
    preview = preview_form(ctx, path)
    assert _counts(ctx) == counts, "a preview writes nothing, not even an audit row"
    assert preview.file_name == path.name
    assert preview.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert preview.title == "市科技局 2025年11月 进展报送表"
    assert _verdicts(preview) == {
        rows["1.4"]: ("1.4", Verdict.UNCHANGED), rows["3.1"]: ("3.1", Verdict.NEW),
        rows["3.2"]: ("3.2", Verdict.NEW), rows["3.3"]: ("3.3", Verdict.UNCHANGED),
        rows["3.4"]: ("3.4", Verdict.UNCHANGED), rows["3.5"]: ("3.5", Verdict.NEW), rows["4.3"]: ("4.3", Verdict.NEW),
    }, "the blank row is skipped silently"
    assert preview.summary() == "新报送 4 行，未修改 3 行"
    changes = {row.code: row.changes for row in preview.rows}
    assert changes["3.2"] == (FieldChange(PROGRESS, str(before_3_2.progress), "80"),), \
        "only what the liaison changed, read against the report the form showed"
    typed = "中试基地通过验收，\n新增孵化企业１２家。"
    assert FieldChange(TEXT, _latest_shown(ctx, "3.1").text, typed) in changes["3.1"]

    history_before = {code: len(updates.history(ctx, code)) for code in codes}
    result = apply_form(ctx, path, preview.sha256)
    assert (result.written, result.skipped_errors) == (4, 0)
    if ctx.database.target.sqlite_path is not None:
        assert result.backup is not None and Path(result.backup) in _backups(ctx), "a backup before the import"
    else:
        assert result.backup is None, "PostgreSQL is backed up by the server, not by zzdesk"

    expected = {
        "3.1": (Status.ON_TRACK, 85, "中试基地通过验收，\n新增孵化企业１２家。", ""),
        "3.2": (Status.ONGOING, 80, before_3_2.text, before_3_2.problems),
        "3.5": (Status.ON_TRACK, 80, "完成年度目标的八成。", _latest_shown(ctx, "3.5").problems),
        "4.3": (Status.ON_TRACK, 80, "按计划推进。", _latest_shown(ctx, "4.3").problems),
    }
    for code in codes:
        history = updates.history(ctx, code)
        if code not in expected:
            assert len(history) == history_before[code], f"{code} was left untouched: nothing logged"
            continue
        assert len(history) == history_before[code] + 1
        newest = history[0]
        assert (newest.status, newest.progress, newest.text, newest.problems) == expected[code]
        assert (newest.period, newest.reporter, newest.review) == ("2025-11", REPORTER, ReviewState.SUBMITTED)

    [audit_row] = _import_audits(ctx)
    assert (audit_row.actor, audit_row.entity_key, audit_row.outcome) == (CLERK.name, path.name, "ok")
    assert json.loads(audit_row.changes) == {"sha256": [None, preview.sha256], "department": [None, DEPARTMENT],
                                             "period": [None, "2025-11"], "rows": [None, 4]}
    with read_session(ctx.engine) as session:
        submits = session.exec(select(AuditEntry).where(AuditEntry.action == "update.submit",
                                                        AuditEntry.id > audit_row.id - 5)).all()
    assert len(submits) == 4 and all(row.actor == CLERK.name for row in submits)


def test_refused_rows_name_row_column_and_reason_and_block_the_import_unless_skipped(demo_ctx, tmp_path):
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    other_department = _export(ctx, tmp_path, "市发展改革委")
    last_month = _export(ctx, tmp_path, period=Period(2025, 10))
    with _editing(other_department) as form:
        foreign = form.values(form.sheet.cell(HEADER_ROW + 1, 1).value)
    with _editing(last_month) as form:
        old = form.values("3.5")
    with _editing(path) as form:
        form.set("3.1", STATUS, "快完成了")
        form.set("3.2", PROGRESS, 120)
        form.set("3.3", STATUS, "已完成")
        form.set("3.3", PROGRESS, "90")
        form.set("3.4", STATUS, "正常推进")
        form.set("3.4", TEXT, " \n ")
        form.set("3.5", "编号", "3.9")
        form.set("4.3", TEXT, "完成第三批项目申报。")
        rows = {code: form.row(code) for code in ("1.4", "3.1", "3.2", "3.3", "3.4", "3.5", "4.3")}
        rows["foreign"] = form.append(foreign)
        rows["old"] = form.append(old)
        typed = [None] * len(FORM_COLUMNS)
        typed[0], typed[5], typed[6], typed[7] = "9.9", "正常推进", 50, "手工加的一行"
        rows["typed"] = form.append(typed)
        unknown = form.values("4.3")
        unknown[0] = unknown[_headers(form.sheet)["key_code"] - 1] = "9.9"
        unknown[_headers(form.sheet)[TEXT] - 1] = "不存在的任务"
        rows["unknown"] = form.append(unknown)
        rows["twice"] = form.append(form.values("4.3"))  # a row copied within the form

    preview = preview_form(ctx, path)
    by_row = {row.row: row for row in preview.rows}

    def refused(key: str, column: str, reason: str) -> None:
        row = by_row[rows[key]]
        assert row.verdict is Verdict.ERROR, key
        assert row.column == column, key
        assert row.message.startswith(f"第 {rows[key]} 行“{column}”："), row.message
        assert reason in row.message, row.message

    refused("3.1", STATUS, "状态“快完成了”无法识别")
    refused("3.2", PROGRESS, "进度 120 超出范围")
    refused("3.3", PROGRESS, "状态为“已完成”时进度应为 100，当前填写的是 90")
    refused("3.4", TEXT, "进展情况不能为空")
    refused("3.5", "编号", "编号被改动过（导出时为 3.5，现为 3.9）")
    refused("foreign", "编号", "该行来自市发展改革委 2025-11 的报送表")
    refused("old", "编号", "该行来自市科技局 2025-10 的报送表")
    refused("typed", "编号", "该行不是导出时的行")
    refused("unknown", "编号", "编号 9.9 不存在")
    refused("twice", "编号", f"编号 4.3 与第 {rows['4.3']} 行重复，同一任务只能填写一行")
    assert by_row[rows["1.4"]].verdict is Verdict.UNCHANGED
    assert by_row[rows["4.3"]].verdict is Verdict.NEW
    assert preview.summary() == "新报送 1 行，未修改 1 行，有错误 10 行"

    counts, backups = _counts(ctx), _backups(ctx)
    with pytest.raises(ValidationError) as refusal:
        apply_form(ctx, path, preview.sha256)
    message = refusal.value.message
    assert "有 10 行错误，未导入任何数据" in message
    assert by_row[rows["3.1"]].message in message and by_row[rows["3.3"]].message in message
    assert "跳过有错误的行" in message
    assert _counts(ctx) == counts and _backups(ctx) == backups, "nothing written, no backup taken"

    result = apply_form(ctx, path, preview.sha256, skip_errors=True)
    assert (result.written, result.skipped_errors) == (1, 10)
    newest = updates.history(ctx, "4.3")[0]
    assert (newest.text, newest.reporter, newest.period) == ("完成第三批项目申报。", REPORTER, "2025-11")
    assert _count(ctx, StatusUpdate) == counts[0] + 1
    assert json.loads(_import_audits(ctx)[0].changes)["rows"] == [None, 1]


def test_items_closed_or_reassigned_since_the_export_are_refused(demo_ctx, tmp_path):
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    with _editing(path) as form:
        form.set("3.3", NEXT, "做好总结评估。")
        form.set("3.1", TEXT, "完成中试基地建设。")
        rows = {code: form.row(code) for code in ("3.1", "3.3")}
    closing.close_task(ctx, "3.3")
    assign(ctx, "3.1", AssignmentChange(lead="市教育局", co=[]))
    by_row = {row.row: row for row in preview_form(ctx, path).rows}
    assert by_row[rows["3.3"]].verdict is Verdict.ERROR
    assert by_row[rows["3.3"]].message == (f"第 {rows['3.3']} 行“编号”：3.3 已办结，不再接收进展报送；"
                                           "如需继续报送，请督查室先撤销办结")
    assert by_row[rows["3.1"]].verdict is Verdict.ERROR
    assert "3.1 由市教育局牵头，不是市科技局牵头或配合的任务" in by_row[rows["3.1"]].message


def test_a_change_to_the_ledger_between_preview_and_apply_is_caught_when_applying(demo_ctx, tmp_path):
    """Applying checks every row again against the ledger as it is then: an item closed since the preview stops
    the import (nothing written) until the clerk previews again."""
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    with _editing(path) as form:
        form.set("3.1", TEXT, "完成中试基地建设。")
        form.set("3.3", NEXT, "做好总结评估。")
        row_3_3 = form.row("3.3")
    preview = preview_form(ctx, path)
    assert preview.count(Verdict.NEW) == 2 and not preview.errors
    closing.close_task(ctx, "3.3")
    counts = _counts(ctx)
    with pytest.raises(ValidationError) as refusal:
        apply_form(ctx, path, preview.sha256)
    assert f"第 {row_3_3} 行“编号”：3.3 已办结" in refusal.value.message
    assert _counts(ctx) == counts
    assert updates.history(ctx, "3.1")[0].text != "完成中试基地建设。"


def test_a_failure_while_writing_leaves_nothing_written(demo_ctx, tmp_path, monkeypatch):
    """One transaction: the rows written before a failure are undone with it, and no import is audited."""
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    with _editing(path) as form:
        form.set("3.1", TEXT, "完成中试基地建设。")
        form.set("4.3", TEXT, "完成第三批项目申报。")
    preview = preview_form(ctx, path)
    written: list[int] = []
    real_record_many = audit.record_many

    def failing_audit(session, context, entries):  # type: ignore[no-untyped-def]
        written.extend(session.scalars(select(StatusUpdate.id).where(StatusUpdate.reporter.like("%报送表导入%"))))
        raise StorageError("磁盘空间已满，本次修改未保存")

    monkeypatch.setattr(audit, "record_many", failing_audit)
    counts = _counts(ctx)
    with pytest.raises(StorageError):
        apply_form(ctx, path, preview.sha256)
    assert len(written) == 2, "both updates were written inside the transaction before the failure"
    assert _counts(ctx) == counts
    assert updates.history(ctx, "3.1")[0].text != "完成中试基地建设。"
    monkeypatch.setattr(audit, "record_many", real_record_many)


def test_a_file_changed_after_the_preview_is_refused(demo_ctx, tmp_path):
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    with _editing(path) as form:
        form.set("3.1", TEXT, "完成中试基地建设。")
    preview = preview_form(ctx, path)
    with _editing(path) as form:
        form.set("3.1", TEXT, "完成中试基地建设，另有补充。")
    counts = _counts(ctx)
    with pytest.raises(ValidationError) as refusal:
        apply_form(ctx, path, preview.sha256)
    assert refusal.value.message == f"文件“{path.name}”在预览后被修改过，请重新预览"
    assert _counts(ctx) == counts


# ------------------------------------------------------------------------------------------------ whole-file refusals

def _set_key(path: Path, name: str, value: str) -> None:
    with _editing(path) as form:
        keys = form.workbook[KEY_SHEET]
        row = next(row for row in range(1, keys.max_row + 1) if keys.cell(row, 1).value == name)
        keys.cell(row, 2).value = value


def test_a_workbook_that_is_not_our_form_is_refused(ctx, tmp_path):
    path = tmp_path / "自制表格.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["编号", "状态", "进度（%）", "进展情况"])
    workbook.active.append(["3.1", "正常推进", 50, "推进中"])
    workbook.save(path)
    with pytest.raises(ValidationError) as refusal:
        preview_form(ctx, path)
    assert refusal.value.message.startswith("“自制表格.xlsx”不是 zzdesk 导出的进展报送表")
    assert "导出报送表" in refusal.value.message, "says how to get a proper form"


def test_a_form_of_another_kind_version_or_unknown_department_is_refused(demo_ctx, tmp_path):
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    _set_key(path, "kind", "zzdesk-ledger")
    with pytest.raises(ValidationError, match="不是 zzdesk 导出的进展报送表"):
        preview_form(ctx, path)

    path = _export(ctx, tmp_path)
    _set_key(path, "version", "2")
    with pytest.raises(ValidationError) as refusal:
        preview_form(ctx, path)
    assert refusal.value.message == "报送表版本为 2，当前版本为 1，请重新导出报送表"

    path = _export(ctx, tmp_path)
    _set_key(path, "department", "市未来产业局")
    with pytest.raises(ValidationError, match="报送表所属单位“市未来产业局”不在单位名录中"):
        preview_form(ctx, path)


def test_a_form_missing_required_columns_names_them(demo_ctx, tmp_path):
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    with _editing(path) as form:
        form.sheet.delete_cols(_headers(form.sheet)["key_prefill"])
        form.sheet.delete_cols(_headers(form.sheet)[PROBLEMS])
    with pytest.raises(ValidationError) as refusal:
        preview_form(ctx, path)
    assert "缺少以下列：存在问题、key_prefill" in refusal.value.message


def test_a_form_for_a_month_still_to_come_is_refused_row_by_row(demo_ctx, tmp_path):
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    with _editing(path) as form:
        period_column = _headers(form.sheet)["key_period"]
        for row in range(HEADER_ROW + 1, form.sheet.max_row + 1):
            form.sheet.cell(row, period_column).value = "2025-12"
        form.set("3.1", TEXT, "完成中试基地建设。")
        row_3_1 = form.row("3.1")
    _set_key(path, "period", "2025-12")
    preview = preview_form(ctx, path)
    assert preview.problems == ("报送期 2025-12 还没到，只能导入本月（2025-11）及以前的报送表",)
    [error] = preview.errors
    assert error.row == row_3_1 and "报送期 2025-12 还没到" in error.message


# ------------------------------------------------------------------------------------------------ messy files

def _resave_like_another_program(path: Path) -> None:
    """What Excel and WPS do to a form on saving: the inline strings zzdesk writes become shared strings, and the
    <dimension> may not cover the cells (some programs write a stale one)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    sheet_name = "xl/worksheets/sheet1.xml"
    xml = members[sheet_name].decode("utf-8")
    shared: list[str] = []

    def to_shared(match: re.Match[str]) -> str:
        shared.append(match.group(3))
        return f'<c r="{match.group(1)}"{match.group(2)} t="s"><v>{len(shared) - 1}</v></c>'

    xml = re.sub(r'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"><is><t(?: xml:space="preserve")?>(.*?)</t></is></c>',
                 to_shared, xml, flags=re.DOTALL)
    xml = re.sub(r'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"\s*/>', r'<c r="\1"\2/>', xml)  # empty texts
    assert shared and "inlineStr" not in xml
    xml = re.sub(r'<dimension ref="[^"]+"\s*/>', '<dimension ref="A1:C5"/>', xml)
    members[sheet_name] = xml.encode("utf-8")
    items = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in shared)
    members["xl/sharedStrings.xml"] = (f'<sst xmlns="{MAIN_NS}" count="{len(shared)}" uniqueCount="{len(shared)}">'
                                       f"{items}</sst>").encode()
    types = members["[Content_Types].xml"].decode("utf-8")
    members["[Content_Types].xml"] = types.replace("</Types>", (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')).encode("utf-8")
    rels = members["xl/_rels/workbook.xml.rels"].decode("utf-8")
    members["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>')).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_a_form_resaved_by_another_program_with_moved_columns_still_reads(demo_ctx, tmp_path):
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    with _editing(path) as form:
        sheet = form.sheet
        # A person added a 序号 column in front and dragged 状态 to the far right; numbers came back as text.
        sheet.insert_cols(1)
        sheet.cell(HEADER_ROW, 1).value = "序号"
        status_column, last = _headers(sheet)[STATUS], sheet.max_column
        sheet.move_range(f"{openpyxl.utils.get_column_letter(status_column)}{HEADER_ROW}:"
                         f"{openpyxl.utils.get_column_letter(status_column)}{sheet.max_row}",
                         cols=last + 1 - status_column)
        sheet.delete_cols(status_column)
        for row in range(HEADER_ROW + 1, sheet.max_row + 1):
            sheet.cell(row, 1).value = row - HEADER_ROW
            progress = sheet.cell(row, _headers(sheet)[PROGRESS])
            progress.value = None if progress.value is None else str(progress.value)
        form.set("4.3", TEXT, "完成第三批项目申报。")
        rows = {code: form.row(code) for code in ("1.4", "3.1", "3.2", "3.3", "3.4", "3.5", "4.3")}
        assert list(_headers(sheet))[-1] == STATUS
    _resave_like_another_program(path)

    preview = preview_form(ctx, path)
    assert _verdicts(preview) == {row: (code, Verdict.NEW if code == "4.3" else Verdict.UNCHANGED)
                                  for code, row in rows.items()}
    apply_form(ctx, path, preview.sha256)
    newest = updates.history(ctx, "4.3")[0]
    assert (newest.text, newest.progress) == ("完成第三批项目申报。", _latest_shown(ctx, "4.3").progress)


# ------------------------------------------------------------------------------------------------ who may import

@pytest.mark.parametrize("role", [Role.LEADER, Role.LIAISON])
def test_leaders_and_liaisons_may_not_import_a_form(demo_ctx, tmp_path, role):
    ctx = demo_ctx
    path = _export(ctx, tmp_path)
    with _editing(path) as form:
        form.set("3.1", TEXT, "完成中试基地建设。")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    department = next(d for d in departments.list_departments(ctx) if d.name == DEPARTMENT)
    user = (CurrentUser("赵领导", Role.LEADER) if role is Role.LEADER
            else CurrentUser("科技局联络员", Role.LIAISON, department.id, DEPARTMENT))
    person = replace(ctx, user=user, actor=user.name)
    for attempt in (lambda: preview_form(person, path), lambda: apply_form(person, path, sha)):
        updates_before = _count(ctx, StatusUpdate)
        audit_before = _count(ctx, AuditEntry)
        with pytest.raises(PermissionDeniedError) as refusal:
            attempt()
        assert refusal.value.message.startswith("导入部门报送表只能由督查室办理")
        assert _count(ctx, StatusUpdate) == updates_before
        with read_session(ctx.engine) as session:
            denied = session.exec(select(AuditEntry).where(AuditEntry.id > audit_before)).all()
        assert [(row.actor, row.action, row.outcome, row.entity_key) for row in denied] == [
            (user.name, "permission.denied", "denied", path.name)]
    assert _import_audits(ctx) == []
