"""Excel / CSV export: the 任务分解表 and a department's 进展报送表, read back as a user would see them."""

import csv
import os
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

from conftest import make_context
from zzdesk.domain.dates import Deadline, Period
from zzdesk.domain.errors import NotFoundError, PermissionDeniedError, StorageError, ValidationError
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import LIGHT_LABELS, STATUS_LABELS, ReviewState, Status
from zzdesk.exchange import layout
from zzdesk.exchange.cell_values import clean_text
from zzdesk.services import closing, demo, departments, exchange_export, ledger, updates
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.context import ServiceContext
from zzdesk.services.updates import UpdateInput
from zzdesk.services.views import TaskView
from zzdesk.store.session import write_session
from zzdesk.store.tables import Department

DEPARTMENT = "市科技局"
HEADERS = [column.header for column in layout.LEDGER_COLUMNS]
FORM_HEADERS = [column.header for column in layout.FORM_COLUMNS]


@pytest.fixture
def demo_ctx(ctx: ServiceContext) -> ServiceContext:
    demo.populate_demo(ctx)
    return ctx


def _ledger_rows(ctx: ServiceContext) -> list[TaskView]:
    """The ledger's rows in the order the sheet lists them: each measure followed by its work items."""
    return [row for group in ledger.plan_view(ctx).groups for measure in group.measures
            for row in (measure, *measure.items)]


def _latest(ctx: ServiceContext, code: str, through: Period | None = None) -> updates.UpdateView | None:
    """The newest update not sent back, from the task's history (newest first)."""
    return next((u for u in updates.history(ctx, code)
                 if u.review is not ReviewState.RETURNED and (through is None or u.period <= str(through))), None)


def _data(sheet, headers: list[str]) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    rows = sheet.iter_rows(min_row=layout.FIRST_DATA_ROW, max_col=len(headers), values_only=True)
    return [dict(zip(headers, row, strict=True)) for row in rows]


def _header(sheet, count: int) -> list[object]:  # type: ignore[no-untyped-def]
    return [sheet.cell(layout.HEADER_ROW, index).value for index in range(1, count + 1)]


def _assert_print_ready(sheet, last_letter: str) -> None:  # type: ignore[no-untyped-def]
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == f"${layout.HEADER_ROW}:${layout.HEADER_ROW}"
    assert sheet.freeze_panes == f"A{layout.FIRST_DATA_ROW}"
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
    title = sheet.cell(layout.TITLE_ROW, 1).value
    header = sheet.oddHeader.left.text
    assert header == title or (header.endswith("…") and title.startswith(header[:-1]))  # every page names itself
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert f"A{layout.TITLE_ROW}:{last_letter}{layout.TITLE_ROW}" in merged


