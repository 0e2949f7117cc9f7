"""审计日志 viewer: who changed what and when, filtered by person, department, item and dates, a page at a time.

The trail can hold hundreds of thousands of rows, so the dialog asks the service for one page (newest first) and
the total; 「校验完整性」 walks the hash chain on the worker, and 「导出…」 writes the filtered entries to CSV.
"""

from datetime import date
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.audit_actions import ACTION_LABELS
from zzdesk.domain.errors import DomainError
from zzdesk.services import audit_log, departments
from zzdesk.services.audit_log import AuditFilter, AuditView, VerifyResult
from zzdesk.services.context import ServiceContext
from zzdesk.ui.list_table import set_up_list_table
from zzdesk.ui.list_table_model import Column, ListTableModel
from zzdesk.ui.worker import DatabaseWorker

PAGE_SIZE = 200
COLUMN_WIDTHS = (150, 90, 120, 250, 430, 56)
NO_DATE = QDate(2000, 1, 1)  # the date edits' 「不限」
ERROR_COLOR, DONE_COLOR, HINT_COLOR = "#c0392b", "#2e7d32", "#666666"


def tr(text: str) -> str:
    return QCoreApplication.translate("AuditViewer", text)


def _changes_tip(view: AuditView) -> str:
    lines = [change.text for change in view.changes if change.old != change.new]
    return "\n".join(lines) if lines else tr("（无字段变更）")


def _columns() -> list[Column]:
    return [
        Column(tr("时间"), lambda v: v.local_time(), lambda v: v.id, tooltip=lambda v: tr("第 {} 条").format(v.id)),
        Column(tr("操作人"), lambda v: v.actor, lambda v: v.actor),
        Column(tr("操作"), lambda v: v.action_label, lambda v: v.action_label, tooltip=lambda v: v.action),
        Column(tr("对象"), lambda v: v.subject, lambda v: v.subject, tooltip=lambda v: v.subject),
        Column(tr("变更内容"), lambda v: v.changes_text, lambda v: v.changes_text, tooltip=_changes_tip),
        Column(tr("结果"), lambda v: v.outcome_label, lambda v: v.outcome,
               color=lambda v: None if v.outcome == "ok" else ERROR_COLOR),
    ]


def _date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText(tr("不限"))
    edit.setDate(NO_DATE)
    return edit


def _picked(edit: QDateEdit) -> date | None:
    chosen = edit.date()
    return None if chosen == NO_DATE else date(chosen.year(), chosen.month(), chosen.day())


