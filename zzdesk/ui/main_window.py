"""The main window: navigation tree on the left, the filtered ledger in the centre, details below it."""

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QCoreApplication, QItemSelection, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.errors import DomainError
from zzdesk.domain.vocabulary import ReportKind
from zzdesk.services import departments, ledger
from zzdesk.services.context import ServiceContext
from zzdesk.services.ledger_filter import LedgerFilter
from zzdesk.services.views import PlanView, TaskView
from zzdesk.ui import options
from zzdesk.ui.audit_viewer import open_audit_viewer
from zzdesk.ui.dashboard import DashboardPage
from zzdesk.ui.database_menu import DatabaseMenu
from zzdesk.ui.departments_dialog import DepartmentsDialog
from zzdesk.ui.detail_pane import DetailPane
from zzdesk.ui.exchange_actions import install_exchange_actions
from zzdesk.ui.filter_bar import FilterBar
from zzdesk.ui.fonts import application_font
from zzdesk.ui.ledger_model import LedgerModel, Orders, prepare_orders
from zzdesk.ui.list_table import set_up_list_table
from zzdesk.ui.nav_tree import NavTree
from zzdesk.ui.office_settings_dialog import OfficeSettingsDialog
from zzdesk.ui.review_queue import ReviewQueue
from zzdesk.ui.role_view import install_session
from zzdesk.ui.update_dialog import UpdateDialog
from zzdesk.ui.worker import DatabaseWorker

if TYPE_CHECKING:
    from zzdesk.ui.report_archive_dialog import ReportArchiveDialog
    from zzdesk.ui.report_dialog import ReportDialog

COLUMN_WIDTHS = (58, 210, 110, 140, 140, 88, 72, 48, 64, 80, 70)


def tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def _ledger_rows(plan: PlanView) -> list[TaskView]:
    """Measures each followed by their work items: code order."""
    return [t for g in plan.groups for m in g.measures for t in (m, *m.items)]


log = logging.getLogger(__name__)

