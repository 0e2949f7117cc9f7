"""The 报告 menu, the 生成报告 dialog, the in-app preview with printing, and the 报告存档 dialog, offscreen."""

from pathlib import Path
from typing import ClassVar

import pypdfium2
import pytest
from PySide6.QtCore import QSettings, Qt, QThread
from PySide6.QtGui import QColor, QImage, QKeySequence
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog

from zzdesk.domain.errors import DomainError
from zzdesk.domain.vocabulary import REPORT_LABELS, ReportKind
from zzdesk.services import departments, report_archive, reports
from zzdesk.services.bulletin_content import default_period
from zzdesk.services.department_content import department_sheet, urge_content
from zzdesk.services.report_archive import file_sha256
from zzdesk.services.reports import ReportRequest
from zzdesk.ui import options, pdf_preview
from zzdesk.ui.main_window import MainWindow
from zzdesk.ui.pdf_preview import PdfPreview, PdfPreviewDialog
from zzdesk.ui.report_archive_dialog import ReportArchiveDialog
from zzdesk.ui.report_dialog import ReportDialog
from zzdesk.ui.worker import DatabaseWorker


@pytest.fixture
def out_dir(tmp_path: Path, settings: QSettings) -> Path:
    folder = tmp_path / "报告"
    folder.mkdir()
    options.REPORT_FOLDER.write(settings, str(folder))  # as if the clerk last saved a report here
    return folder


def _dialog(qtbot, ctx, settings, kind: ReportKind, department: str | None = None) -> ReportDialog:  # type: ignore[no-untyped-def]
    dialog = ReportDialog(ctx, DatabaseWorker(synchronous=True), settings, kind, department)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _pdf_pages(path: Path) -> int:
    document = pypdfium2.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def _pdf_text(path: Path) -> str:
    document = pypdfium2.PdfDocument(str(path))
    try:
        return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def _ink(image: QImage) -> int:
    """How many of a coarse grid of pixels are clearly not white: text and rules on a rendered page."""
    step = max(1, min(image.width(), image.height()) // 120)
    return sum(1 for x in range(0, image.width(), step) for y in range(0, image.height(), step)
               if QColor(image.pixel(x, y)).lightness() < 160)


def _urgeable(ctx) -> str:  # type: ignore[no-untyped-def]
    """An active department the demo gives something to urge (overdue items or missing reports)."""
    for view in departments.list_departments(ctx, include_inactive=False):
        try:
            urge_content(ctx, view.name)
        except DomainError:
            continue
        return view.name
    raise AssertionError("the demo has no department to urge")


def _not_urgeable(ctx) -> str:  # type: ignore[no-untyped-def]
    """An active department with nothing overdue and no report missing."""
    for view in departments.list_departments(ctx, include_inactive=False):
        try:
            urge_content(ctx, view.name)
        except DomainError as refusal:
            if "无需催办" in refusal.message:
                return view.name
    raise AssertionError("every demo department has something to urge")


def _with_tasks(ctx) -> str:  # type: ignore[no-untyped-def]
    """An active department that leads or co-operates on tasks, so it has a 督办单."""
    for view in departments.list_departments(ctx, include_inactive=False):
        try:
            department_sheet(ctx, view.name)
        except DomainError:
            continue
        return view.name
    raise AssertionError("no department has tasks in the demo")


# --- the menu ----------------------------------------------------------------------------------------


def test_the_report_menu_sits_between_tasks_and_management_and_opens_each_report(qtbot, demo_ctx, settings):
    window = MainWindow(demo_ctx, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(window)
    window.show()
    window.reload()
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus.index("报告(&R)") == menus.index("任务(&T)") + 1 == menus.index("管理(&M)") - 1
    entries = [action.text() for action in window.report_menu.actions() if not action.isSeparator()]
    assert entries == ["生成督查通报(&B)…", "部门督办单(&D)…", "催办通知(&U)…", "领导简报(&L)…", "报告存档(&A)…"]
    assert window.report_actions[ReportKind.BULLETIN].shortcut() == QKeySequence("Ctrl+P")

    for kind, action in window.report_actions.items():
        action.trigger()
        dialog = window.findChildren(ReportDialog)[-1]
        assert dialog.isVisible() and dialog.current_kind() is kind
        assert dialog.kind.currentText() == REPORT_LABELS[kind]
        assert REPORT_LABELS[kind] in dialog.windowTitle()
        dialog.close()
    window.archive_action.trigger()
    archive = window.findChildren(ReportArchiveDialog)[-1]
    assert archive.isVisible() and archive.windowTitle() == "报告存档"
    archive.close()


def test_a_department_report_starts_with_the_selected_tasks_lead(qtbot, demo_ctx, settings):
    window = MainWindow(demo_ctx, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(window)
    window.show()
    window.reload()
    window.select_code("2.4")
    lead = window.model.task_at(window.model.row_of("2.4")).lead
    assert lead
    dialog = window.open_report_dialog(ReportKind.URGE)
    assert dialog.department.currentText() == lead
    assert Path(dialog.output.text()).name == f"催办通知-{lead}-{demo_ctx.today().isoformat()}.pdf"
    dialog.close()


# --- the dialog ----------------------------------------------------------------------------------------


def test_the_dialog_shows_only_the_fields_the_report_needs(qtbot, demo_ctx, settings, out_dir):
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.BULLETIN)
    shown = {kind: None for kind in ReportKind}
    for kind in ReportKind:
        dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
        shown[kind] = (dialog.period.isVisible(), dialog.department.isVisible(), dialog.output.isVisible())
        label = dialog.form.labelForField(dialog.period)
        assert label.isVisible() == dialog.period.isVisible()
    assert shown[ReportKind.BULLETIN] == (True, False, True)
    assert shown[ReportKind.DEPARTMENT] == (False, True, True)
    assert shown[ReportKind.URGE] == (False, True, True)
    assert shown[ReportKind.BRIEF] == (False, False, True)


def test_the_dialog_offers_recent_months_active_departments_and_a_file_in_the_last_folder(
        qtbot, demo_ctx, settings, out_dir):
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.BULLETIN)
    # 2025-11-20: October's monthly reports fell due on 5 November, so October's bulletin is the one to write.
    assert default_period(demo_ctx.today()).month == 10
    assert dialog.period.currentText() == "2025年10月"
    months = [dialog.period.itemText(i) for i in range(dialog.period.count())]
    assert months[0] == "2025年11月（报送尚未截止）" and "2024年11月" in months
    assert Path(dialog.output.text()) == out_dir / "督查通报-2025-10.pdf"
    dialog.period.setCurrentIndex(months.index("2025年9月"))
    assert Path(dialog.output.text()) == out_dir / "督查通报-2025-09.pdf"

    dialog.kind.setCurrentIndex(dialog.kind.findData(ReportKind.DEPARTMENT))
    active = [d.name for d in departments.list_departments(demo_ctx, include_inactive=False)]
    assert [dialog.department.itemText(i) for i in range(dialog.department.count())] == active
    completer = dialog.department.completer()
    completer.setCompletionPrefix("科技")  # searching by part of the name
    found = [completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())]
    assert found and all("科技" in name for name in found)
    dialog.department.setEditText(active[0])
    assert Path(dialog.output.text()) == out_dir / f"部门督办单-{active[0]}-2025-11-20.pdf"