def _no_stray_files(folder: Path, expected: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == expected


# ----------------------------------------------------------------------------------------------- 任务分解表


def test_ledger_workbook_lists_every_measure_and_work_item(demo_ctx, tmp_path):
    views = _ledger_rows(demo_ctx)
    result = exchange_export.export_ledger(demo_ctx, tmp_path / "分解表.xlsx")
    assert result.rows == len(views) and any(v.kind == "work_item" for v in views)
    workbook = openpyxl.load_workbook(result.path)
    assert workbook.active.title == layout.LEDGER_SHEET
    sheet = workbook[layout.LEDGER_SHEET]
    assert _header(sheet, len(HEADERS)) == HEADERS
    assert sheet.max_column == len(HEADERS)
    rows = _data(sheet, HEADERS)
    assert [r["编号"] for r in rows] == [v.code for v in views]
    plan = ledger.plan_view(demo_ctx)
    title = sheet.cell(layout.TITLE_ROW, 1).value
    assert "重点任务分解表" in title and "实施中期评估报告" in title
    measures = sum(len(g.measures) for g in plan.groups)
    note = sheet.cell(layout.NOTE_ROW, 1).value
    assert "导出时间：2025-11-20" in note
    assert f"{len(plan.groups)} 个任务组、{measures} 项举措、{len(views) - measures} 项具体任务" in note


def test_ledger_cells_show_the_assignment_status_and_latest_update(demo_ctx, tmp_path):
    views = {v.code: v for v in _ledger_rows(demo_ctx)}
    path = exchange_export.export_ledger(demo_ctx, tmp_path / "分解表.xlsx").path
    sheet = openpyxl.load_workbook(path)[layout.LEDGER_SHEET]
    rows = {r["编号"]: (number, r) for number, r in enumerate(_data(sheet, HEADERS), start=layout.FIRST_DATA_ROW)}

    number, row = rows["1.1"]
    measure = views["1.1"]
    assert row["牵头单位"] == measure.lead == "市发展改革委"
    assert row["配合单位"] == "、".join(measure.co) and len(measure.co) > 1
    assert row["责任领导"] == measure.leader
    assert row["任务组"].startswith("着力扩需求稳增长，")  # the group title, with Chinese punctuation
    assert row["举措/具体任务"].startswith("紧盯项目扩投资。")
    assert isinstance(row["完成时限"], datetime) and row["完成时限"].date() == measure.deadline
    assert isinstance(row["开始日期"], datetime) and row["开始日期"].date() == measure.start
    for header in ("开始日期", "完成时限"):
        assert sheet.cell(number, HEADERS.index(header) + 1).number_format == "yyyy-mm-dd"
    assert row["报送周期"] == "每月" and row["报送日"] == measure.due_day
    assert row["状态"] == STATUS_LABELS[measure.status] and row["进度"] == measure.progress
    assert row["灯"] == LIGHT_LABELS[measure.light]

    ongoing = next(v for v in views.values() if v.ongoing)
    assert rows[ongoing.code][1]["完成时限"] == "长期"
    item = next(v for v in views.values() if v.kind == "work_item")
    assert rows[item.code][1]["牵头单位"] == item.lead
    for code, (_, row) in rows.items():
        latest = _latest(demo_ctx, code)
        assert row["最新进展"] == (latest.text if latest else None), code
        assert row["状态"] == (views[code].status_label or None)


def test_ledger_latest_progress_skips_a_returned_update(ctx, tmp_path):
    assign(ctx, "8.1", AssignmentChange(lead=DEPARTMENT, deadline=Deadline(date(2026, 6, 30))))
    updates.log_update(ctx, "8.1", UpdateInput(Status.ON_TRACK, 30, "十月份完成调研。", period=Period(2025, 10)))
    sent_back = updates.log_update(ctx, "8.1", UpdateInput(Status.ON_TRACK, 40, "笼统的说法", period=Period(2025, 11)))
    updates.review_update(ctx, sent_back.id, accept=False, note="请补充数据")
    path = exchange_export.export_ledger(ctx, tmp_path / "分解表.xlsx").path
    rows = {r["编号"]: r for r in _data(openpyxl.load_workbook(path)[layout.LEDGER_SHEET], HEADERS)}
    assert rows["8.1"]["最新进展"] == "十月份完成调研。"
    assert rows["8.1"]["进度"] == 30
    assert rows["8.2"]["牵头单位"] is None and rows["8.2"]["灯"] == "未分配"


def test_ledger_workbook_is_print_ready_with_a_very_hidden_key_sheet(demo_ctx, tmp_path):
    path = exchange_export.export_ledger(demo_ctx, tmp_path / "分解表.xlsx").path
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[layout.LEDGER_SHEET]
    _assert_print_ready(sheet, layout.column_letter(len(HEADERS)))
    for index, column in enumerate(layout.LEDGER_COLUMNS, start=1):
        assert sheet.column_dimensions[layout.column_letter(index)].width == column.width
        if column.wrap:
            assert sheet.cell(layout.FIRST_DATA_ROW, index).alignment.wrap_text
    assert sheet.cell(layout.FIRST_DATA_ROW, 1).font.name == "宋体"
    keys = workbook[layout.KEY_SHEET]
    assert keys.sheet_state == "veryHidden"
    pairs = dict(keys.iter_rows(values_only=True))
    assert pairs["kind"] == layout.LEDGER_KIND and pairs["exported_by"] == "测试员"
    assert pairs["exported_at"].startswith("2025-11-20T")


def test_ledger_csv_has_a_bom_crlf_and_the_sheet_rows(demo_ctx, tmp_path):
    result = exchange_export.export_ledger(demo_ctx, tmp_path / "分解表.csv")
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") >= result.rows + 1 and b"\r\n" in raw.split(b"\n", 1)[0] + b"\n"
    with result.path.open(encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream))
    assert lines[0] == HEADERS
    assert len(lines) - 1 == result.rows
    sheet_path = exchange_export.export_ledger(demo_ctx, tmp_path / "分解表.xlsx").path
    sheet_rows = _data(openpyxl.load_workbook(sheet_path)[layout.LEDGER_SHEET], HEADERS)

    def as_text(value: object) -> str:
        if value is None:
            return ""
        return value.date().isoformat() if isinstance(value, datetime) else str(value)

    assert [dict(zip(HEADERS, line, strict=True)) for line in lines[1:]] == \
        [{h: as_text(v) for h, v in row.items()} for row in sheet_rows]
    ongoing = next(line for line in lines[1:] if line[HEADERS.index("完成时限")] == "长期")
    assert ongoing[HEADERS.index("开始日期")].count("-") == 2


