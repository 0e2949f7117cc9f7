"""数据交换 in the GUI, offscreen: exporting the 任务分解表 and a 报送表, previewing and importing a returned 报送表
and a 任务分解表, and who sees which entries."""

import tempfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.exchange import layout
from zzdesk.services import departments, exchange_export, form_import, ledger, updates
from zzdesk.services.import_preview import Verdict
from zzdesk.store.engine import is_sqlite
from zzdesk.ui import export_form_dialog
from zzdesk.ui.department_mapping import DepartmentMappingDialog, ImportChoices, suggest
from zzdesk.ui.exchange_actions import ExchangeActions, form_importer
from zzdesk.ui.export_form_dialog import ExportFormDialog
from zzdesk.ui.import_preview_dialog import ImportPreviewDialog, change_line
from zzdesk.ui.main_window import MainWindow
from zzdesk.ui.worker import DatabaseWorker

DEPARTMENT = "市科技局"
# Pictures of the dialogs to look at after a run (the system temp folder, not the repository).
SCREENSHOTS = Path(tempfile.gettempdir()) / "zzdesk-exchange-screens"


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Every message box shown, as (kind, title, text), without blocking the test."""
    shown: list[tuple[str, str, str]] = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(QMessageBox, kind, lambda _parent, title, text, *_args, k=kind: shown.append(
            (k, title, text)) or QMessageBox.StandardButton.Ok)
    return shown


def _window(qtbot, ctx, settings) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(window)
    window.show()
    window.reload()
    return window


@pytest.fixture
def window(qtbot, demo_ctx, settings) -> MainWindow:  # type: ignore[no-untyped-def]
    return _window(qtbot, demo_ctx, settings)


def _exchange(window: MainWindow) -> ExchangeActions:
    return window.exchange


def _form_rows(path: Path) -> dict[str, int]:
    """The 报送表's item codes and their sheet row numbers."""
    sheet = openpyxl.load_workbook(path)[layout.FORM_SHEET]
    headers = [cell.value for cell in sheet[layout.HEADER_ROW]]
    code = headers.index("编号") + 1
    return {str(sheet.cell(row, code).value): row for row in range(layout.FIRST_DATA_ROW, sheet.max_row + 1)
            if sheet.cell(row, code).value}


def _fill(path: Path, progress: dict[str, object]) -> None:
    """Change 进度（%） of some items, as a department would in Excel."""
    book = openpyxl.load_workbook(path)
    sheet = book[layout.FORM_SHEET]
    headers = [cell.value for cell in sheet[layout.HEADER_ROW]]
    column = headers.index("进度（%）") + 1
    rows = _form_rows(path)
    for code, value in progress.items():
        sheet.cell(rows[code], column).value = value
    book.save(path)


def _progress_in_form(path: Path, code: str) -> int:
    sheet = openpyxl.load_workbook(path)[layout.FORM_SHEET]
    headers = [cell.value for cell in sheet[layout.HEADER_ROW]]
    return int(sheet.cell(_form_rows(path)[code], headers.index("进度（%）") + 1).value)


@pytest.fixture
def form(demo_ctx, tmp_path: Path) -> Path:
    """市科技局's 报送表 as exported, untouched."""
    return exchange_export.export_form(demo_ctx, DEPARTMENT, tmp_path / "报送表.xlsx").path


def _two_codes(path: Path) -> tuple[str, str]:
    first, second, *_ = _form_rows(path)
    return first, second


def _save(widget, name: str) -> Path:  # type: ignore[no-untyped-def]
    QApplication.processEvents()  # let pending layout changes (a label shown or hidden) settle first
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    assert widget.grab().save(str(target))
    return target


# --- the menu --------------------------------------------------------------------------------------------------


def test_the_exchange_menu_sits_next_to_file_with_exports_then_imports(window):
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus.index("数据交换(&X)") == menus.index("文件(&F)") + 1
    entries = [action.text() for action in _exchange(window).menu.actions() if not action.isSeparator()]
    assert entries == ["导出任务分解表（Excel）(&E)…", "导出任务分解表（CSV）(&C)…", "导出部门报送表(&F)…",
                       "导入部门报送表(&I)…", "导入任务分解表(&L)…"]
    assert all(action.isVisible() for action in _exchange(window).menu.actions())  # the program itself: everything


