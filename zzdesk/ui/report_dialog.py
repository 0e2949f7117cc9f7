"""生成报告 dialog: pick the report, its period or department and where to save it; generate; check the preview.

Generation runs on the worker with its steps shown; a refusal (unknown department, a folder that does not exist,
nothing to urge) is shown in red inside the dialog, which stays open so the clerk can correct it. On success the
dialog turns into the preview of the file just written.
"""

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QSettings, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.dates import Period
from zzdesk.domain.errors import DomainError
from zzdesk.domain.vocabulary import REPORT_LABELS, ReportKind
from zzdesk.services import departments, reports
from zzdesk.services.bulletin_content import default_period
from zzdesk.services.context import ServiceContext
from zzdesk.services.reports import ReportRequest, ReportResult
from zzdesk.services.views import DepartmentView
from zzdesk.ui import options
from zzdesk.ui.dialog_status import ErrorLabel, StepProgress
from zzdesk.ui.output_file_row import OutputFileRow, remembered_folder
from zzdesk.ui.pdf_preview import PdfPreview
from zzdesk.ui.worker import DatabaseWorker

log = logging.getLogger(__name__)

PERIOD_CHOICES = 12  # months offered for a bulletin, the latest due one first
DONE_COLOR = "#2e7d32"
FORM_SIZE = (600, 380)
PREVIEW_SIZE = (860, 980)
DEPARTMENT_KINDS = (ReportKind.DEPARTMENT, ReportKind.URGE)


def tr(text: str) -> str:
    return QCoreApplication.translate("ReportDialog", text)


def describe(kind: ReportKind) -> str:
    """What the report holds, in a line, so the clerk picks the right one."""
    return {
        ReportKind.BULLETIN: tr("按报送期汇总全部举措的推进情况、红黄灯和滞后事项，点名超期和滞后的任务与单位；"
                                "期号自动编排，同一报送期重新生成时沿用原期号。"),
        ReportKind.DEPARTMENT: tr("列出一个单位牵头和配合的全部任务、近期到期事项和被退回的报送，发给该单位督办。"),
        ReportKind.URGE: tr("列出一个单位超期未完成的事项和逾期未报送的进展，请其限期回复；"
                            "没有需要催办的事项时不会生成。"),
        ReportKind.BRIEF: tr("给领导的一页纸：截至今天的主要数字和最需要关注的几项任务。"),
    }[kind]


def period_label(period: Period) -> str:
    return tr("{}年{}月").format(period.year, period.month)


def period_choices(today_period: Period, latest_due: Period) -> list[tuple[str, Period]]:
    """The current month (if its reports are not all due yet, marked so) and the twelve months up to the latest due
    one, newest first."""
    choices = []
    month = today_period
    while month > latest_due:
        choices.append((tr("{}（报送尚未截止）").format(period_label(month)), month))
        month = month.shifted(-1)
    choices.extend((period_label(latest_due.shifted(-n)), latest_due.shifted(-n)) for n in range(PERIOD_CHOICES))
    return choices


class ProgressRelay(QObject):
    """Created on the GUI thread; the worker emits, Qt queues the call to the GUI thread."""

    progress = Signal(int, str)


class UnexpectedReportError(DomainError):
    """A bug while generating: logged with its traceback, shown to the clerk as a calm sentence."""