def test_ledger_export_refuses_other_suffixes(demo_ctx, tmp_path):
    with pytest.raises(ValidationError, match=r"应以 \.xlsx 或 \.csv 结尾"):
        exchange_export.export_ledger(demo_ctx, tmp_path / "分解表.xls")
    assert not list(tmp_path.glob("分解表*")) and not list(tmp_path.glob(".分解表*"))


# ----------------------------------------------------------------------------------------------- 进展报送表


def _form(ctx: ServiceContext, tmp_path: Path, department: str = DEPARTMENT, period: Period | None = None):  # type: ignore[no-untyped-def]
    result = exchange_export.export_form(ctx, department, tmp_path / "报送表.xlsx", period)
    return result, openpyxl.load_workbook(result.path)


def _expected_items(ctx: ServiceContext, department: str) -> list[tuple[str, str]]:
    leaves = [leaf for group in ledger.plan_view(ctx).groups for measure in group.measures
              for leaf in (measure.items or (measure,))]
    return [(leaf.code, "牵头" if leaf.lead == department else "配合") for leaf in leaves
            if not leaf.closed and (leaf.lead == department or department in leaf.co)]


def test_form_lists_only_the_departments_open_leaf_tasks(demo_ctx, tmp_path):
    closing.close_task(demo_ctx, "3.3")  # led by 市科技局 and reported 已完成
    result, workbook = _form(demo_ctx, tmp_path)
    assert result.title == "市科技局 2025年11月 进展报送表"
    sheet = workbook[layout.FORM_SHEET]
    assert _header(sheet, len(FORM_HEADERS)) == FORM_HEADERS
    rows = _data(sheet, FORM_HEADERS)
    expected = _expected_items(demo_ctx, DEPARTMENT)
    assert [(r["编号"], r["本单位职责"]) for r in rows] == expected
    assert {"牵头", "配合"} <= {role for _, role in expected}
    assert "3.3" not in [code for code, _ in expected]
    assert result.rows == len(rows)
    # A split measure is reported on through its work items, never itself.
    split = _form(demo_ctx, tmp_path, "市发展改革委")[1][layout.FORM_SHEET]
    codes = [r["编号"] for r in _data(split, FORM_HEADERS)]
    assert "2.4.1" in codes and "2.4" not in codes
    assert sheet.cell(layout.TITLE_ROW, 1).value == "市科技局 2025年11月 进展报送表"
    assert "请于 2025年12月5日前" in sheet.cell(layout.NOTE_ROW, 1).value