@pytest.mark.parametrize(("role", "imports"), [(Role.LEADER, False), (Role.LIAISON, False), (Role.CLERK, True)])
def test_only_roles_that_may_import_see_the_import_entries(qtbot, demo_ctx, settings, role, imports):
    science = next(d for d in departments.list_departments(demo_ctx) if d.name == DEPARTMENT)
    user = CurrentUser("某人", role, science.id if role is Role.LIAISON else None,
                       DEPARTMENT if role is Role.LIAISON else None)
    window = _window(qtbot, replace(demo_ctx, user=user, actor=user.name), settings)
    exchange = _exchange(window)
    for action in exchange.import_actions:
        assert action.isVisible() is imports and action.isEnabled() is imports
    for action in (exchange.export_ledger_action, exchange.export_csv_action, exchange.export_form_action):
        assert action.isVisible() and action.isEnabled()
    assert {a.text(): a.isVisible() for a in window.menuBar().actions()}["数据交换(&X)"]


# --- exports ---------------------------------------------------------------------------------------------------


def test_exporting_the_ledger_writes_the_workbook_and_says_where(window, demo_ctx, tmp_path, messages):
    out = tmp_path / "分解表.xlsx"
    _exchange(window).export_ledger_to(out)
    sheet = openpyxl.load_workbook(out)[layout.LEDGER_SHEET]
    headers = [cell.value for cell in sheet[layout.HEADER_ROW]]
    assert headers[:3] == ["编号", "任务组", "举措/具体任务"]
    codes = [sheet.cell(row, 1).value for row in range(layout.FIRST_DATA_ROW, sheet.max_row + 1)]
    assert codes[0] == "1.1" and len(codes) == window.model.total_count()  # every measure and work item
    ((kind, title, text),) = messages
    assert kind == "information" and title == "导出完成"
    assert f"共 {len(codes)} 行" in text and str(out) in text


def test_the_csv_entry_asks_for_a_file_and_adds_the_suffix(window, tmp_path, messages, monkeypatch):
    asked: list[tuple[str, str]] = []

    def pick(_parent, _title, suggested, file_filter):  # type: ignore[no-untyped-def]
        asked.append((suggested, file_filter))
        return str(tmp_path / "分解表"), file_filter

    monkeypatch.setattr("zzdesk.ui.exchange_actions.QFileDialog.getSaveFileName", pick)
    _exchange(window).export_csv_action.trigger()
    ((suggested, file_filter),) = asked
    assert Path(suggested).name == exchange_export.default_ledger_name(window.ctx, ".csv")
    assert file_filter == "CSV 文件 (*.csv)"
    text = (tmp_path / "分解表.csv").read_bytes().decode("utf-8-sig")
    assert "编号" in text.splitlines()[0] and "\n1.1," in text
    assert messages[-1][0] == "information"


def test_an_export_to_a_missing_folder_is_refused_in_chinese(window, tmp_path, messages):
    _exchange(window).export_ledger_to(tmp_path / "没有这个文件夹" / "分解表.xlsx")
    ((kind, title, text),) = messages
    assert kind == "warning" and title == "无法导出" and "不存在" in text and "Traceback" not in text


def test_exporting_a_form_for_a_department(window, demo_ctx, tmp_path, messages, qtbot):
    window.settings.setValue(export_form_dialog.EXCHANGE_FOLDER.key, str(tmp_path))
    _exchange(window).export_form_action.trigger()
    dialog = _exchange(window).export_dialog
    assert isinstance(dialog, ExportFormDialog) and dialog.isVisible()
    assert dialog.department.isEnabled()
    dialog.department.setEditText(DEPARTMENT)
    expected = exchange_export.default_form_name(demo_ctx, DEPARTMENT, dialog.chosen_period())
    assert Path(dialog.output.text()) == tmp_path / expected
    assert dialog.period.currentText() == "2025年11月（本期）"  # after the 5th: this month's report
    _save(dialog, "export-form-dialog.png")
    dialog.export_button.click()
    assert not dialog.isVisible()
    out = tmp_path / expected
    sheet = openpyxl.load_workbook(out)[layout.FORM_SHEET]
    assert sheet.cell(layout.TITLE_ROW, 1).value == f"{DEPARTMENT} 2025年11月 进展报送表"
    assert messages[-1][1] == "导出完成" and str(out) in messages[-1][2]


def test_a_form_for_an_unknown_department_is_refused_inside_the_dialog(window, tmp_path, messages):
    dialog = _exchange(window).open_export_form()
    dialog.department.setEditText("不存在的局")
    dialog.output.setText(str(tmp_path / "x.xlsx"))
    dialog.export_button.click()
    assert dialog.isVisible() and "不在单位名录中" in dialog.error_text()
    assert not (tmp_path / "x.xlsx").exists() and messages == []


