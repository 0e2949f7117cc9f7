"""审核 page: the clerk goes through submitted updates one by one (采纳 / 退回…) and sees what awaits a resubmission.

The table keeps its place: after a review the row goes and the next one is selected, so a clerk can work down the
queue with the keyboard alone.
"""

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.codes import sort_key
from zzdesk.domain.errors import DomainError
from zzdesk.domain.permissions import Action, allowed
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.services import departments, review_queue, updates
from zzdesk.services.context import ServiceContext
from zzdesk.services.review_queue import PendingUpdate, ReturnedUpdate
from zzdesk.ui.extension_queue import ExtensionQueue
from zzdesk.ui.list_table_model import Column, ListTableModel
from zzdesk.ui.worker import DatabaseWorker

Index = QModelIndex | QPersistentModelIndex
PENDING_TAB, RETURNED_TAB, EXTENSIONS_TAB = 0, 1, 2
PENDING_WIDTHS = (64, 300, 160, 70, 76, 104, 180, 130)
RETURNED_WIDTHS = (64, 240, 160, 70, 56, 300, 90, 130)
TITLE_COLUMN = 1
ERROR_COLOR, DONE_COLOR, DROP_COLOR = "#c0392b", "#2e7d32", "#c0392b"


def tr(text: str) -> str:
    return QCoreApplication.translate("ReviewQueue", text)


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def progress_change(update: PendingUpdate) -> str:
    """「45% → 60%」, or just「60%」when nothing was accepted before."""
    if update.previous_progress is None:
        return f"{update.progress}%"
    return f"{update.previous_progress}% → {update.progress}%"


def _progress_tip(update: PendingUpdate) -> str:
    if update.previous_progress is None:
        return tr("此前没有采纳过的进度")
    return tr("上次采纳 {}%，本次报送 {}%（{:+d}）").format(
        update.previous_progress, update.progress, update.progress - update.previous_progress)


def _dropped(update: PendingUpdate) -> str | None:
    """Progress lower than the last accepted one stands out."""
    return DROP_COLOR if update.previous_progress is not None and update.progress < update.previous_progress else None


def _title(update: PendingUpdate | ReturnedUpdate) -> str:
    return chinese_punctuation(update.title)


def _pending_columns() -> list[Column]:
    return [
        Column(tr("编号"), lambda u: u.code, lambda u: sort_key(u.code)),
        Column(tr("举措/任务"), _title, lambda u: u.title, tooltip=_title),
        Column(tr("牵头单位"), lambda u: u.lead or "", lambda u: u.lead or "\uffff"),
        Column(tr("报送期"), lambda u: u.period, lambda u: u.period),
        Column(tr("状态"), lambda u: u.status_label, lambda u: u.status_label),
        Column(tr("进度"), progress_change, lambda u: u.progress, numeric=True, tooltip=_progress_tip,
               color=_dropped),
        Column(tr("报送人"), lambda u: u.reporter, lambda u: u.reporter),
        Column(tr("报送时间"), lambda u: _when(u.created_at), lambda u: (u.created_at, u.id)),
    ]


def _returned_columns() -> list[Column]:
    return [
        Column(tr("编号"), lambda u: u.code, lambda u: sort_key(u.code)),
        Column(tr("举措/任务"), _title, lambda u: u.title, tooltip=_title),
        Column(tr("牵头单位"), lambda u: u.lead or "", lambda u: u.lead or "\uffff"),
        Column(tr("报送期"), lambda u: u.period, lambda u: u.period),
        Column(tr("进度"), lambda u: f"{u.progress}%", lambda u: u.progress, numeric=True),
        Column(tr("退回原因"), lambda u: u.review_note, lambda u: u.review_note, tooltip=lambda u: u.review_note),
        Column(tr("退回人"), lambda u: u.reviewed_by, lambda u: u.reviewed_by),
        Column(tr("退回时间"), lambda u: _when(u.reviewed_at), lambda u: (u.reviewed_at or datetime.min, u.id)),
    ]


class UpdateRowsModel(ListTableModel):
    """Rows of PendingUpdate or ReturnedUpdate; a reviewed row is removed in place, found again by update id."""

    def remove(self, update_id: int) -> None:
        row = self.row_of(update_id)
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def row_of(self, update_id: int) -> int | None:
        return next((row for row, update in enumerate(self._rows) if update.id == update_id), None)