def test_form_prefills_the_latest_update_and_fingerprints_it(demo_ctx, tmp_path):
    views = {v.code: v for v in _ledger_rows(demo_ctx)}
    _, workbook = _form(demo_ctx, tmp_path)
    rows = _data(workbook[layout.FORM_SHEET], FORM_HEADERS)
    assert rows
    for row in rows:
        code = row["编号"]
        latest = _latest(demo_ctx, code, Period(2025, 11))
        assert latest is not None  # every demo task has reports
        assert row["状态"] == latest.status_label
        assert row["进度（%）"] == latest.progress
        assert row["进展情况"] == latest.text
        assert (row["存在问题"] or "") == latest.problems
        assert (row["下步打算"] or "") == latest.next_steps
        assert row["序时进度"] == views[code].expected_progress
        deadline = row["完成时限"]
        assert deadline == "长期" if views[code].ongoing else deadline.date() == views[code].deadline
        assert (row["key_code"], row["key_department"], row["key_period"], row["key_version"]) == \
            (code, DEPARTMENT, "2025-11", layout.FORM_VERSION)
        assert row["key_prefill"] == layout.prefill_fingerprint((
            latest.status_label, str(latest.progress), clean_text(latest.text), clean_text(latest.problems),
            clean_text(latest.next_steps)))


def test_form_row_without_updates_is_empty_and_fingerprinted_as_empty(ctx, tmp_path):
    assign(ctx, "8.1", AssignmentChange(lead=DEPARTMENT, co=["市财政局"], deadline=Deadline(date(2026, 6, 30))))
    assign(ctx, "8.2", AssignmentChange(lead="市财政局", co=[DEPARTMENT], deadline=Deadline(None, ongoing=True)))
    updates.log_update(ctx, "8.2", UpdateInput(Status.ON_TRACK, 20, "=SUM(A1) 不是公式", period=Period(2025, 11)))
    _, workbook = _form(ctx, tmp_path)
    sheet = workbook[layout.FORM_SHEET]
    rows = _data(sheet, FORM_HEADERS)
    assert [(r["编号"], r["本单位职责"]) for r in rows] == [("8.1", "牵头"), ("8.2", "配合")]
    first, second = rows
    assert [first[h] for h in layout.FORM_INPUT_HEADERS] == [None] * 5
    assert first["key_prefill"] == layout.prefill_fingerprint(("",) * 5)
    assert second["完成时限"] == "长期" and second["进度（%）"] == 20
    text_cell = sheet.cell(layout.FIRST_DATA_ROW + 1, FORM_HEADERS.index("进展情况") + 1)
    assert text_cell.value == "=SUM(A1) 不是公式" and text_cell.data_type == "s"


def test_form_prefill_leaves_out_later_periods(ctx, tmp_path):
    assign(ctx, "8.1", AssignmentChange(lead=DEPARTMENT, deadline=Deadline(date(2026, 6, 30))))
    updates.log_update(ctx, "8.1", UpdateInput(Status.ON_TRACK, 30, "九月进展", period=Period(2025, 9)))
    updates.log_update(ctx, "8.1", UpdateInput(Status.ON_TRACK, 45, "十一月进展", period=Period(2025, 11)))
    _, workbook = _form(ctx, tmp_path, period=Period(2025, 10))
    row = _data(workbook[layout.FORM_SHEET], FORM_HEADERS)[0]
    assert (row["进度（%）"], row["进展情况"], row["key_period"]) == (30, "九月进展", "2025-10")