def test_a_liaison_exports_only_their_own_departments_form(qtbot, demo_ctx, settings, tmp_path, messages):
    science = next(d for d in departments.list_departments(demo_ctx) if d.name == DEPARTMENT)
    user = CurrentUser("李联络", Role.LIAISON, science.id, DEPARTMENT)
    window = _window(qtbot, replace(demo_ctx, user=user, actor=user.name), settings)
    dialog = _exchange(window).open_export_form()
    assert dialog.department.currentText() == DEPARTMENT and not dialog.department.isEnabled()
    dialog.output.setText(str(tmp_path / "本单位.xlsx"))
    dialog.export_button.click()
    assert (tmp_path / "本单位.xlsx").is_file() and not dialog.isVisible()


# --- importing a 报送表 ------------------------------------------------------------------------------------------


def test_a_returned_form_is_previewed_row_by_row_and_imported_skipping_the_error(window, demo_ctx, form, messages):
    changed, broken = _two_codes(form)
    before = _progress_in_form(form, changed)
    after = before + 7 if before <= 90 else before - 7
    _fill(form, {changed: after, broken: 120})
    _exchange(window).import_form_from(form)
    dialog = _exchange(window).preview_dialog
    assert isinstance(dialog, ImportPreviewDialog) and dialog.isVisible()
    assert dialog.windowTitle() == f"导入预览 — {DEPARTMENT} 2025年11月 进展报送表"
    rows = {row.code: row for row in dialog.shown_rows()}
    assert rows[changed].verdict is Verdict.NEW and rows[broken].verdict is Verdict.ERROR
    assert all(row.verdict is Verdict.UNCHANGED for code, row in rows.items() if code not in (changed, broken))
    assert dialog.summary.text().startswith(f"新报送 1 行，未修改 {len(rows) - 2} 行，有错误 1 行")

    # the table: verdict labels and the short diff / the error's message
    model = dialog.model
    line = {model.index(i, 1).data(): (model.index(i, 2).data(), model.index(i, 3).data())
            for i in range(model.rowCount())}
    assert line[changed] == ("新报送", f"进度 {before} → {after}")
    assert line[broken][0] == "有错误" and "120" in line[broken][1]
    assert model.index(0, 2).data(1) is not None  # an icon beside the verdict, so it reads without colour

    # the full diff of the selected row below the table
    dialog.select_row(rows[changed].row)
    detail = dialog.detail.toPlainText()
    assert "进度（%）" in detail and str(before) in detail and str(after) in detail
    dialog.select_row(rows[broken].row)
    assert "120" in dialog.detail.toPlainText()

    # only the error rows
    dialog.errors_only.setChecked(True)
    assert [row.code for row in dialog.shown_rows()] == [broken]
    dialog.errors_only.setChecked(False)
    _save(dialog, "import-form-preview.png")

    # 导入 counts the new rows; with an error it waits for 跳过错误行并导入
    assert dialog.apply_button.text() == "导入 1 条(&I)" and not dialog.apply_button.isEnabled()
    assert dialog.skip_button.isVisible() and dialog.skip_button.isEnabled()
    reloads: list[bool] = []
    window.model.modelReset.connect(lambda: reloads.append(True))
    dialog.skip_button.click()
    assert not dialog.isVisible()
    newest = updates.history(demo_ctx, changed)[0]
    assert (newest.period, newest.progress) == ("2025-11", after)
    assert all(update.progress != 120 for update in updates.history(demo_ctx, broken))
    kind, title, text = messages[-1]
    assert kind == "information" and title == "导入完成"
    assert text.startswith("已导入 1 条进展报送，跳过有错误的 1 行")
    # An SQLite file is backed up first and the message says where; a server's backups are pg_dump's job.
    assert ("导入前已备份到" in text) == is_sqlite(demo_ctx.engine)
    assert reloads  # the ledger was loaded again


def test_a_clean_form_imports_with_the_main_button(window, demo_ctx, form, messages):
    first, second = _two_codes(form)
    _fill(form, {first: 5, second: 6})
    _exchange(window).import_form_from(form)
    dialog = _exchange(window).preview_dialog
    assert dialog.apply_button.text() == "导入 2 条(&I)" and dialog.apply_button.isEnabled()
    assert not dialog.skip_button.isVisible() and not dialog.errors_only.isEnabled()
    dialog.apply_button.click()
    assert [updates.history(demo_ctx, code)[0].progress for code in (first, second)] == [5, 6]
    assert messages[-1][2].startswith("已导入 2 条进展报送，")