def test_a_stopped_department_is_not_offered_but_can_still_be_typed(qtbot, demo_ctx, settings, out_dir):
    name = _with_tasks(demo_ctx)
    departments.set_active(demo_ctx, name, False)
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.DEPARTMENT)
    offered = [dialog.department.itemText(i) for i in range(dialog.department.count())]
    assert name not in offered and offered
    dialog.department.setEditText(name)
    dialog.generate()
    assert dialog.error_text() == "" and dialog.report is not None
    assert name in _pdf_text(dialog.report.path)


def test_a_name_the_clerk_typed_is_kept_when_the_choices_change(qtbot, demo_ctx, settings, out_dir):
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.BULLETIN)
    dialog.output.setText(str(out_dir / "十月通报.pdf"))
    dialog.period.setCurrentIndex(3)
    assert Path(dialog.output.text()) == out_dir / "十月通报.pdf"


def test_generating_a_bulletin_writes_it_archives_it_and_previews_every_page(qtbot, demo_ctx, settings, out_dir):
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.BULLETIN)
    target = out_dir / "督查通报-2025-10.pdf"
    assert Path(dialog.output.text()) == target
    steps: list[str] = []
    dialog._relay.progress.connect(lambda _percent, step: steps.append(step))
    dialog.generate()

    assert target.is_file() and dialog.error_text() == ""
    assert steps[-1] == "已完成" and len(steps) >= 3
    pages = _pdf_pages(target)
    assert pages > 1
    assert "2025年10月" in _pdf_text(target)
    [entry] = report_archive.archive(demo_ctx)
    assert entry.sha256 == file_sha256(target) and entry.pages == pages
    assert options.REPORT_FOLDER.read(settings) == str(out_dir)

    assert dialog.pages.currentIndex() == 1
    assert f"共 {pages} 页" in dialog.done_label.text() and str(target) in dialog.done_label.text()
    preview = dialog.preview
    assert preview.page_count == pages == len(preview.pages)
    assert preview.page_label.text() == f"第 1 页，共 {pages} 页"
    preview.render_visible()
    assert 1 in preview.rendered_pages()
    assert len(preview.rendered_pages()) < pages  # a long bulletin is drawn as it scrolls into view
    first = preview.pages[0].image
    assert first is not None and _ink(first) > 50
    bar = preview.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=2000)
    bar.setValue(bar.maximum())
    preview.render_visible()
    assert pages in preview.rendered_pages()
    assert preview.page_label.text() == f"第 {pages} 页，共 {pages} 页"