class ReturnDialog(QDialog):
    """Asks why an update goes back; stays open, with the reason shown inline, until the service accepts it."""

    submitted = Signal(str)

    def __init__(self, update: PendingUpdate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("退回报送"))
        self.setMinimumWidth(460)
        self.intro = QLabel(tr("退回 {} {}（{} 报送期）给{}。\n请写明退回原因，报送单位将看到并据此修改后重报：")
                            .format(update.code, _title(update), update.period, update.lead or tr("报送单位")))
        self.intro.setWordWrap(True)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(tr("例如：进展情况过于笼统，请补充具体数据和佐证材料。"))
        self.note.setTabChangesFocus(True)
        self.note.setMinimumHeight(96)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOR}")
        self.error.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.return_button = self.buttons.addButton(tr("退回"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.return_button.setToolTip(tr("退回并通知报送单位（Ctrl+Enter）"))
        self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self._submit)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.note.setFocus()

    def _submit(self) -> None:
        if self.return_button.isEnabled():
            self.return_button.setEnabled(False)
            self.submitted.emit(self.note.toPlainText())

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
        self.return_button.setEnabled(True)
        self.note.setFocus()


def _table(model: UpdateRowsModel, widths: Sequence[int]) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the service's order until clicked
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    header.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
    return table


def _texts_html(update: PendingUpdate | ReturnedUpdate) -> str:
    none = f"<span style='color:#888'>{escape(tr('（未填写）'))}</span>"
    parts = []
    for label, text in ((tr("进展情况"), update.text), (tr("存在问题"), update.problems),
                        (tr("下步打算"), update.next_steps)):
        body = escape(text).replace("\n", "<br>") if text else none
        parts.append(f"<p style='margin:6px 0 2px 0'><b>{escape(label)}</b></p>"
                     f"<p style='margin:0 0 4px 0;line-height:140%'>{body}</p>")
    return "".join(parts)


def _heading_html(update: PendingUpdate | ReturnedUpdate, facts: list[tuple[str, str]]) -> str:
    cells = [f"<td style='color:#666;padding-right:6px'>{escape(k)}</td><td style='padding-right:24px'>{escape(v)}</td>"
             for k, v in facts]
    rows = "".join(f"<tr>{''.join(cells[i:i + 3])}</tr>" for i in range(0, len(cells), 3))
    return f"<h3 style='margin-bottom:4px'>{escape(update.code)} {escape(_title(update))}</h3><table>{rows}</table>"


def pending_html(update: PendingUpdate | None) -> str:
    if update is None:
        return f"<p style='color:#777'>{escape(tr('没有选中的报送。待审核的报送会列在上方表格中。'))}</p>"
    facts = [(tr("牵头单位"), update.lead or tr("未分配")), (tr("报送期"), update.period),
             (tr("状态"), update.status_label), (tr("进度"), progress_change(update)),
             (tr("报送人"), update.reporter), (tr("报送时间"), _when(update.created_at))]
    return _heading_html(update, facts) + _texts_html(update)


def returned_html(update: ReturnedUpdate | None) -> str:
    if update is None:
        return f"<p style='color:#777'>{escape(tr('选择一条退回的报送，查看退回原因和原报送内容。'))}</p>"
    facts = [(tr("牵头单位"), update.lead or tr("未分配")), (tr("报送期"), update.period),
             (tr("状态"), update.status_label), (tr("进度"), f"{update.progress}%"),
             (tr("报送人"), update.reporter), (tr("报送时间"), _when(update.created_at))]
    note = (f"<p style='color:{ERROR_COLOR};margin:4px 0'><b>{escape(tr('退回原因'))}</b>　"
            f"{escape(update.review_note)}<br><span style='color:#888'>"
            f"{escape(update.reviewed_by)}　{escape(_when(update.reviewed_at))}</span></p>")
    return _heading_html(update, facts) + note + _texts_html(update)


class ReviewQueue(QWidget):
    """The 审核 page. ``reviewed`` fires after each 采纳/退回 so the ledger can refresh its lights and progress."""

    reviewed = Signal()
    task_activated = Signal(str)  # a row was double-clicked: the window may show that task in the ledger

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self.return_dialog: ReturnDialog | None = None
        self._busy = False

        self.department = QComboBox()
        self.department.setMinimumContentsLength(14)
        self.department.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.department.addItem(tr("全部单位"), None)
        self.department.setToolTip(tr("只看某个牵头单位的报送"))
        department_label = QLabel(tr("牵头单位(&D)："))
        department_label.setBuddy(self.department)
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(department_label)
        top.addWidget(self.department)
        top.addSpacing(16)
        top.addWidget(self.count_label, 1)

        self.pending_model = UpdateRowsModel(_pending_columns(), self)
        self.pending_table = _table(self.pending_model, PENDING_WIDTHS)
        self.pending_detail = QTextBrowser()
        self.accept_button = QPushButton(tr("采纳(&A)"))
        self.accept_button.setToolTip(tr("采纳所选报送，进度计入台账（Ctrl+Enter）"))
        self.return_button = QPushButton(tr("退回(&T)…"))
        self.return_button.setToolTip(tr("退回所选报送，并写明原因请报送单位修改（Ctrl+Shift+Enter）"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.return_button)
        pending_bottom = QWidget()
        bottom_layout = QVBoxLayout(pending_bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.pending_detail)
        bottom_layout.addLayout(buttons)
        self.pending_split = QSplitter(Qt.Orientation.Vertical)
        self.pending_split.addWidget(self.pending_table)
        self.pending_split.addWidget(pending_bottom)
        self.pending_split.setSizes([380, 300])

        self.returned_model = UpdateRowsModel(_returned_columns(), self)
        self.returned_table = _table(self.returned_model, RETURNED_WIDTHS)
        self.returned_detail = QTextBrowser()
        self.returned_split = QSplitter(Qt.Orientation.Vertical)
        self.returned_split.addWidget(self.returned_table)
        self.returned_split.addWidget(self.returned_detail)
        self.returned_split.setSizes([380, 300])

        self.tabs = QTabWidget()
        self.tabs.addTab(self.pending_split, "")
        self.tabs.addTab(self.returned_split, "")
        self.tabs.setTabToolTip(RETURNED_TAB, tr("已退回、报送单位还没有重新报送的进展"))
        self.extensions = ExtensionQueue(ctx, worker)  # 延期申请 awaiting 批准 / 驳回
        self.tabs.addTab(self.extensions, tr("延期申请"))
        self.extensions.counted.connect(lambda n: self.tabs.setTabText(EXTENSIONS_TAB, tr("延期申请（{}）").format(n)))
        self.extensions.decided.connect(self.reviewed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.tabs)
        self.setTabOrder(self.department, self.tabs)
        self.setTabOrder(self.tabs, self.pending_table)
        self.setTabOrder(self.pending_table, self.accept_button)
        self.setTabOrder(self.accept_button, self.return_button)
        self.setTabOrder(self.return_button, self.pending_detail)

        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (("Ctrl+Return", self.accept_selected), ("Ctrl+Enter", self.accept_selected),
                           ("Ctrl+Shift+Return", self.return_selected), ("Ctrl+Shift+Enter", self.return_selected)):
            QShortcut(QKeySequence(keys), self, activated=slot, context=context)

        self.accept_button.clicked.connect(self.accept_selected)
        self.return_button.clicked.connect(self.return_selected)
        self.department.currentIndexChanged.connect(lambda _: self.reload())
        self.pending_table.selectionModel().selectionChanged.connect(lambda *_: self._show_pending_detail())
        self.returned_table.selectionModel().selectionChanged.connect(lambda *_: self._show_returned_detail())
        self.pending_model.modelReset.connect(self._show_pending_detail)
        self.returned_model.modelReset.connect(self._show_returned_detail)
        for table, model in ((self.pending_table, self.pending_model), (self.returned_table, self.returned_model)):
            table.doubleClicked.connect(lambda index, m=model: self.task_activated.emit(m.row_at(index.row()).code))
        self._update_counts()
        self._show_pending_detail()
        self._show_returned_detail()

    def apply_role(self, user: CurrentUser) -> None:
        """Only the clerk reviews: others see the lists without 采纳/退回; a liaison starts with their department."""
        may_review = allowed(user, Action.REVIEW_UPDATE)
        self.accept_button.setVisible(may_review)
        self.return_button.setVisible(may_review)
        may_decide = allowed(user, Action.DECIDE_EXTENSION)
        self.extensions.approve_button.setVisible(may_decide)
        self.extensions.reject_button.setVisible(may_decide)
        if user.role is Role.LIAISON and user.department:
            self.department.blockSignals(True)
            self.department.addItem(user.department, user.department)
            self.department.setCurrentIndex(self.department.count() - 1)
            self.department.blockSignals(False)

    # --- loading -----------------------------------------------------------------------------------
    def reload(self) -> None:
        """Fetch both lists (and the department names) again; the selection is kept by update id."""
        ctx, department = self.ctx, self.department.currentData()

        def load() -> tuple[list[str], list[PendingUpdate], list[ReturnedUpdate]]:
            names = [d.name for d in departments.list_departments(ctx)]
            return (names, review_queue.pending_updates(ctx, department),
                    review_queue.returned_updates(ctx, department))

        self.worker.run(load, self._show_loaded, lambda error: self._say(error.message, ERROR_COLOR))
        self.extensions.reload()

    def _show_loaded(self, loaded: tuple[list[str], list[PendingUpdate], list[ReturnedUpdate]]) -> None:
        names, pending, returned = loaded
        self._set_departments(names)
        for table, model, rows in ((self.pending_table, self.pending_model, pending),
                                   (self.returned_table, self.returned_model, returned)):
            selected = self._selected(table, model)
            row = table.currentIndex().row()
            model.set_rows(rows)
            found = model.row_of(selected.id) if selected else None
            self._select_row(table, model, found if found is not None else row)
        self._update_counts()

    def _set_departments(self, names: list[str]) -> None:
        current = self.department.currentData()
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItem(tr("全部单位"), None)
        for name in names:
            self.department.addItem(name, name)
        self.department.setCurrentIndex(max(0, self.department.findData(current)) if current else 0)
        self.department.blockSignals(False)

    def _update_counts(self) -> None:
        pending, returned = self.pending_model.rowCount(), self.returned_model.rowCount()
        self.tabs.setTabText(PENDING_TAB, tr("待审核（{}）").format(pending))
        self.tabs.setTabText(RETURNED_TAB, tr("已退回，待重报（{}）").format(returned))
        self.count_label.setText(tr("待审核 {} 条　已退回待重报 {} 条").format(pending, returned))
        enabled = pending > 0 and not self._busy
        self.accept_button.setEnabled(enabled)
        self.return_button.setEnabled(enabled)

    # --- selection and detail ----------------------------------------------------------------------
    @staticmethod
    def _selected(table: QTableView, model: UpdateRowsModel) -> Any:
        rows = table.selectionModel().selectedRows()
        return model.row_at(rows[0].row()) if rows else None

    @staticmethod
    def _select_row(table: QTableView, model: UpdateRowsModel, row: int) -> None:
        if model.rowCount() == 0:
            table.clearSelection()
            return
        row = min(max(row, 0), model.rowCount() - 1)
        table.selectRow(row)
        table.setCurrentIndex(model.index(row, 0))
        table.scrollTo(model.index(row, 0))

    def selected_pending(self) -> PendingUpdate | None:
        return self._selected(self.pending_table, self.pending_model)

    def select_update(self, update_id: int) -> None:
        row = self.pending_model.row_of(update_id)
        if row is not None:
            self._select_row(self.pending_table, self.pending_model, row)

    def _show_pending_detail(self) -> None:
        self.pending_detail.setHtml(pending_html(self.selected_pending()))

    def _show_returned_detail(self) -> None:
        self.returned_detail.setHtml(returned_html(self._selected(self.returned_table, self.returned_model)))

    # --- reviewing ---------------------------------------------------------------------------------
    def accept_selected(self) -> None:
        update = self.selected_pending()
        if update is None or self._busy or self.tabs.currentIndex() != PENDING_TAB:
            return
        ctx = self.ctx
        self._set_busy(True)
        self.worker.run(lambda: updates.review_update(ctx, update.id, accept=True, expected_version=update.version_id),
                        lambda _: self._after_review(update, tr("已采纳 {}（{}）的报送")),
                        self._review_refused)

    def return_selected(self) -> None:
        update = self.selected_pending()
        if update is None or self._busy or self.tabs.currentIndex() != PENDING_TAB:
            return
        dialog = ReturnDialog(update, self)
        self.return_dialog = dialog
        ctx = self.ctx

        def submit(note: str) -> None:
            def done(_: object) -> None:
                dialog.accept()
                self._after_review(update, tr("已退回 {}（{}）的报送"))

            self.worker.run(lambda: updates.review_update(ctx, update.id, accept=False, note=note,
                                                          expected_version=update.version_id), done,
                            lambda error: dialog.show_error(error.message))

        dialog.submitted.connect(submit)
        dialog.finished.connect(lambda _: setattr(self, "return_dialog", None))
        dialog.open()

    def _after_review(self, update: PendingUpdate, done_text: str) -> None:
        row = self.pending_model.row_of(update.id)
        self.pending_model.remove(update.id)
        self._set_busy(False)
        if row is not None:
            self._select_row(self.pending_table, self.pending_model, row)
        self._show_pending_detail()
        self._update_counts()
        self._say(done_text.format(update.code, update.period), DONE_COLOR)
        self.reviewed.emit()
        self.reload()

    def _review_refused(self, error: DomainError) -> None:
        """Someone else may have reviewed it meanwhile: say so where the clerk acted, and refresh."""
        self._set_busy(False)
        self._say(error.message, ERROR_COLOR)
        self.reload()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_counts()

    def _say(self, text: str, color: str) -> None:
        self.message.setStyleSheet(f"color: {color}")
        self.message.setText(text)