class AuditViewerDialog(QDialog):
    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None,
                 page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self.ctx, self.worker, self.page_size = ctx, worker, page_size
        self.offset = self.total = 0
        self.setWindowTitle(tr("审计日志"))
        self.resize(1240, 640)

        self.user = QComboBox()
        self.user.setEditable(True)
        self.user.setMinimumWidth(120)
        self.user.lineEdit().setPlaceholderText(tr("全部"))
        self.department = QComboBox()
        self.department.setMinimumWidth(200)
        self.department.addItem(tr("全部单位"), None)
        self.item = QLineEdit()
        self.item.setPlaceholderText(tr("如 1.2 或 1.2.1"))
        self.item.setToolTip(tr("举措编号也包括其下的具体任务"))
        self.item.setMaximumWidth(130)
        self.action_box = QComboBox()
        self.action_box.addItem(tr("全部操作"), None)
        for action, label in ACTION_LABELS.items():
            self.action_box.addItem(label, action)
        self.since, self.until = _date_edit(), _date_edit()
        self.search_button = QPushButton(tr("查询(&Q)"))
        self.clear_button = QPushButton(tr("清除条件"))
        filters = QGridLayout()
        for column, (text, widget) in enumerate(((tr("操作人(&U)："), self.user),
                                                 (tr("单位(&D)："), self.department),
                                                 (tr("任务编号(&I)："), self.item))):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label, 0, column * 2)
            filters.addWidget(widget, 0, column * 2 + 1)
        dates = QHBoxLayout()
        dates.addWidget(self.since)
        dates.addWidget(QLabel(tr("至")))
        dates.addWidget(self.until)
        for column, (text, widget) in enumerate(((tr("操作(&A)："), self.action_box), (tr("日期(&T)："), None))):
            label = QLabel(text)
            filters.addWidget(label, 1, column * 2)
            if widget is None:
                label.setBuddy(self.since)
                filters.addLayout(dates, 1, column * 2 + 1)
            else:
                label.setBuddy(widget)
                filters.addWidget(widget, 1, column * 2 + 1)
        search = QHBoxLayout()
        search.addWidget(self.search_button)
        search.addWidget(self.clear_button)
        search.addStretch(1)
        filters.addLayout(search, 1, 4, 1, 2)
        filters.setColumnStretch(6, 1)

        self.model = ListTableModel(_columns(), self)
        self.table = QTableView()
        self.table.setModel(self.model)
        set_up_list_table(self.table, COLUMN_WIDTHS)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

        self.page_label = QLabel()
        self.previous_button = QPushButton(tr("上一页(&P)"))
        self.next_button = QPushButton(tr("下一页(&N)"))
        paging = QHBoxLayout()
        paging.addWidget(self.page_label)
        paging.addStretch(1)
        paging.addWidget(self.previous_button)
        paging.addWidget(self.next_button)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMinimumHeight(self.fontMetrics().height() * 2)
        self.verify_button = QPushButton(tr("校验完整性(&V)"))
        self.verify_button.setToolTip(tr("逐条核对审计记录的校验值和前后衔接：被修改、删除或调换顺序的记录会被指出"))
        self.export_button = QPushButton(tr("导出(&E)…"))
        self.export_button.setToolTip(tr("把符合当前条件的全部记录导出为 CSV 文件（Excel、WPS 可直接打开）"))
        self.close_button = QPushButton(tr("关闭"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        for button in (self.search_button, self.clear_button, self.previous_button, self.next_button,
                       self.verify_button, self.export_button, self.close_button):
            button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(paging)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.search_button.clicked.connect(self.search)
        self.item.returnPressed.connect(self.search)
        self.user.lineEdit().returnPressed.connect(self.search)
        self.user.activated.connect(lambda _index: self.search())
        for box in (self.department, self.action_box):
            box.activated.connect(lambda _index: self.search())
        for edit in (self.since, self.until):
            edit.editingFinished.connect(self.search)
        self.clear_button.clicked.connect(self.clear_filters)
        self.previous_button.clicked.connect(lambda: self.show_page(self.offset - self.page_size))
        self.next_button.clicked.connect(lambda: self.show_page(self.offset + self.page_size))
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self.export)
        self.close_button.clicked.connect(self.reject)
        self._say(tr("最新的记录在前。审计记录只能追加，不能修改或删除；“校验完整性”可核对它们是否被改动过。"),
                  HINT_COLOR)
        self._load_choices()
        self.search()

    # --- filters ---------------------------------------------------------------------------------
    def current_filter(self) -> AuditFilter:
        return AuditFilter(user=self.user.currentText().strip() or None, department=self.department.currentData(),
                           item=self.item.text().strip() or None, since=_picked(self.since),
                           until=_picked(self.until), action=self.action_box.currentData())

    def clear_filters(self) -> None:
        self.user.setEditText("")
        self.department.setCurrentIndex(0)
        self.item.clear()
        self.action_box.setCurrentIndex(0)
        self.since.setDate(NO_DATE)
        self.until.setDate(NO_DATE)
        self.search()

    def _load_choices(self) -> None:
        ctx = self.ctx

        def load() -> tuple[list[str], list[str]]:
            return audit_log.audit_actors(ctx), [d.name for d in departments.list_departments(ctx)]

        self.worker.run(load, self._show_choices, self._refused)

    def _show_choices(self, choices: tuple[list[str], list[str]]) -> None:
        if not shiboken6.isValid(self):
            return
        actors, names = choices
        typed = self.user.currentText()
        self.user.clear()
        self.user.addItems(actors)
        self.user.setEditText(typed)
        for name in names:
            self.department.addItem(name, name)

    # --- loading ---------------------------------------------------------------------------------
    def search(self) -> None:
        self.show_page(0)

    def show_page(self, offset: int) -> None:
        ctx, flt, limit, start = self.ctx, self.current_filter(), self.page_size, max(0, offset)

        def load() -> tuple[int, list[AuditView]]:
            return audit_log.count_entries(ctx, flt), audit_log.audit_entries(ctx, flt, limit, start)

        self.worker.run(load, lambda page: self._show_rows(start, page), self._refused)

    def _show_rows(self, offset: int, page: tuple[int, list[AuditView]]) -> None:
        if not shiboken6.isValid(self):
            return
        self.total, rows = page
        self.offset = offset
        self.model.set_rows(rows)
        if rows:
            self.page_label.setText(tr("第 {}–{} 条，共 {} 条").format(offset + 1, offset + len(rows), self.total))
        else:
            self.page_label.setText(tr("没有符合条件的记录"))
        self.previous_button.setEnabled(offset > 0)
        self.next_button.setEnabled(offset + len(rows) < self.total)
        self.export_button.setEnabled(self.total > 0)

    def _refused(self, error: DomainError) -> None:
        if shiboken6.isValid(self):
            self.model.set_rows([])
            self.page_label.setText("")
            self._say(error.message, ERROR_COLOR)

    # --- actions ---------------------------------------------------------------------------------
    def verify(self) -> None:
        self._say(tr("正在校验审计记录…"), HINT_COLOR)
        self.verify_button.setEnabled(False)
        ctx = self.ctx
        self.worker.run(lambda: audit_log.verify_chain(ctx), self._verified, self._verify_failed)

    def _verified(self, result: VerifyResult) -> None:
        if not shiboken6.isValid(self):
            return
        self.verify_button.setEnabled(True)
        if result.ok:
            self._say(tr("审计记录完整：共 {} 条，校验通过。").format(result.count), DONE_COLOR)
        else:
            assert result.broken is not None
            self._say(tr("校验未通过：{}。请保留现场并报告系统管理员，可用备份核对被改动的内容。")
                      .format(result.broken.reason), ERROR_COLOR)

    def _verify_failed(self, error: DomainError) -> None:
        if shiboken6.isValid(self):
            self.verify_button.setEnabled(True)
            self._say(error.message, ERROR_COLOR)

    def export(self) -> None:
        suggested = tr("审计日志-{}.csv").format(self.ctx.today().strftime("%Y%m%d"))
        chosen, _filter = QFileDialog.getSaveFileName(self, tr("导出审计日志"), suggested, tr("CSV 文件 (*.csv)"))
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        ctx, flt = self.ctx, self.current_filter()
        self._say(tr("正在导出…"), HINT_COLOR)
        self.worker.run(lambda: audit_log.export_audit(ctx, flt, path), lambda count: self._exported(path, count),
                        lambda error: self._say(error.message, ERROR_COLOR))

    def _exported(self, path: Path, count: int) -> None:
        if shiboken6.isValid(self):
            self._say(tr("已导出 {} 条审计记录到 {}").format(count, path), DONE_COLOR)
            self.show_page(self.offset)  # the export itself is now the newest entry

    def _say(self, text: str, color: str) -> None:
        self.message.setStyleSheet(f"color: {color}")
        self.message.setText(text)

    def message_text(self) -> str:
        return self.message.text()


def open_audit_viewer(ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> AuditViewerDialog:
    """管理 → 审计日志…: modeless, so the clerk can compare it with the ledger."""
    dialog = AuditViewerDialog(ctx, worker, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
