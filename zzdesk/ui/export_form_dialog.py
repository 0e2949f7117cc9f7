"""导出部门报送表: choose the department and the reporting month, see the file name, export.

A liaison gets their own department, fixed (the service refuses any other anyway). The export runs on the worker;
a refusal (a stopped department, a month not yet begun, a folder that does not exist) is shown in red and the
dialog stays open for a correction. ``exchange_export`` is imported where it is used: it loads openpyxl, which the
main window (that imports this dialog) should not wait for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QSettings, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.dates import Period
from zzdesk.domain.errors import DomainError
from zzdesk.domain.reporting import default_period
from zzdesk.domain.roles import Role
from zzdesk.domain.vocabulary import Cycle
from zzdesk.services import departments
from zzdesk.services.context import ServiceContext
from zzdesk.services.views import DepartmentView
from zzdesk.ui.department_mapping import searchable_combo
from zzdesk.ui.dialog_status import ErrorLabel
from zzdesk.ui.options import Option
from zzdesk.ui.output_file_row import OutputFileRow, remembered_folder
from zzdesk.ui.worker import DatabaseWorker

if TYPE_CHECKING:
    from zzdesk.services.exchange_export import ExportResult

# Where the last Excel file was exported or imported (empty: the Documents folder).
EXCHANGE_FOLDER = Option("exchange/folder", str, "")
MONTHS_OFFERED = 12


def tr(text: str) -> str:
    return QCoreApplication.translate("ExportFormDialog", text)


def exchange_folder(settings: QSettings) -> Path:
    return remembered_folder(EXCHANGE_FOLDER, settings)


def remember_folder(settings: QSettings, path: Path) -> None:
    EXCHANGE_FOLDER.write(settings, str(path.parent))


def month_choices(ctx: ServiceContext) -> tuple[list[tuple[str, Period]], Period]:
    """This month and the eleven before it, newest first, and the month a report made today is about."""
    current = Period.of(ctx.today())
    usual = default_period(Cycle.MONTHLY, None, ctx.today())
    choices = []
    for back in range(MONTHS_OFFERED):
        month = current.shifted(-back)
        label = tr("{}年{}月").format(month.year, month.month)
        choices.append((label + (tr("（本期）") if month == usual else ""), month))
    return choices, usual


class ExportFormDialog(QDialog):
    """Emits ``exported(ExportResult)`` after the file was written; then closes."""

    exported = Signal(object)

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, settings: QSettings,
                 department: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker, self.settings = ctx, worker, settings
        self.setWindowTitle(tr("导出部门报送表"))
        self._busy = False
        self._known: set[str] | None = None
        user = ctx.user
        self.fixed = user is not None and user.role is Role.LIAISON
        if self.fixed:
            department = user.department if user is not None else None

        intro = QLabel(tr("导出一个单位本期牵头和配合的任务，已填入最近一次报送的内容。"
                          "发给该单位填写后，用“导入部门报送表”导回。"))
        intro.setWordWrap(True)
        intro.setStyleSheet("color:#555")
        self.department = searchable_combo([], tr("选择单位，或输入名称查找"), self)
        self.department.setEditText(department or "")
        self.department.setEnabled(not self.fixed)
        if self.fixed:
            self.department.setToolTip(tr("联络员只能导出本单位的报送表"))
        self.period = QComboBox()
        choices, usual = month_choices(ctx)
        for label, month in choices:
            self.period.addItem(label, month)
        self.period.setCurrentIndex(next(i for i, (_label, month) in enumerate(choices) if month == usual))
        self.period.setToolTip(tr("报送表中的进展属于哪个月；默认是当前应报送的月份"))
        self.output_row = OutputFileRow(".xlsx", tr("Excel 文件 (*.xlsx)"), tr("报送表保存为"),
                                        tr("该文件已存在，导出后将替换它"), lambda: exchange_folder(settings),
                                        min_width=360)
        self.output, self.browse_button = self.output_row.line_edit, self.output_row.browse_button
        self.output_note = self.output_row.note
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(tr("单位(&D)："), self.department)
        form.addRow(tr("报送期(&Q)："), self.period)
        self.output_row.add_to(form, tr("保存为(&S)："))

        self.error = ErrorLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.export_button = QPushButton(tr("导出(&E)"))
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton(tr("取消"))
        self.cancel_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.department.currentTextChanged.connect(self._refresh_file_name)
        self.period.currentIndexChanged.connect(self._refresh_file_name)
        self.export_button.clicked.connect(self.export)
        self.cancel_button.clicked.connect(self.reject)
        self.resize(600, 300)
        self._refresh_file_name()
        if not self.fixed:
            self._load_departments()

    # --- choices ---------------------------------------------------------------------------------------------
    def _load_departments(self) -> None:
        ctx = self.ctx
        self.worker.run(lambda: departments.list_departments(ctx, include_inactive=False), self._show_departments,
                        lambda error: self.error.say(error.message))

    def _show_departments(self, views: list[DepartmentView]) -> None:
        if not shiboken6.isValid(self):
            return
        typed = self.department.currentText()
        names = [view.name for view in views]
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItems(names)
        self.department.setCurrentIndex(-1)
        self.department.setEditText(typed)
        self.department.blockSignals(False)
        model = self.department.completer().model()
        model.setStringList(names + [v.short_name for v in views if v.short_name and v.short_name not in names])
        self._known = set(names) | {view.short_name for view in views if view.short_name}
        self._refresh_file_name()

    def chosen_department(self) -> str:
        return self.department.currentText().strip()

    def chosen_period(self) -> Period:
        return self.period.currentData()

    def select_period(self, period: Period) -> None:
        found = next((i for i in range(self.period.count()) if self.period.itemData(i) == period), None)
        if found is not None:
            self.period.setCurrentIndex(found)

    # --- the file --------------------------------------------------------------------------------------------
    def _file_name(self) -> str:
        from zzdesk.services import exchange_export

        name = self.chosen_department()
        if not name or (self._known is not None and name not in self._known):
            return ""
        try:
            return exchange_export.default_form_name(self.ctx, name, self.chosen_period())
        except DomainError:  # a name being typed that is not (yet) a department
            return ""

    def _refresh_file_name(self) -> None:
        """Fill in the usual file name, unless the clerk typed or chose one of their own."""
        name = self._file_name()
        if name:
            self.output_row.offer_name(name)

    # --- exporting -------------------------------------------------------------------------------------------
    def export(self) -> None:
        if self._busy:
            return
        department = self.chosen_department()
        if not department:
            self.error.say(tr("请选择要导出报送表的单位"))
            return
        if self._known is not None and department not in self._known:
            self.error.say(tr("单位“{}”不在单位名录中（或已停用），请从列表中选择").format(department))
            return
        if not self.output_row.path_text():
            self.error.say(tr("请填写报送表的保存位置和文件名"))
            return
        from zzdesk.services import exchange_export

        ctx, out, period = self.ctx, self.output_row.path(), self.chosen_period()
        self.error.say("")
        self._set_busy(True)
        self.worker.run(lambda: exchange_export.export_form(ctx, department, out, period), self._exported,
                        self._refused)

    def _exported(self, result: ExportResult) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        remember_folder(self.settings, result.path)
        self.exported.emit(result)
        self.accept()

    def _refused(self, error: DomainError) -> None:
        if shiboken6.isValid(self):
            self._set_busy(False)
            self.error.say(error.message)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        for widget in (self.period, self.output, self.browse_button, self.export_button, self.cancel_button):
            widget.setEnabled(not busy)
        self.department.setEnabled(not busy and not self.fixed)

    def error_text(self) -> str:
        return self.error.shown_text()

    def reject(self) -> None:
        if not self._busy:
            super().reject()