def test_progress_from_the_worker_thread_reaches_the_dialog_on_the_gui_thread(qtbot, demo_ctx, settings, out_dir):
    worker = DatabaseWorker()  # a real worker thread, as in the application
    dialog = ReportDialog(demo_ctx, worker, settings, ReportKind.DEPARTMENT, _with_tasks(demo_ctx))
    qtbot.addWidget(dialog)
    dialog.show()
    seen: list[tuple[int, str, bool]] = []
    gui_thread = QThread.currentThread()
    dialog._relay.progress.connect(
        lambda percent, step: seen.append((percent, step, QThread.currentThread() is gui_thread)))
    dialog.generate()
    assert not dialog.generate_button.isEnabled() and dialog.progress_row.isVisible()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20_000)
    qtbot.waitUntil(lambda: dialog.preview.rendered_pages() != [], timeout=20_000)
    worker.wait()
    assert [percent for percent, _step, _gui in seen] == sorted(percent for percent, _step, _gui in seen)
    assert seen[-1][:2] == (100, "已完成") and all(on_gui for _p, _s, on_gui in seen)
    assert dialog.progress.value() == 100 and not dialog.progress_row.isVisible()
    assert dialog.report.path.is_file()


def test_zooming_to_actual_size_makes_a4_pages_their_printed_width(qtbot, demo_ctx, settings, out_dir):
    name = _with_tasks(demo_ctx)
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.DEPARTMENT, name)
    dialog.resize(700, 800)
    dialog.generate()
    preview = dialog.preview
    fit_width = preview.pages[0].width()
    assert fit_width <= preview.scroll.viewport().width()
    assert preview.scroll.horizontalScrollBar().maximum() == 0  # fitting never needs a horizontal scroll bar
    preview.zoom.setCurrentIndex(preview.zoom.findData("100"))
    a4_width_inches = 210 / 25.4
    assert preview.pages[0].width() == pytest.approx(a4_width_inches * preview.logicalDpiX(), abs=2)
    assert options.PREVIEW_ZOOM.read(settings) == "100"


def test_an_unknown_department_is_refused_in_the_dialog_and_nothing_is_written(qtbot, demo_ctx, settings, out_dir):
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.URGE)
    dialog.department.setEditText("市不存在局")
    dialog.generate()
    assert "单位“市不存在局”不在单位名录中" in dialog.error_text()
    assert dialog.error.styleSheet() == "color: #c0392b"
    assert dialog.isVisible() and dialog.pages.currentIndex() == 0 and dialog.generate_button.isEnabled()
    assert list(out_dir.iterdir()) == [] and report_archive.archive(demo_ctx) == []

    dialog.department.setEditText("")
    dialog.generate()
    assert dialog.error_text() == "催办通知需要指定单位，请从列表中选择一个单位"


def test_a_department_with_nothing_to_urge_is_told_so_by_the_service(qtbot, demo_ctx, settings, out_dir):
    name = _not_urgeable(demo_ctx)
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.URGE, name)
    dialog.generate()
    assert dialog.error_text() == f"“{name}”目前没有超期事项，也没有逾期未报送的进展，无需催办"
    assert list(out_dir.iterdir()) == [] and dialog.pages.currentIndex() == 0