class ReportDialog(QDialog):
    """Emits ``generated(ReportResult)`` after a report was written and archived."""

    generated = Signal(object)

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, settings: QSettings,
                 kind: ReportKind = ReportKind.BULLETIN, department: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker, self.settings = ctx, worker, settings
        self.report: ReportResult | None = None  # the last one generated
        self._busy = False
        self._known_departments: set[str] | None = None  # names and short names, once loaded

        self.kind = QComboBox()
        for value, label in REPORT_LABELS.items():
            self.kind.addItem(label, value)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: #555")
        self.period = QComboBox()
        today = ctx.today()
        for label, month in period_choices(Period.of(today), default_period(today)):
            self.period.addItem(label, month)
        self.select_period(default_period(today))
        self.period.setToolTip(tr("通报统计到该月的报送；默认是最近一个报送已截止的月份"))
        self.department = QComboBox()
        self.department.setEditable(True)
        self.department.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.department.lineEdit().setPlaceholderText(tr("选择单位，或输入名称、简称查找"))
        self.department.lineEdit().setClearButtonEnabled(True)
        self._names = QStringListModel(self)
        completer = QCompleter(self._names, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.department.setCompleter(completer)
        self.output_row = OutputFileRow(".pdf", tr("PDF 文件 (*.pdf)"), tr("报告保存为"),
                                        tr("该文件已存在，生成后将替换它"), self.default_folder, min_width=320)
        self.output, self.browse_button = self.output_row.line_edit, self.output_row.browse_button
        self.output_note = self.output_row.note

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow(tr("报告类型(&K)："), self.kind)
        self.form.addRow("", self.description)
        self.form.addRow(tr("报送期(&Q)："), self.period)
        self.form.addRow(tr("单位(&D)："), self.department)
        self.output_row.add_to(self.form, tr("保存为(&S)："))

        self.error = ErrorLabel()
        self.progress_row = StepProgress(maximum=100)
        self.step, self.progress = self.progress_row.step, self.progress_row.bar
        self.step.setMinimumWidth(self.fontMetrics().horizontalAdvance("正在绘制图表和排版…"))  # the bar stays put
        self.generate_button = QPushButton(tr("生成(&G)"))
        self.generate_button.setDefault(True)
        self.generate_button.setToolTip(tr("生成 PDF，保存到上面的位置，并记入报告存档"))
        self.cancel_button = QPushButton(tr("取消"))
        self.cancel_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.cancel_button)

        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.addLayout(self.form)
        form_layout.addWidget(self.error)
        form_layout.addStretch(1)
        form_layout.addWidget(self.progress_row)
        form_layout.addLayout(buttons)

        self.done_label = QLabel()
        self.done_label.setWordWrap(True)
        self.done_label.setStyleSheet(f"color: {DONE_COLOR}")
        self.done_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.again_button = QPushButton(tr("再生成一份(&A)"))
        self.again_button.setAutoDefault(False)
        self.again_button.setToolTip(tr("回到设置，换一个报送期、单位或报告类型"))
        done_row = QHBoxLayout()
        done_row.addWidget(self.done_label, 1)
        done_row.addWidget(self.again_button, 0, Qt.AlignmentFlag.AlignTop)
        self.preview = PdfPreview(worker, settings)
        self.preview.title_label.setVisible(False)  # the line above already names the report
        result_page = QWidget()
        result_layout = QVBoxLayout(result_page)
        result_layout.setContentsMargins(0, 0, 0, 0)
        result_layout.addLayout(done_row)
        result_layout.addWidget(self.preview, 1)

        self.pages = QStackedWidget()
        self.pages.addWidget(form_page)
        self.pages.addWidget(result_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

        self._relay = ProgressRelay(self)
        self._relay.progress.connect(self._show_progress)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.period.currentIndexChanged.connect(self._refresh_file_name)
        self.department.currentTextChanged.connect(self._refresh_file_name)
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button.clicked.connect(self.reject)
        self.again_button.clicked.connect(self.show_form)
        self.preview.close_requested.connect(self.accept)
        self.finished.connect(lambda _: self.preview.release())

        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self._kind_changed()
        self.department.setCurrentIndex(-1)
        self.department.setEditText(department or "")
        self._refresh_file_name()
        self.resize(*FORM_SIZE)
        self._load_departments()

    # --- choices ---------------------------------------------------------------------------------
    def current_kind(self) -> ReportKind:
        return ReportKind(self.kind.currentData())  # Qt hands the enum back as a plain str

    def _kind_changed(self) -> None:
        kind = self.current_kind()
        self.setWindowTitle(tr("生成报告 — {}").format(REPORT_LABELS[kind]))
        self.description.setText(describe(kind))
        self.form.setRowVisible(self.period, kind is ReportKind.BULLETIN)
        self.form.setRowVisible(self.department, kind in DEPARTMENT_KINDS)
        self.error.say("")
        self._refresh_file_name()

    def _load_departments(self) -> None:
        ctx = self.ctx
        self.worker.run(lambda: departments.list_departments(ctx, include_inactive=True),
                        self._show_departments, lambda error: self.error.say(error.message))

    def _show_departments(self, every: list[DepartmentView]) -> None:
        """Active departments to choose from; a stopped one may still be typed (its history stays reportable)."""
        if not shiboken6.isValid(self):
            return
        typed = self.department.currentText()
        views = [view for view in every if view.active]
        names = [view.name for view in views]
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItems(names)
        self.department.setCurrentIndex(-1)
        self.department.setEditText(typed)
        self.department.blockSignals(False)
        self._names.setStringList(names + [v.short_name for v in views if v.short_name and v.short_name not in names])
        self._known_departments = {view.name for view in every} | {view.short_name for view in every if view.short_name}

    def select_period(self, period: Period) -> None:
        # findData cannot compare Python objects by value: look for the month ourselves
        found = next((i for i in range(self.period.count()) if self.period.itemData(i) == period), 0)
        self.period.setCurrentIndex(found)

    def request(self) -> ReportRequest:
        kind = self.current_kind()
        return ReportRequest(kind=kind, period=self.period.currentData() if kind is ReportKind.BULLETIN else None,
                             department=self.department.currentText().strip() if kind in DEPARTMENT_KINDS else None)

    # --- the output file -------------------------------------------------------------------------
    def default_folder(self) -> Path:
        return remembered_folder(options.REPORT_FOLDER, self.settings)

    def _refresh_file_name(self) -> None:
        """Fill in a fitting file name, unless the clerk typed or chose one of their own."""
        self.output_row.offer_name(reports.default_file_name(self.request(), self.ctx))

    # --- generating ------------------------------------------------------------------------------
    def generate(self) -> None:
        if self._busy:
            return
        request = self.request()
        refusal = self._refusal(request)
        if refusal:
            self.error.say(refusal)
            return
        ctx, out, relay = self.ctx, self.output_row.path(), self._relay
        unexpected = tr("生成报告时发生意外错误（{}），报告没有生成。详细信息已记录到日志文件，请联系技术支持。")

        def work() -> ReportResult:
            try:
                return reports.generate_report(ctx, request, out, relay.progress.emit)
            except DomainError:
                raise
            except Exception as error:  # a bug: keep the dialog usable and say so in Chinese
                log.exception("report generation failed for %s", request)
                raise UnexpectedReportError(unexpected.format(type(error).__name__)) from error

        self.error.say("")
        self._set_busy(True)
        self._show_progress(0, tr("正在准备"))
        self.worker.run(work, self._generated, self._refused)

    def _refusal(self, request: ReportRequest) -> str:
        """What can be told before starting: a missing or unknown department, an empty file name."""
        if request.kind in DEPARTMENT_KINDS:
            if not request.department:
                return tr("{}需要指定单位，请从列表中选择一个单位").format(REPORT_LABELS[request.kind])
            known = self._known_departments
            if known is not None and request.department not in known:
                return tr("单位“{}”不在单位名录中，请从列表中选择，或在“管理 → 单位名录”中添加").format(
                    request.department)
        if not self.output_row.path_text():
            return tr("请填写报告的保存位置和文件名")
        return ""

    def _show_progress(self, percent: int, step: str) -> None:
        if shiboken6.isValid(self):
            self.progress.setValue(percent)
            self.step.setText(step)

    def _generated(self, result: ReportResult) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        self.report = result
        options.REPORT_FOLDER.write(self.settings, str(result.path.parent))
        self.done_label.setText(tr("已生成{}，共 {} 页，已记入报告存档。\n{}").format(
            result.title, result.pages, result.path))
        self.done_label.setToolTip(tr("SHA-256：{}").format(result.sha256))
        self.pages.setCurrentIndex(1)
        self.resize(*PREVIEW_SIZE)
        self.preview.load(result.path, result.title)
        self.generated.emit(result)

    def _refused(self, error: DomainError) -> None:
        if shiboken6.isValid(self):
            self._set_busy(False)
            self.error.say(error.message)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress_row.setVisible(busy)
        for widget in (self.kind, self.period, self.department, self.output, self.browse_button,
                       self.generate_button, self.cancel_button):
            widget.setEnabled(not busy)

    def show_form(self) -> None:
        """Back to the settings for another report; the preview lets go of its file."""
        if self.preview.refuse_close_while_printing():
            return
        self.preview.release()
        self.pages.setCurrentIndex(0)
        self.resize(*FORM_SIZE)
        self.output_row.check_exists()

    def error_text(self) -> str:
        return self.error.shown_text()

    def reject(self) -> None:
        if self._busy:  # the worker is writing the file; closing now would lose the result
            self.step.setText(tr("正在生成报告，请稍候…"))
            return
        if not self.preview.refuse_close_while_printing():
            super().reject()

    def accept(self) -> None:
        if not self.preview.refuse_close_while_printing():
            super().accept()
