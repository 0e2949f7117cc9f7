"""数据交换 menu: the Excel files the office exchanges with departments, both ways.

Exports (the 任务分解表 as Excel or CSV, a department's 进展报送表) are for everyone who can see the ledger; the
imports are shown only to roles that may import (the services refuse the others anyway). Each handler has a
``…_to`` / ``…_from`` twin taking the path, so the file dialog only picks it and tests pass paths directly.
Every service call runs on the worker; a refusal is shown as its Chinese message, never a traceback.
The exchange services are imported where they are used: they load openpyxl, which the main window's first paint
should not wait for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from zzdesk.domain.errors import DomainError
from zzdesk.domain.permissions import Action, allowed
from zzdesk.services import departments
from zzdesk.services.context import ServiceContext
from zzdesk.services.import_preview import ImportPreview, ImportResult
from zzdesk.ui.department_mapping import ImportChoices
from zzdesk.ui.export_form_dialog import ExportFormDialog, exchange_folder, remember_folder
from zzdesk.ui.import_preview_dialog import Importer, ImportPreviewDialog

if TYPE_CHECKING:
    from zzdesk.services.exchange_export import ExportResult
    from zzdesk.ui.main_window import MainWindow


def tr(text: str) -> str:
    return QCoreApplication.translate("ExchangeActions", text)


def _excel_filter() -> str:
    return tr("Excel 文件 (*.xlsx)")


def _csv_filter() -> str:
    return tr("CSV 文件 (*.csv)")


def _with_suffix(chosen: str, suffix: str) -> Path:
    path = Path(chosen)
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def _backup_line(result: ImportResult) -> str:
    return tr("\n导入前已备份到：{}").format(result.backup) if result.backup else ""


def _skipped_line(result: ImportResult) -> str:
    return tr("，跳过有错误的 {} 行").format(result.skipped_errors) if result.skipped_errors else ""


def form_done_text(result: ImportResult) -> str:
    """「已导入 3 条进展报送，跳过有错误的 1 行。导入前已备份到：…」."""
    return (tr("已导入 {} 条进展报送{}，可在“审核”中查看。").format(result.written, _skipped_line(result))
            + _backup_line(result))


def ledger_done_text(result: ImportResult) -> str:
    created = (tr("\n新建单位：{}").format("、".join(result.created_departments))
               if result.created_departments else "")
    return (tr("已导入 {} 条分工修改{}。").format(result.written, _skipped_line(result)) + created
            + _backup_line(result))


def form_importer(ctx: ServiceContext, path: Path) -> Importer:
    from zzdesk.services import form_import

    return Importer(preview=lambda _choices: form_import.preview_form(ctx, path),
                    apply=lambda sha, _choices, skip: form_import.apply_form(ctx, path, sha, skip_errors=skip),
                    done_text=form_done_text)


def ledger_importer(ctx: ServiceContext, path: Path) -> Importer:
    from zzdesk.services import ledger_import

    def preview(choices: ImportChoices) -> ImportPreview:
        return ledger_import.preview_ledger(ctx, path, dict(choices.mapping) or None, choices.create_departments)

    def apply(sha256: str, choices: ImportChoices, skip: bool) -> ImportResult:
        return ledger_import.apply_ledger(ctx, path, sha256, mapping=dict(choices.mapping) or None,
                                          create_departments=choices.create_departments, skip_errors=skip)

    def names() -> list[str]:
        return [view.name for view in departments.list_departments(ctx, include_inactive=False)]

    return Importer(preview=preview, apply=apply, done_text=ledger_done_text, department_names=names)


class ExchangeActions(QObject):
    """The 数据交换 menu and what its entries do, for one main window (built for one person)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.preview_dialog: ImportPreviewDialog | None = None  # the last one opened
        self.export_dialog: ExportFormDialog | None = None
        self.menu = QMenu(tr("数据交换(&X)"), window)
        self.export_ledger_action = self._action(tr("导出任务分解表（Excel）(&E)…"),
                                                 lambda: self.export_ledger(".xlsx"))
        self.export_csv_action = self._action(tr("导出任务分解表（CSV）(&C)…"), lambda: self.export_ledger(".csv"))
        self.export_form_action = self._action(tr("导出部门报送表(&F)…"), self.open_export_form)
        self.menu.addSeparator()
        self.import_form_action = self._action(tr("导入部门报送表(&I)…"), self.import_form)
        self.import_ledger_action = self._action(tr("导入任务分解表(&L)…"), self.import_ledger)
        self.export_ledger_action.setToolTip(
            tr("全部举措和具体任务的分工、进度和最新进展，可在 Excel 中查看或修改分工后导回"))
        self.export_form_action.setToolTip(tr("一个单位本期的任务，发给该单位填写进展"))
        self.import_form_action.setToolTip(tr("导入单位填好交回的进展报送表：先预览每一行，确认后才写入"))
        self.import_ledger_action.setToolTip(tr("按修改过的任务分解表更新分工：先预览每一行，确认后才写入"))
        self.menu.setToolTipsVisible(True)
        user = window.ctx.user
        for action, needed in ((self.import_form_action, Action.IMPORT_FORM),
                               (self.import_ledger_action, Action.IMPORT_LEDGER)):
            may = allowed(user, needed)
            action.setVisible(may)
            action.setEnabled(may)  # a hidden action must not fire either

    def _action(self, text: str, handler: Callable[[], object]) -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(lambda _checked=False: handler())
        self.menu.addAction(action)
        return action

    @property
    def import_actions(self) -> tuple[QAction, QAction]:
        return self.import_form_action, self.import_ledger_action

    # --- exports ---------------------------------------------------------------------------------------------
    def export_ledger(self, suffix: str) -> None:
        from zzdesk.services import exchange_export

        window = self.window
        suggested = exchange_folder(window.settings) / exchange_export.default_ledger_name(window.ctx, suffix)
        chosen, _filter = QFileDialog.getSaveFileName(window, tr("导出任务分解表"), str(suggested),
                                                      _csv_filter() if suffix == ".csv" else _excel_filter())
        if chosen:
            self.export_ledger_to(_with_suffix(chosen, suffix))

    def export_ledger_to(self, path: Path) -> None:
        from zzdesk.services import exchange_export

        ctx = self.window.ctx
        self.window.statusBar().showMessage(tr("正在导出任务分解表…"))
        self.window.worker.run(lambda: exchange_export.export_ledger(ctx, path), self._ledger_exported,
                               self._export_refused)

    def _ledger_exported(self, result: ExportResult) -> None:
        remember_folder(self.window.settings, result.path)
        self.window.statusBar().showMessage(tr("已导出任务分解表：{}").format(result.path), 10_000)
        QMessageBox.information(self.window, tr("导出完成"),
                                tr("已导出{}，共 {} 行：\n{}").format(result.title, result.rows, result.path))

    def _export_refused(self, error: DomainError) -> None:
        self.window.statusBar().clearMessage()
        QMessageBox.warning(self.window, tr("无法导出"), error.message)

    def open_export_form(self) -> ExportFormDialog:
        """A department report starts with the selected task's lead department, as the 督办单 does."""
        window = self.window
        rows = window.table.selectionModel().selectedRows()
        task = window.model.task_at(rows[0].row()) if rows else None
        dialog = ExportFormDialog(window.ctx, window.worker, window.settings, task.lead if task else None, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.exported.connect(self._form_exported)
        dialog.open()
        self.export_dialog = dialog
        return dialog

    def _form_exported(self, result: ExportResult) -> None:
        self.window.statusBar().showMessage(tr("已导出报送表：{}").format(result.path), 10_000)
        text = tr("已导出{}，共 {} 项任务：\n{}\n\n请发给该单位填写，交回后用“数据交换 → 导入部门报送表”导入。")
        QMessageBox.information(self.window, tr("导出完成"), text.format(result.title, result.rows, result.path))

    # --- imports ---------------------------------------------------------------------------------------------
    def _pick_file(self, title: str, filters: str) -> Path | None:
        chosen, _filter = QFileDialog.getOpenFileName(self.window, title, str(exchange_folder(self.window.settings)),
                                                      filters)
        return Path(chosen) if chosen else None

    def import_form(self) -> None:
        path = self._pick_file(tr("导入部门报送表"), _excel_filter())
        if path is not None:
            self.import_form_from(path)

    def import_ledger(self) -> None:
        filters = tr("任务分解表 (*.xlsx *.csv);;") + _excel_filter() + ";;" + _csv_filter()
        path = self._pick_file(tr("导入任务分解表"), filters)
        if path is not None:
            self.import_ledger_from(path)

    def import_form_from(self, path: Path) -> None:
        self._preview(form_importer(self.window.ctx, path), path)

    def import_ledger_from(self, path: Path) -> None:
        self._preview(ledger_importer(self.window.ctx, path), path)

    def _preview(self, importer: Importer, path: Path) -> None:
        """Read and check the file on the worker; show the preview, or say why the file cannot be read."""
        window = self.window
        window.statusBar().showMessage(tr("正在检查“{}”…").format(path.name))
        window.worker.run(lambda: importer.preview(ImportChoices()),
                          lambda preview: self._show_preview(importer, path, preview), self._import_refused)

    def _show_preview(self, importer: Importer, path: Path, preview: ImportPreview) -> None:
        window = self.window
        window.statusBar().clearMessage()
        remember_folder(window.settings, path)
        dialog = ImportPreviewDialog(window.worker, importer, preview, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(lambda _result: window.reload())
        dialog.open()
        self.preview_dialog = dialog

    def _import_refused(self, error: DomainError) -> None:
        if shiboken6.isValid(self.window):
            self.window.statusBar().clearMessage()
            QMessageBox.warning(self.window, tr("无法导入"), error.message)


def install_exchange_actions(window: MainWindow) -> ExchangeActions:
    """Add the 数据交换 menu to the window's menu bar (where the next menu would go) and return its actions."""
    actions = ExchangeActions(window)
    window.menuBar().addMenu(actions.menu)
    return actions