def test_a_folder_that_does_not_exist_is_refused_and_the_clerk_can_fix_it(qtbot, demo_ctx, settings, out_dir):
    name = _urgeable(demo_ctx)
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.URGE, name)
    missing = out_dir / "没有这个文件夹"
    dialog.output.setText(str(missing / "催办通知.pdf"))
    dialog.generate()
    assert dialog.error_text() == f"保存位置“{missing}”不存在，请先建立该文件夹或换一个位置"
    assert not missing.exists() and list(out_dir.iterdir()) == [] and report_archive.archive(demo_ctx) == []
    assert dialog.isVisible() and dialog.pages.currentIndex() == 0

    dialog.output.setText(str(out_dir / "催办通知.pdf"))
    dialog.generate()
    assert (out_dir / "催办通知.pdf").is_file() and dialog.pages.currentIndex() == 1
    assert name in _pdf_text(out_dir / "催办通知.pdf")


def test_browse_fills_in_the_chosen_file_with_a_pdf_ending(qtbot, demo_ctx, settings, out_dir, monkeypatch):
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.BRIEF)
    asked: list[str] = []

    def choose(parent, caption, start, filters):  # type: ignore[no-untyped-def]
        asked.append(start)
        return str(out_dir / "给领导看"), filters

    monkeypatch.setattr("zzdesk.ui.output_file_row.QFileDialog.getSaveFileName", choose)
    dialog.browse_button.click()
    assert asked == [str(out_dir / "领导简报-2025-11-20.pdf")]
    assert Path(dialog.output.text()) == out_dir / "给领导看.pdf"


def test_the_dialog_warns_inline_before_replacing_an_existing_file(qtbot, demo_ctx, settings, out_dir):
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.BRIEF)
    Path(dialog.output.text()).write_bytes(b"%PDF-1.4 old")
    dialog.output_row.check_exists()
    assert dialog.output_note.isVisible() and dialog.output_note.text() == "该文件已存在，生成后将替换它"