def test_a_form_with_only_errors_cannot_be_imported(window, form, messages):
    first, second = _two_codes(form)
    _fill(form, {first: 120, second: "很多"})
    _exchange(window).import_form_from(form)
    dialog = _exchange(window).preview_dialog
    assert [row.verdict for row in dialog.shown_rows()].count(Verdict.ERROR) == 2
    assert not dialog.apply_button.isEnabled() and dialog.apply_button.text() == "导入 0 条(&I)"
    assert not dialog.skip_button.isVisible()


def test_a_file_changed_after_the_preview_is_refused_and_the_dialog_stays(window, demo_ctx, form, messages):
    first, _ = _two_codes(form)
    _fill(form, {first: 5})
    _exchange(window).import_form_from(form)
    dialog = _exchange(window).preview_dialog
    _fill(form, {first: 9})  # someone saved the file again
    before = len(updates.history(demo_ctx, first))
    dialog.apply_button.click()
    assert dialog.isVisible() and "预览后被修改过" in dialog.error_text()
    assert len(updates.history(demo_ctx, first)) == before
    assert dialog.apply_button.isEnabled() and dialog.cancel_button.isEnabled()


def test_a_file_that_is_not_a_workbook_shows_a_chinese_message_and_no_preview(window, tmp_path, messages):
    hostile = tmp_path / "x.xlsx"
    hostile.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    _exchange(window).import_form_from(hostile)
    assert _exchange(window).preview_dialog is None and not window.findChildren(ImportPreviewDialog)
    ((kind, title, text),) = messages
    assert kind == "warning" and title == "无法导入"
    assert "x.xlsx" in text and "Traceback" not in text and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_import_entry_picks_an_excel_file(window, form, monkeypatch, messages):
    asked: list[str] = []

    def pick(_parent, title, _folder, file_filter):  # type: ignore[no-untyped-def]
        asked.append(file_filter)
        return str(form), file_filter

    monkeypatch.setattr("zzdesk.ui.exchange_actions.QFileDialog.getOpenFileName", pick)
    _exchange(window).import_form_action.trigger()
    assert asked == ["Excel 文件 (*.xlsx)"]
    assert _exchange(window).preview_dialog.isVisible()


def test_the_preview_dialog_works_on_its_own(qtbot, demo_ctx, form):
    """The dialog only needs an importer: the one the menu builds for a 报送表."""
    first, _ = _two_codes(form)
    _fill(form, {first: 3})
    importer = form_importer(demo_ctx, form)
    dialog = ImportPreviewDialog(DatabaseWorker(synchronous=True), importer,
                                 form_import.preview_form(demo_ctx, form))
    qtbot.addWidget(dialog)
    assert not dialog.map_button.isVisible()
    assert dialog.apply_button.text() == "导入 1 条(&I)"


# --- small pieces ----------------------------------------------------------------------------------------------


def test_the_short_diff_names_each_field_once():
    from zzdesk.services.import_preview import FieldChange

    text = change_line((FieldChange("进度（%）", "60", "80"), FieldChange("状态", "正常推进", "已完成"),
                        FieldChange("进展情况", "", "召开推进会，部署全年重点工作，明确责任分工和时间节点。")))
    # a long text: its first 14 characters, then …
    assert text == "进度 60 → 80；状态 正常推进 → 已完成；进展情况 （空） → 召开推进会，部署全年重点工作…"


def test_a_mapping_suggests_the_one_department_a_short_name_means(qtbot):
    existing = ["市科技局", "市财政局", "市发展改革委"]
    assert suggest("科技局", existing) == "市科技局"
    assert suggest("局", existing) == ""  # more than one: no guess
    dialog = DepartmentMappingDialog(["科技局", "区教育局"], existing, ImportChoices())
    qtbot.addWidget(dialog)
    chosen: list[ImportChoices] = []
    dialog.chosen.connect(chosen.append)
    dialog.combos["区教育局"].setEditText("不存在")
    dialog.ok_button.click()
    assert dialog.error.text() == "“不存在”不在单位名录中，请从列表中选择，或清空该项" and not chosen
    dialog.combos["区教育局"].setEditText("")
    dialog.create_box.setChecked(True)
    dialog.ok_button.click()
    assert chosen == [ImportChoices(mapping={"科技局": "市科技局"}, create_departments=True)]


# --- importing a 任务分解表 --------------------------------------------------------------------------------------


