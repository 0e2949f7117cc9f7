"""延期申请 on the 审核 page: the requests a clerk still has to decide, each with 批准… / 驳回….

``counted(n)`` after each load (the page puts the number on its tab); ``decided`` after a decision, so the
ledger can refresh the deadline and lights.
"""

from datetime import datetime
from html import escape

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.codes import sort_key
from zzdesk.domain.permissions import Action, allowed
from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.services import extensions
from zzdesk.services.context import ServiceContext
from zzdesk.services.extensions import ExtensionView
from zzdesk.ui.extension_dialog import ExtensionDecisionDialog
from zzdesk.ui.list_table_model import Column, ListTableModel
from zzdesk.ui.worker import DatabaseWorker

WIDTHS = (64, 260, 150, 96, 96, 260, 110, 130)
TITLE_COLUMN = 1
ERROR_COLOR, DONE_COLOR = "#c0392b", "#2e7d32"


def tr(text: str) -> str:
    return QCoreApplication.translate("ExtensionQueue", text)


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def _day(request: ExtensionView, attribute: str) -> str:
    value = getattr(request, attribute)
    return value.isoformat() if value else ""


def _columns() -> list[Column]:
    return [
        Column(tr("编号"), lambda r: r.code, lambda r: sort_key(r.code)),
        Column(tr("举措/任务"), lambda r: chinese_punctuation(r.title), lambda r: r.title,
               tooltip=lambda r: chinese_punctuation(r.title)),
        Column(tr("牵头单位"), lambda r: r.lead or "", lambda r: r.lead or "\uffff"),
        Column(tr("原完成时限"), lambda r: _day(r, "old_deadline"), lambda r: _day(r, "old_deadline")),
        Column(tr("申请延至"), lambda r: _day(r, "new_deadline"), lambda r: _day(r, "new_deadline")),
        Column(tr("延期理由"), lambda r: r.reason, lambda r: r.reason, tooltip=lambda r: r.reason),
        Column(tr("申请人"), lambda r: r.requested_by, lambda r: r.requested_by),
        Column(tr("申请时间"), lambda r: _when(r.requested_at), lambda r: (r.requested_at, r.id)),
    ]


def request_html(request: ExtensionView | None) -> str:
    if request is None:
        return f"<p style='color:#777'>{escape(tr('没有选中的延期申请。待审批的申请会列在上方表格中。'))}</p>"
    facts = [(tr("牵头单位"), request.lead or tr("未分配")), (tr("原完成时限"), _day(request, "old_deadline")),
             (tr("申请延至"), _day(request, "new_deadline")), (tr("申请人"), request.requested_by),
             (tr("申请时间"), _when(request.requested_at))]
    rows = "".join(f"<tr><td style='color:#666;padding-right:8px'>{escape(k)}</td><td>{escape(v)}</td></tr>"
                   for k, v in facts)
    return (f"<h3 style='margin-bottom:4px'>{escape(request.code)} {escape(chinese_punctuation(request.title))}</h3>"
            f"<table>{rows}</table><p style='margin:6px 0 2px 0'><b>{escape(tr('延期理由'))}</b></p>"
            f"<p style='margin:0;line-height:140%'>{escape(request.reason)}</p>")


class ExtensionQueue(QWidget):
    counted = Signal(int)
    decided = Signal()

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self.dialog: ExtensionDecisionDialog | None = None
        self.model = ListTableModel(_columns(), self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(WIDTHS):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.detail = QTextBrowser()
        self.approve_button = QPushButton(tr("批准(&P)…"))
        self.approve_button.setToolTip(tr("批准所选申请：完成时限改为申请的日期，原时限保留在台账和报告中"))
        self.reject_button = QPushButton(tr("驳回(&J)…"))
        self.reject_button.setToolTip(tr("驳回所选申请，并写明理由"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.detail)
        bottom_layout.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(bottom)
        split.setSizes([380, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self._may_decide = allowed(ctx.user, Action.DECIDE_EXTENSION)
        self.approve_button.clicked.connect(lambda: self.decide(True))
        self.reject_button.clicked.connect(lambda: self.decide(False))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        self.model.modelReset.connect(self._show_detail)
        self._show_detail()

    def reload(self) -> None:
        ctx = self.ctx
        self.worker.run(lambda: extensions.pending_extensions(ctx), self._show,
                        lambda error: self._say(error.message, ERROR_COLOR))

    def _show(self, rows: list[ExtensionView]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        found = next((i for i, r in enumerate(rows) if selected and r.id == selected.id), 0)
        if rows:
            self.table.selectRow(found)
        self.counted.emit(len(rows))
        self._show_detail()

    def selected(self) -> ExtensionView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _show_detail(self) -> None:
        request = self.selected()
        self.detail.setHtml(request_html(request))
        for button in (self.approve_button, self.reject_button):
            button.setEnabled(request is not None and self._may_decide)

    def decide(self, approve: bool) -> None:
        request = self.selected()
        if request is None:
            return
        dialog = ExtensionDecisionDialog(request, approve, self)
        self.dialog = dialog
        ctx = self.ctx

        def submit(note: str) -> None:
            def done(view: ExtensionView) -> None:
                dialog.accept()
                text = tr("已批准 {} 延期至 {}") if approve else tr("已驳回 {} 的延期申请（{}）")
                self._say(text.format(view.code, view.new_deadline.isoformat()), DONE_COLOR)
                self.decided.emit()
                self.reload()

            self.worker.run(lambda: extensions.decide_extension(ctx, request.id, approve, note), done,
                            lambda error: dialog.show_error(error.message))

        dialog.submitted.connect(submit)
        dialog.finished.connect(lambda _: setattr(self, "dialog", None))
        dialog.open()

    def _say(self, text: str, color: str) -> None:
        self.message.setStyleSheet(f"color: {color}")
        self.message.setText(text)