def test_form_is_protected_with_only_the_input_cells_open(demo_ctx, tmp_path):
    _, workbook = _form(demo_ctx, tmp_path)
    sheet = workbook[layout.FORM_SHEET]
    assert workbook.active.title == layout.FORM_SHEET
    assert sheet.protection.sheet
    for flag in ("insertRows", "insertColumns", "deleteRows", "deleteColumns", "sort", "formatColumns"):
        assert getattr(sheet.protection, flag), flag  # True: forbidden while protected
    assert workbook.security.lockStructure
    last = sheet.max_row
    assert last >= layout.FIRST_DATA_ROW
    for row in range(layout.TITLE_ROW, last + 1):
        for index, column in enumerate(layout.FORM_COLUMNS, start=1):
            is_input = column.input and row >= layout.FIRST_DATA_ROW
            assert sheet.cell(row, index).protection.locked is not is_input, (row, column.header)
    for index, column in enumerate(layout.FORM_COLUMNS, start=1):
        assert sheet.column_dimensions[layout.column_letter(index)].hidden is column.hidden, column.header
    assert {c.header for c in layout.FORM_COLUMNS if c.hidden} == set(layout.FORM_KEY_HEADERS)


def test_form_validates_status_and_progress(demo_ctx, tmp_path):
    _, workbook = _form(demo_ctx, tmp_path)
    sheet = workbook[layout.FORM_SHEET]
    last = sheet.max_row
    by_range = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    status = by_range[f"F{layout.FIRST_DATA_ROW}:F{last}"]
    assert FORM_HEADERS[5] == "状态"
    assert status.type == "list" and status.formula1 == '"' + ",".join(STATUS_LABELS.values()) + '"'
    assert status.showErrorMessage and "下拉列表" in status.error
    progress = by_range[f"G{layout.FIRST_DATA_ROW}:G{last}"]
    assert FORM_HEADERS[6] == "进度（%）"
    assert (progress.type, progress.operator, progress.formula1, progress.formula2) == ("whole", "between", "0", "100")
    assert progress.showErrorMessage and "0 到 100" in progress.error and "100" in progress.prompt


def test_form_key_sheet_instructions_and_printing(demo_ctx, tmp_path):
    _, workbook = _form(demo_ctx, tmp_path)
    assert workbook.sheetnames == [layout.FORM_SHEET, layout.INSTRUCTIONS_SHEET, layout.KEY_SHEET]
    keys = workbook[layout.KEY_SHEET]
    assert keys.sheet_state == "veryHidden"
    pairs = dict(keys.iter_rows(values_only=True))
    assert list(pairs) == list(layout.KEY_NAMES)
    assert pairs == {"kind": layout.FORM_KIND, "version": layout.FORM_VERSION, "department": DEPARTMENT,
                     "period": "2025-11", "exported_at": "2025-11-20T09:00:00+00:00", "exported_by": "测试员"}
    instructions = "\n".join(str(v) for (v,) in workbook[layout.INSTRUCTIONS_SHEET].iter_rows(values_only=True) if v)
    assert "、".join(STATUS_LABELS.values()) in instructions
    assert "“已完成”填 100" in instructions and "“未启动”填 0" in instructions
    assert "2025年12月5日前" in instructions and ".xlsx" in instructions and "WPS" in instructions
    assert "勿增加或删除行" in instructions
    visible = sum(1 for c in layout.FORM_COLUMNS if not c.hidden)
    _assert_print_ready(workbook[layout.FORM_SHEET], layout.column_letter(visible))


def test_form_names_and_default_period(demo_ctx, tmp_path):
    assert exchange_export.default_form_name(demo_ctx, "科技局") == "市科技局-2025年11月-进展报送表.xlsx"
    assert exchange_export.default_ledger_name(demo_ctx) == "重点任务分解表-2025-11-20.xlsx"
    assert exchange_export.default_ledger_name(demo_ctx, ".csv") == "重点任务分解表-2025-11-20.csv"
    # Before the 5th, a monthly report is about last month.
    early = make_context(demo_ctx.database, today=date(2025, 12, 3))
    assert exchange_export.default_form_name(early, DEPARTMENT) == "市科技局-2025年11月-进展报送表.xlsx"
    result = exchange_export.export_form(early, "科技局", tmp_path / "x.xlsx")
    assert result.title == "市科技局 2025年11月 进展报送表"