def _edit_ledger(path: Path, edits: dict[str, dict[str, str]]) -> None:
    """Change assignment cells of the exported 任务分解表, by item code and header."""
    book = openpyxl.load_workbook(path)
    sheet = book[layout.LEDGER_SHEET]
    headers = [cell.value for cell in sheet[layout.HEADER_ROW]]
    rows = {str(sheet.cell(row, 1).value): row for row in range(layout.FIRST_DATA_ROW, sheet.max_row + 1)}
    for code, cells in edits.items():
        for header, value in cells.items():
            sheet.cell(rows[code], headers.index(header) + 1).value = value
    book.save(path)


def test_a_ledger_naming_an_unknown_department_is_mapped_then_imported(window, demo_ctx, tmp_path, messages):
    path = exchange_export.export_ledger(demo_ctx, tmp_path / "分解表.xlsx").path
    leader, lead = "张某某（副市长）", "市新能源推进中心"
    _edit_ledger(path, {"1.1": {"责任领导": leader}, "1.2": {"牵头单位": lead}})
    _exchange(window).import_ledger_from(path)
    dialog = _exchange(window).preview_dialog
    rows = {row.code: row for row in dialog.shown_rows()}
    assert rows["1.1"].verdict is Verdict.CHANGED and rows["1.2"].verdict is Verdict.ERROR
    assert lead in dialog.problems.text() and dialog.problems.isVisible()
    assert dialog.map_button.isVisible() and dialog.map_button.text() == "对应单位(&M)…（1 个未列出）"
    assert dialog.apply_button.text() == "导入 1 条(&I)" and dialog.skip_button.isVisible()
    dialog.select_row(rows["1.1"].row)
    assert leader in dialog.detail.toPlainText() and "责任领导" in dialog.detail.toPlainText()
    _save(dialog, "import-ledger-preview-unknown.png")

    dialog.map_button.click()
    mapping = dialog.mapping_dialog
    assert isinstance(mapping, DepartmentMappingDialog) and list(mapping.combos) == [lead]
    mapping.combos[lead].setEditText(DEPARTMENT)
    _save(mapping, "department-mapping.png")
    mapping.ok_button.click()
    rows = {row.code: row for row in dialog.shown_rows()}
    assert rows["1.2"].verdict is Verdict.CHANGED
    assert any(change.after == DEPARTMENT for change in rows["1.2"].changes)
    assert dialog.apply_button.text() == "导入 2 条(&I)" and dialog.apply_button.isEnabled()
    assert dialog.map_button.isVisible() and dialog.map_button.text() == "对应单位(&M)…"  # the choice can be changed
    _save(dialog, "import-ledger-preview-mapped.png")
    dialog.apply_button.click()

    assert not dialog.isVisible()
    assert ledger.task_view(demo_ctx, "1.2").lead == DEPARTMENT
    assert ledger.task_view(demo_ctx, "1.1").leader == leader
    assert window.model.task_at(window.model.row_of("1.2")).lead == DEPARTMENT  # the window shows it
    kind, title, text = messages[-1]
    assert (kind, title) == ("information", "导入完成") and text.startswith("已导入 2 条分工修改。")


def test_unknown_departments_can_be_created_instead(window, demo_ctx, tmp_path, messages):
    path = exchange_export.export_ledger(demo_ctx, tmp_path / "分解表.xlsx").path
    lead = "市新能源推进中心"
    _edit_ledger(path, {"1.2": {"牵头单位": lead}})
    _exchange(window).import_ledger_from(path)
    dialog = _exchange(window).preview_dialog
    assert not dialog.apply_button.isEnabled()
    dialog.map_button.click()
    dialog.mapping_dialog.create_box.setChecked(True)
    dialog.mapping_dialog.ok_button.click()
    assert "将新建单位" in dialog.problems.text()
    dialog.apply_button.click()
    assert lead in {view.name for view in departments.list_departments(demo_ctx)}
    assert f"新建单位：{lead}" in messages[-1][2]


def test_the_ledger_import_entry_offers_excel_and_csv(window, tmp_path, monkeypatch, messages):
    asked: list[str] = []
    monkeypatch.setattr("zzdesk.ui.exchange_actions.QFileDialog.getOpenFileName",
                        lambda _parent, _title, _folder, file_filter: asked.append(file_filter) or ("", ""))
    _exchange(window).import_ledger_action.trigger()
    assert asked == ["任务分解表 (*.xlsx *.csv);;Excel 文件 (*.xlsx);;CSV 文件 (*.csv)"]
    assert _exchange(window).preview_dialog is None and messages == []  # nothing chosen, nothing happens