def test_a_bug_while_generating_is_shown_calmly_in_chinese(qtbot, demo_ctx, settings, out_dir, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyError("layout")

    monkeypatch.setattr(reports, "_build", broken)
    dialog = _dialog(qtbot, demo_ctx, settings, ReportKind.BRIEF)
    dialog.generate()
    assert dialog.error_text().startswith("生成报告时发生意外错误（KeyError），报告没有生成")
    assert "Traceback" not in dialog.error_text()
    assert dialog.generate_button.isEnabled() and list(out_dir.iterdir()) == []


# --- printing --------------------------------------------------------------------------------------------


class AcceptingPrintDialog:
    """Stands in for QPrintDialog: the clerk picks a page range and copies, then presses 打印."""

    choice: ClassVar[dict] = {}

    def __init__(self, printer: QPrinter, parent=None) -> None:  # type: ignore[no-untyped-def]
        self.printer = printer
        self.limits = (0, 0)

    def setWindowTitle(self, title: str) -> None:
        pass

    def setMinMax(self, low: int, high: int) -> None:
        self.limits = (low, high)

    def setOption(self, option, on=True) -> None:  # type: ignore[no-untyped-def]
        pass

    def exec(self) -> QDialog.DialogCode:
        assert self.limits[0] == 1 and self.limits[1] >= 1
        if "range" in self.choice:
            self.printer.setPrintRange(QPrinter.PrintRange.PageRange)
            self.printer.setFromTo(*self.choice["range"])
        self.printer.setCopyCount(self.choice.get("copies", 1))
        return QDialog.DialogCode.Accepted


@pytest.fixture
def preview_of_report(qtbot, demo_ctx, settings, out_dir):  # type: ignore[no-untyped-def]
    """The preview of a real multi-page report (a department's 督办单 lists all its tasks)."""
    names = [d.name for d in departments.list_departments(demo_ctx, include_inactive=False)]
    for name in names:
        try:
            result = reports.generate_report(demo_ctx, ReportRequest(ReportKind.DEPARTMENT, department=name),
                                             out_dir / f"督办单-{name}.pdf")
        except DomainError:
            continue
        if result.pages >= 3:
            break
    else:
        raise AssertionError("no department sheet of three pages or more in the demo")
    preview = PdfPreview(DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(preview)
    preview.resize(700, 900)
    preview.show()
    preview.load(result.path)
    assert preview.page_count == result.pages
    return preview, result


def _print(preview: PdfPreview, tmp_path: Path, monkeypatch, **choice) -> Path:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pdf_preview, "QPrintDialog", AcceptingPrintDialog)
    monkeypatch.setattr(AcceptingPrintDialog, "choice", choice)
    printed = tmp_path / f"printed-{len(list(tmp_path.glob('printed-*')))}.pdf"
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    assert preview.print_document(printer)
    return printed


def test_printing_sends_every_page_at_a4(preview_of_report, tmp_path, monkeypatch):
    preview, result = preview_of_report
    counts: list[int] = []
    preview.printed.connect(counts.append)
    printed = _print(preview, tmp_path, monkeypatch)
    assert printed.stat().st_size > 0
    assert _pdf_pages(printed) == result.pages and counts == [result.pages]
    assert preview.message_text() == f"已送往打印机：{result.pages} 页"
    document = pypdfium2.PdfDocument(str(printed))
    try:
        width, height = document.get_page_size(0)
        assert (round(width), round(height)) == (595, 842)  # A4 in points, the report printed at actual size
        image = document[0].render(scale=0.5).to_pil().convert("L")
        assert sum(image.histogram()[:160]) > 200  # the page carries print, not blank paper
    finally:
        document.close()


def test_printing_respects_the_page_range_and_copies(preview_of_report, tmp_path, monkeypatch):
    preview, _result = preview_of_report
    printed = _print(preview, tmp_path, monkeypatch, range=(2, 3))
    assert _pdf_pages(printed) == 2
    printed = _print(preview, tmp_path, monkeypatch, range=(2, 3), copies=2)
    assert _pdf_pages(printed) == 4


def test_cancelling_the_print_dialog_prints_nothing(preview_of_report, tmp_path, monkeypatch):
    preview, _result = preview_of_report

    class Cancelled(AcceptingPrintDialog):
        def exec(self) -> QDialog.DialogCode:
            return QDialog.DialogCode.Rejected

    monkeypatch.setattr(pdf_preview, "QPrintDialog", Cancelled)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFileName(str(tmp_path / "never.pdf"))
    assert not preview.print_document(printer)
    assert not (tmp_path / "never.pdf").exists()


def test_open_with_the_system_viewer_and_the_folder(preview_of_report, monkeypatch):
    preview, result = preview_of_report
    opened: list[str] = []
    monkeypatch.setattr(pdf_preview.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    preview.open_button.click()
    assert opened == [str(result.path)]
    if pdf_preview.sys.platform != "win32":
        preview.folder_button.click()
        assert opened[-1] == str(result.path.parent)
    result.path.unlink()
    assert not preview.open_externally()
    assert preview.message_text() == f"找不到文件“{result.path}”，它可能已被移动或删除。"


def test_a_file_that_is_not_a_pdf_is_reported_in_the_preview(qtbot, settings, tmp_path):
    broken = tmp_path / "坏文件.pdf"
    broken.write_bytes(b"not a pdf at all")
    preview = PdfPreview(DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(preview)
    preview.show()
    preview.load(broken)
    assert preview.page_count == 0 and not preview.print_button.isEnabled()
    assert preview.message_text() == "文件“坏文件.pdf”不是有效的 PDF 文件，或已损坏，无法显示。"


# --- the archive ---------------------------------------------------------------------------------------


@pytest.fixture
def archived(demo_ctx, out_dir):  # type: ignore[no-untyped-def]
    """A 督办单 and a 催办通知 generated through the service, as the dialog or the CLI would."""
    sheet = reports.generate_report(demo_ctx, ReportRequest(ReportKind.DEPARTMENT, department=_with_tasks(demo_ctx)),
                                    out_dir / "督办单.pdf")
    urge = reports.generate_report(demo_ctx, ReportRequest(ReportKind.URGE, department=_urgeable(demo_ctx)),
                                   out_dir / "催办通知.pdf")
    return sheet, urge


@pytest.fixture
def archive_dialog(qtbot, demo_ctx, settings, archived) -> ReportArchiveDialog:  # type: ignore[no-untyped-def]
    dialog = ReportArchiveDialog(demo_ctx, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _cells(dialog: ReportArchiveDialog, row: int) -> list[str]:
    model = dialog.model
    return [model.data(model.index(row, column)) for column in range(model.columnCount())]


def test_the_archive_lists_each_generated_report(archive_dialog, archived, demo_ctx):
    sheet, urge = archived
    model = archive_dialog.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["类别", "标题", "报送期/单位", "生成时间", "生成人", "页数", "SHA-256", "文件"]
    assert model.rowCount() == 2 and archive_dialog.count_label.text() == "共 2 份"
    rows = {_cells(archive_dialog, row)[0]: row for row in range(2)}
    cells = _cells(archive_dialog, rows["部门督办单"])
    department = sheet.title.removeprefix("部门督办单 ")
    assert cells[1] == sheet.title and cells[2] == department
    assert cells[3].startswith("2025-11-20") and cells[4] == "测试员"
    assert cells[5] == str(_pdf_pages(sheet.path)) and cells[7] == str(sheet.path)
    assert cells[6] == sheet.sha256[:12] + "…"
    tip = model.data(model.index(rows["部门督办单"], 6), Qt.ItemDataRole.ToolTipRole)
    assert sheet.sha256 in tip

    archive_dialog.table.selectRow(rows["部门督办单"])
    archive_dialog.copy_button.click()
    from PySide6.QtGui import QGuiApplication
    assert QGuiApplication.clipboard().text() == sheet.sha256

    archive_dialog.kind.setCurrentIndex(archive_dialog.kind.findData(ReportKind.URGE))
    assert model.rowCount() == 1 and _cells(archive_dialog, 0)[1] == urge.title
    archive_dialog.kind.setCurrentIndex(archive_dialog.kind.findData(ReportKind.BULLETIN))
    assert model.rowCount() == 0 and archive_dialog.count_label.text() == "共 0 份"


def test_verification_confirms_the_original_and_detects_a_modified_file(archive_dialog, archived):
    sheet, _urge = archived
    archive_dialog.kind.setCurrentIndex(archive_dialog.kind.findData(ReportKind.DEPARTMENT))
    archive_dialog.table.selectRow(0)
    archive_dialog.verify_button.click()
    assert archive_dialog.message_text().startswith("校验通过：“督办单.pdf”与存档记录完全一致")
    assert sheet.sha256 in archive_dialog.message_text()

    data = bytearray(sheet.path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit changed somewhere in the middle of the file
    sheet.path.write_bytes(bytes(data))
    archive_dialog.verify_button.click()
    text = archive_dialog.message_text()
    assert text.startswith("校验未通过：“督办单.pdf”的内容与存档时不一致")
    assert f"存档 SHA-256：{sheet.sha256}" in text and f"现在 SHA-256：{file_sha256(sheet.path)}" in text
    assert archive_dialog.message.styleSheet() == "color: #c0392b"


def test_verifying_a_file_received_from_elsewhere_finds_its_archive_entry(archive_dialog, archived, tmp_path,
                                                                          monkeypatch):
    _sheet, urge = archived
    copy = tmp_path / "收到的通知.pdf"
    copy.write_bytes(urge.path.read_bytes())
    monkeypatch.setattr("zzdesk.ui.report_archive_dialog.QFileDialog.getOpenFileName",
                        lambda *args: (str(copy), ""))
    archive_dialog.verify_file_button.click()
    assert archive_dialog.message_text().startswith(f"校验通过：“收到的通知.pdf”与存档中的“{urge.title}”")
    assert archive_dialog.selected_entry().id == urge.record_id

    copy.write_bytes(urge.path.read_bytes() + b"\n")
    archive_dialog.verify_file_button.click()
    assert archive_dialog.message_text().startswith("存档中没有与“收到的通知.pdf”完全一致的报告")


def test_previewing_from_the_archive_and_a_moved_file(archive_dialog, archived, demo_ctx, settings, qtbot):
    sheet, _urge = archived
    archive_dialog.kind.setCurrentIndex(archive_dialog.kind.findData(ReportKind.DEPARTMENT))
    index = archive_dialog.model.index(0, 1)
    archive_dialog.table.doubleClicked.emit(index)
    shown = archive_dialog.findChildren(PdfPreviewDialog)
    assert len(shown) == 1 and shown[0].preview.page_count == sheet.pages
    shown[0].preview.close_button.click()
    assert not shown[0].isVisible()

    sheet.path.rename(sheet.path.with_name("改名了.pdf"))
    archive_dialog.verify_button.click()
    assert archive_dialog.message_text() == f"找不到文件“{sheet.path}”，它可能已被移动或删除，无法校验。"
    assert archive_dialog.preview_selected() is None
    assert archive_dialog.message_text().startswith(
        f"找不到文件“{sheet.path}”：这份部门督办单在生成后被移动、改名或删除了")

    reopened = ReportArchiveDialog(demo_ctx, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(reopened)
    assert reopened.count_label.text() == "共 2 份，其中 1 份的文件已不在原处"