class MainWindow(QMainWindow):
    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, settings: QSettings) -> None:
        super().__init__()
        self.ctx, self.worker, self.settings = ctx, worker, settings
        self._pending_selection: str | None = None
        self.setWindowTitle(tr("zzdesk 督查室重点任务台账 — {}").format(ctx.database.target.display_name))
        self.resize(1360, 820)

        self.tree = NavTree()
        self.filter_bar = FilterBar()
        self.model = LedgerModel(tr, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        set_up_list_table(self.table, COLUMN_WIDTHS)
        self.detail = DetailPane(ctx, worker)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(6, 6, 6, 0)
        centre_layout.addWidget(self.filter_bar)
        self.ledger_split = QSplitter(Qt.Orientation.Vertical)
        self.ledger_split.addWidget(self.table)
        self.ledger_split.addWidget(self.detail)
        self.ledger_split.setSizes([560, 240])
        self.ledger_split.setStretchFactor(0, 3)
        self.ledger_split.setStretchFactor(1, 1)
        centre_layout.addWidget(self.ledger_split)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(self.tree)
        self.main_split.addWidget(centre)
        self.main_split.setSizes([330, 1110])
        self.review = ReviewQueue(ctx, worker)
        self.dashboard = DashboardPage(ctx, worker)
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.main_split, tr("台账"))
        self.pages.addTab(self.review, tr("审核"))
        self.pages.addTab(self.dashboard, tr("总览"))
        self.setCentralWidget(self.pages)

        self.count_label = QLabel()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.statusBar().addWidget(self.count_label, 1)
        self.statusBar().addPermanentWidget(self.busy)
        self.worker.busy_changed.connect(self.busy.setVisible)

        self._build_actions()
        self.tree.scope_selected.connect(lambda *_: self._apply_filter())
        self.filter_bar.changed.connect(self._apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.model.modelReset.connect(self._on_model_reset)
        self.detail.changed.connect(self._after_edit)
        self.review.reviewed.connect(self.reload)
        self.review.task_activated.connect(self.show_task_in_ledger)
        self.dashboard.task_activated.connect(self.show_task_in_ledger)
        self.pages.currentChanged.connect(self._on_page)
        self._restore_state()
        self.session = install_session(self)  # the logged-in person: role, 切换用户/锁定, idle lock

    # --- actions --------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.refresh_action = QAction(tr("刷新(&R)"), self, shortcut=QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.reload)
        self.find_action = QAction(tr("查找(&F)"), self, shortcut=QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.filter_bar.focus_text)
        self.clear_filter_action = QAction(tr("清除筛选"), self, shortcut=QKeySequence("Ctrl+Shift+F"))
        self.clear_filter_action.triggered.connect(self.filter_bar.clear)
        self.update_action = QAction(tr("报送进展(&N)…"), self, shortcut=QKeySequence.StandardKey.New)
        self.update_action.triggered.connect(self.open_update_dialog)
        self.large_font_action = QAction(tr("大字体(&L)"), self, checkable=True)
        self.large_font_action.setChecked(bool(options.LARGE_FONT.read(self.settings)))
        self.large_font_action.toggled.connect(self._set_large_font)

        self.file_menu = DatabaseMenu(self.ctx, self.worker, self.settings, self)
        self.menuBar().addMenu(self.file_menu)
        self.exchange = install_exchange_actions(self)  # 数据交换, next to 文件: the Excel files in and out
        view_menu = self.menuBar().addMenu(tr("视图(&V)"))
        for action in (self.refresh_action, self.find_action, self.clear_filter_action):
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.large_font_action)
        self.departments_action = QAction(tr("单位名录(&D)…"), self)
        self.departments_action.triggered.connect(self.edit_departments)
        task_menu = self.menuBar().addMenu(tr("任务(&T)"))
        task_menu.addAction(self.update_action)
        self._build_report_menu()
        self.manage_menu = manage_menu = self.menuBar().addMenu(tr("管理(&M)"))
        manage_menu.addAction(self.departments_action)
        self.settings_action = QAction(tr("全局设置(&S)…"), self)
        self.settings_action.triggered.connect(self.edit_office_settings)
        manage_menu.addAction(self.settings_action)
        self.audit_action = manage_menu.addAction(tr("审计日志(&A)…"))
        self.audit_action.triggered.connect(lambda: open_audit_viewer(self.ctx, self.worker, self))
        toolbar = self.addToolBar(tr("工具栏"))
        toolbar.setObjectName("main_toolbar")
        toolbar.addAction(self.update_action)
        toolbar.addAction(self.refresh_action)
        toolbar.addAction(self.find_action)
        toolbar.addAction(self.clear_filter_action)

    def _build_report_menu(self) -> None:
        self.report_menu = self.menuBar().addMenu(tr("报告(&R)"))
        self.report_actions: dict[ReportKind, QAction] = {}
        for kind, text, keys in ((ReportKind.BULLETIN, tr("生成督查通报(&B)…"), QKeySequence("Ctrl+P")),
                                 (ReportKind.DEPARTMENT, tr("部门督办单(&D)…"), None),
                                 (ReportKind.URGE, tr("催办通知(&U)…"), None),
                                 (ReportKind.BRIEF, tr("领导简报(&L)…"), None)):
            action = QAction(text, self)
            if keys is not None:
                action.setShortcut(keys)
            action.triggered.connect(lambda _checked=False, k=kind: self.open_report_dialog(k))
            self.report_menu.addAction(action)
            self.report_actions[kind] = action
        self.report_menu.addSeparator()
        self.archive_action = QAction(tr("报告存档(&A)…"), self)
        self.archive_action.triggered.connect(self.open_report_archive)
        self.report_menu.addAction(self.archive_action)

    def _set_large_font(self, large: bool) -> None:
        options.LARGE_FONT.write(self.settings, large)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setFont(application_font(app.font().family(), large))
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)

    # --- data -----------------------------------------------------------------------------------
    def reload(self) -> None:
        ctx = self.ctx

        def load() -> tuple[PlanView, list[str], Orders]:
            names = [d.name for d in departments.list_departments(ctx, include_inactive=False)]
            plan = ledger.plan_view(ctx)
            return plan, names, prepare_orders(_ledger_rows(plan), tr)

        self.worker.run(load, self._show_plan, self.show_error)
        if self.pages.currentWidget() in (self.review, self.dashboard):
            self.pages.currentWidget().reload()

    def _show_plan(self, loaded: tuple[PlanView, list[str], Orders]) -> None:
        plan, names, orders = loaded
        self.filter_bar.set_departments(names)
        self.detail.set_departments(names)
        rows = _ledger_rows(plan)
        selected = self._pending_selection or self._selected_code()
        self._pending_selection = None
        self.model.set_ledger(rows, self.ctx.today(), orders)
        self.tree.show_plan(plan)
        if selected:
            self.select_code(selected)

    def _apply_filter(self) -> None:
        kind, code = self.tree.current_scope()
        base: LedgerFilter = self.filter_bar.current_filter()
        self.model.set_filter(replace(base, group=code if kind == "group" else None,
                                      measure=code if kind == "task" else None))

    def _on_model_reset(self) -> None:
        self.count_label.setText(tr("显示 {} 项，共 {} 项").format(self.model.shown_count(), self.model.total_count()))
        self.detail.show_task(None)

    def _selected_code(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        task = self.model.task_at(rows[0].row()) if rows else None
        return task.code if task else None

    def select_code(self, code: str) -> None:
        row = self.model.row_of(code)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        code = self._selected_code()
        self.detail.show_task(self.model.task_at(self.model.row_of(code)) if code else None)

    def _on_page(self, index: int) -> None:
        page = self.pages.widget(index)
        if page in (self.review, self.dashboard):
            page.reload()

    def show_task_in_ledger(self, code: str) -> None:
        self.pages.setCurrentWidget(self.main_split)
        self.filter_bar.clear()
        self.tree.select_scope("all", "")
        self.select_code(code)

    def open_update_dialog(self) -> UpdateDialog | None:
        code = self._selected_code()
        task = self.model.task_at(self.model.row_of(code)) if code else None
        if task is None:
            QMessageBox.information(self, tr("报送进展"), tr("请先在台账中选择一项举措或具体任务。"))
            return None
        dialog = UpdateDialog(self.ctx, self.worker, task, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(lambda _view: self._after_edit(task.code))
        dialog.open()
        return dialog

    def open_report_dialog(self, kind: ReportKind) -> "ReportDialog":
        """Modeless, so the clerk can look at the ledger while a report is generated or previewed; a 督办单 or
        催办通知 starts with the lead department of the selected task. (The report dialogs are imported on first use:
        their PDF preview costs the main window's first paint a tenth of a second.)"""
        from zzdesk.ui.report_dialog import ReportDialog

        code = self._selected_code()
        task = self.model.task_at(self.model.row_of(code)) if code else None
        dialog = ReportDialog(self.ctx, self.worker, self.settings, kind, task.lead if task else None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_report_archive(self) -> "ReportArchiveDialog":
        from zzdesk.ui.report_archive_dialog import ReportArchiveDialog

        dialog = ReportArchiveDialog(self.ctx, self.worker, self.settings, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def edit_departments(self) -> None:
        dialog = DepartmentsDialog(self.ctx, self.worker, self)
        dialog.changed.connect(self.reload)
        dialog.exec()

    def edit_office_settings(self) -> None:
        """Thresholds change the lights, so the ledger is reloaded after a save."""
        dialog = OfficeSettingsDialog(self.ctx, self.worker, self)
        if dialog.exec() == OfficeSettingsDialog.DialogCode.Accepted:
            self.reload()

    def _after_edit(self, code: str) -> None:
        self._pending_selection = code
        self.reload()

    def show_error(self, error: DomainError) -> None:
        if not self.isVisible():
            # A late answer for a window already closed (its database may be gone with it): nobody to tell, and a
            # modal box no one sees would block the application.
            log.info("error after the window closed: %s", error.message)
            return
        QMessageBox.warning(self, tr("无法完成"), error.message)

    # --- window state ---------------------------------------------------------------------------
    def _layout_options(self) -> list[tuple[options.Option, Callable[[], QByteArray], Callable[[QByteArray], bool]]]:
        header = self.table.horizontalHeader()
        return [(options.WINDOW_GEOMETRY, self.saveGeometry, self.restoreGeometry),
                (options.WINDOW_STATE, self.saveState, self.restoreState),
                (options.MAIN_SPLIT, self.main_split.saveState, self.main_split.restoreState),
                (options.LEDGER_SPLIT, self.ledger_split.saveState, self.ledger_split.restoreState),
                (options.LEDGER_HEADER, header.saveState, header.restoreState)]

    def _restore_state(self) -> None:
        for option, _save, restore in self._layout_options():
            value = option.read(self.settings)
            if value is not None:
                restore(value)
        self.filter_bar.restore(self.settings)
        self._apply_filter()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        for option, save, _restore in self._layout_options():
            option.write(self.settings, save())
        self.filter_bar.remember(self.settings)
        super().closeEvent(event)