# ----------------------------------------------------------------------------------------------- refusals


def test_bad_department_future_period_and_empty_department_are_refused(demo_ctx, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "报送表.xlsx"
    with pytest.raises(NotFoundError, match="单位“市魔法局”不在单位名录中"):
        exchange_export.export_form(demo_ctx, "市魔法局", target)
    with pytest.raises(ValidationError, match="报送期 2025年12月 还没有到"):
        exchange_export.export_form(demo_ctx, DEPARTMENT, target, Period(2025, 12))
    busy = {name for view in _ledger_rows(demo_ctx) for name in (view.lead, *view.co)}
    idle = next(d.name for d in departments.list_departments(demo_ctx, include_inactive=False) if d.name not in busy)
    with pytest.raises(ValidationError) as raised:
        exchange_export.export_form(demo_ctx, idle, target)
    assert raised.value.message == f"{idle}没有牵头或配合的任务，无需导出报送表"
    with write_session(demo_ctx.engine) as session:
        session.exec(select(Department).where(Department.name == DEPARTMENT)).one().active = False
    with pytest.raises(ValidationError, match="单位“市科技局”已停用"):
        exchange_export.export_form(demo_ctx, DEPARTMENT, target)
    _no_stray_files(out, set())


def test_missing_folder_and_wrong_suffix_are_refused(demo_ctx, tmp_path):
    with pytest.raises(ValidationError, match=r"保存位置“.*”不存在，请先建立该文件夹"):
        exchange_export.export_form(demo_ctx, DEPARTMENT, tmp_path / "没有" / "报送表.xlsx")
    with pytest.raises(ValidationError, match=r"保存位置“.*”不存在"):
        exchange_export.export_ledger(demo_ctx, tmp_path / "没有" / "分解表.xlsx")
    with pytest.raises(ValidationError, match=r"应以 \.xlsx 结尾"):
        exchange_export.export_form(demo_ctx, DEPARTMENT, tmp_path / "报送表.csv")
    assert not (tmp_path / "没有").exists()


def test_target_open_in_excel_gives_a_chinese_message_and_keeps_the_old_file(demo_ctx, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "分解表.xlsx"
    target.write_bytes(b"old")

    def locked(src, dst):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(StorageError) as raised:
        exchange_export.export_ledger(demo_ctx, target)
    assert "正在 Excel" in raised.value.message and "请关闭该文件后重试" in raised.value.message
    assert target.read_bytes() == b"old"
    _no_stray_files(out, {"分解表.xlsx"})


def test_liaison_exports_only_their_own_departments_form(demo_ctx, tmp_path):
    with write_session(demo_ctx.engine) as session:
        ids = {d.name: d.id for d in session.exec(select(Department))}
    liaison = make_context(demo_ctx.database)
    liaison.user = CurrentUser("科技局联络员", Role.LIAISON, ids[DEPARTMENT], DEPARTMENT)
    with pytest.raises(PermissionDeniedError, match="联络员只能导出本单位（市科技局）的报送表"):
        exchange_export.export_form(liaison, "市发展改革委", tmp_path / "别人.xlsx")
    assert not (tmp_path / "别人.xlsx").exists()
    assert exchange_export.export_form(liaison, "科技局", tmp_path / "本单位.xlsx").rows > 0
    assert exchange_export.export_ledger(liaison, tmp_path / "分解表.xlsx").rows == len(_ledger_rows(demo_ctx))


def test_short_name_is_written_as_the_full_name(demo_ctx, tmp_path):
    _, workbook = _form(demo_ctx, tmp_path, "科技局")
    row = _data(workbook[layout.FORM_SHEET], FORM_HEADERS)[0]
    assert row["key_department"] == DEPARTMENT
    assert dict(workbook[layout.KEY_SHEET].iter_rows(values_only=True))["department"] == DEPARTMENT
