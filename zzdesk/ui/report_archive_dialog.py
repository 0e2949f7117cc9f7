"""报告存档 dialog: every generated report with its fingerprint (SHA-256); preview it, and verify a file against it.

校验 recomputes a file's SHA-256 and compares it with the one recorded when the report was generated: the way to
tell that a bulletin on a shared drive, or one sent back by a department, is exactly the one the office issued.
"""

from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.dates import parse_period
from zzdesk.domain.vocabulary import REPORT_LABELS, ReportKind
from zzdesk.services import report_archive
from zzdesk.services.context import ServiceContext
from zzdesk.services.report_archive import ArchiveEntry
from zzdesk.ui.list_table import set_up_list_table
from zzdesk.ui.list_table_model import Column, ListTableModel
from zzdesk.ui.pdf_preview import PdfPreviewDialog, show_in_folder
from zzdesk.ui.worker import DatabaseWorker

Row = tuple[ArchiveEntry, bool]  # the entry, and whether its file is still where it was saved
COLUMN_WIDTHS = (84, 300, 110, 128, 70, 44, 118, 300)
TITLE_COLUMN, SHA_COLUMN = 1, 6
SHORT_SHA = 12
ERROR_COLOR, DONE_COLOR, MISSING_COLOR, HINT_COLOR = "#c0392b", "#2e7d32", "#c0392b", "#666666"


def tr(text: str) -> str:
    return QCoreApplication.translate("ReportArchiveDialog", text)


def short_sha(sha256: str) -> str:
    return f"{sha256[:SHORT_SHA]}…"


def _when(entry: ArchiveEntry) -> str:
    return entry.generated_at.astimezone().strftime("%Y-%m-%d %H:%M")


def _subject(entry: ArchiveEntry) -> str:
    """The department for a 督办单/催办通知, the reporting month for a bulletin or brief."""
    if entry.department:
        return entry.department
    if entry.period:
        period = parse_period(entry.period)
        return tr("{}年{}月").format(period.year, period.month)
    return ""


def _missing(row: Row) -> str | None:
    return None if row[1] else MISSING_COLOR


def _file_text(row: Row) -> str:
    return row[0].file_name if row[1] else tr("（已移走或删除）{}").format(row[0].file_name)


def _file_tip(row: Row) -> str:
    return row[0].file_name if row[1] else tr("{}\n这个文件已不在生成时保存的位置").format(row[0].file_name)


def _columns() -> list[Column]:
    return [
        Column(tr("类别"), lambda r: r[0].kind_label, lambda r: r[0].kind_label),
        Column(tr("标题"), lambda r: r[0].title, lambda r: r[0].title, tooltip=lambda r: r[0].title),
        Column(tr("报送期/单位"), lambda r: _subject(r[0]), lambda r: _subject(r[0])),
        Column(tr("生成时间"), lambda r: _when(r[0]), lambda r: (r[0].generated_at, r[0].id)),
        Column(tr("生成人"), lambda r: r[0].generated_by, lambda r: r[0].generated_by),
        Column(tr("页数"), lambda r: str(r[0].pages), lambda r: r[0].pages, numeric=True),
        Column(tr("SHA-256"), lambda r: short_sha(r[0].sha256), lambda r: r[0].sha256,
               header_tip=tr("文件的数字指纹：文件内容有任何改动，指纹都会不同。“校验”据此判断文件是否被改过"),
               tooltip=lambda r: tr("SHA-256：{}\n（选中后按 Ctrl+C 或“复制指纹”可复制完整指纹）").format(r[0].sha256)),
        Column(tr("文件"), _file_text, lambda r: r[0].file_name, tooltip=_file_tip, color=_missing),
    ]


class ArchiveModel(ListTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_columns(), parent)

    def entry_at(self, row: int) -> ArchiveEntry | None:
        found = self.row_at(row)
        return found[0] if found else None

    def row_of(self, record_id: int) -> int | None:
        return next((row for row, (entry, _) in enumerate(self._rows) if entry.id == record_id), None)


class ReportArchiveDialog(QDialog):
    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, settings: QSettings | None = None,
                 kind: ReportKind | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker, self.settings = ctx, worker, settings
        self.setWindowTitle(tr("报告存档"))
        self.resize(1240, 600)
        self._all: list[Row] = []

        self.kind = QComboBox()
        self.kind.addItem(tr("全部报告"), None)
        for value, label in REPORT_LABELS.items():
            self.kind.addItem(label, value)
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)) if kind else 0)
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("类别(&K)：")))
        top.addWidget(self.kind)
        top.addStretch(1)
        top.addWidget(self.count_label)
        top.itemAt(0).widget().setBuddy(self.kind)

        self.model = ArchiveModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # newest first until clicked
        self.table.setSortingEnabled(True)
        set_up_list_table(self.table, COLUMN_WIDTHS, stretch_last=True)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMinimumHeight(self.fontMetrics().height() * 3)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.preview_button = QPushButton(tr("预览(&V)"))
        self.preview_button.setToolTip(tr("在程序内查看这份报告（也可双击该行）"))
        self.verify_button = QPushButton(tr("校验(&C)"))
        self.verify_button.setToolTip(tr("重新计算文件的 SHA-256，核对它是否与生成时存档的一致"))
        self.verify_file_button = QPushButton(tr("校验其他文件(&O)…"))
        self.verify_file_button.setToolTip(tr("选择一份收到或拷贝来的 PDF，查找存档中与它完全一致的报告"))
        self.copy_button = QPushButton(tr("复制指纹(&Y)"))
        self.copy_button.setToolTip(tr("把完整的 SHA-256 复制到剪贴板"))
        self.folder_button = QPushButton(tr("打开所在文件夹(&F)"))
        self.close_button = QPushButton(tr("关闭"))
        buttons = QHBoxLayout()
        for button in (self.preview_button, self.verify_button, self.verify_file_button, self.copy_button,
                       self.folder_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        self.close_button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.kind.currentIndexChanged.connect(self._show_filtered)
        self.table.doubleClicked.connect(lambda index: self.preview_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        self.preview_button.clicked.connect(self.preview_selected)
        self.verify_button.clicked.connect(self.verify_selected)
        self.verify_file_button.clicked.connect(self.verify_other_file)
        self.copy_button.clicked.connect(self.copy_sha)
        self.folder_button.clicked.connect(self.open_folder)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Copy, self.table, activated=self.copy_sha)
        QShortcut(QKeySequence.StandardKey.Refresh, self, activated=self.reload)
        self._update_buttons()
        self._say(tr("双击一行可在程序内预览。“校验”重新计算文件的 SHA-256，核对它是否仍是生成时存档的那一份。"),
                  HINT_COLOR)
        self.reload()

    # --- loading ---------------------------------------------------------------------------------
    def reload(self) -> None:
        ctx = self.ctx

        def load() -> list[Row]:
            return [(entry, Path(entry.file_name).is_file()) for entry in report_archive.archive(ctx)]

        self.worker.run(load, self._show_rows, lambda error: self._say(error.message, ERROR_COLOR))

    def _show_rows(self, rows: list[Row]) -> None:
        if shiboken6.isValid(self):
            self._all = rows
            self._show_filtered()

    def _show_filtered(self) -> None:
        kind = self.kind.currentData()
        rows = [row for row in self._all if kind is None or row[0].kind == kind]
        self.model.set_rows(rows)
        missing = sum(1 for _, exists in rows if not exists)
        text = tr("共 {} 份").format(len(rows))
        self.count_label.setText(text + (tr("，其中 {} 份的文件已不在原处").format(missing) if missing else ""))
        if rows:
            self.table.selectRow(0)

    def selected_entry(self) -> ArchiveEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.entry_at(rows[0].row()) if rows else None

    def select_record(self, record_id: int) -> None:
        row = self.model.row_of(record_id)
        if row is not None:
            self.table.selectRow(row)

    def _update_buttons(self) -> None:
        chosen = self.selected_entry() is not None
        for button in (self.preview_button, self.verify_button, self.copy_button, self.folder_button):
            button.setEnabled(chosen)

    # --- actions ---------------------------------------------------------------------------------
    def preview_selected(self) -> PdfPreviewDialog | None:
        entry = self.selected_entry()
        if entry is None:
            return None
        path = Path(entry.file_name)
        if not path.is_file():
            self._say(tr("找不到文件“{}”：这份{}在生成后被移动、改名或删除了，无法预览。"
                         "如果知道它现在的位置，可用“校验其他文件”核对它是否就是存档的这一份。")
                      .format(path, entry.kind_label), ERROR_COLOR)
            return None
        self._say("")
        dialog = PdfPreviewDialog(self.worker, self.settings, path, entry.title, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def verify_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        path = Path(entry.file_name)
        self._say(tr("正在校验“{}”…").format(path.name), DONE_COLOR)
        self.worker.run(lambda: report_archive.file_sha256(path), lambda actual: self._verified(entry, actual),
                        lambda error: self._say(error.message, ERROR_COLOR))

    def _verified(self, entry: ArchiveEntry, actual: str) -> None:
        if not shiboken6.isValid(self):
            return
        name = Path(entry.file_name).name
        if actual == entry.sha256:
            self._say(tr("校验通过：“{}”与存档记录完全一致，是 {} 由{}生成的原件。\nSHA-256：{}").format(
                name, _when(entry), entry.generated_by, actual), DONE_COLOR)
        else:
            self._say(tr("校验未通过：“{}”的内容与存档时不一致，文件在生成后被修改或替换过，不能作为原件使用。\n"
                         "存档 SHA-256：{}\n现在 SHA-256：{}").format(name, entry.sha256, actual), ERROR_COLOR)

    def verify_other_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, tr("选择要校验的报告"), "", tr("PDF 文件 (*.pdf)"))
        if not chosen:
            return
        path = Path(chosen)
        self._say(tr("正在校验“{}”…").format(path.name), DONE_COLOR)
        self.worker.run(lambda: report_archive.file_sha256(path), lambda actual: self._matched(path, actual),
                        lambda error: self._say(error.message, ERROR_COLOR))

    def _matched(self, path: Path, actual: str) -> None:
        if not shiboken6.isValid(self):
            return
        found = next((entry for entry, _ in self._all if entry.sha256 == actual), None)
        if found is None:
            self._say(tr("存档中没有与“{}”完全一致的报告：它不是本系统生成的原件，或生成后被修改过。\nSHA-256：{}")
                      .format(path.name, actual), ERROR_COLOR)
            return
        self.kind.setCurrentIndex(0)
        self.select_record(found.id)
        self._say(tr("校验通过：“{}”与存档中的“{}”（{} 由{}生成）完全一致。").format(
            path.name, found.title, _when(found), found.generated_by), DONE_COLOR)

    def copy_sha(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            QGuiApplication.clipboard().setText(entry.sha256)
            self._say(tr("已复制 SHA-256：{}").format(entry.sha256), DONE_COLOR)

    def open_folder(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            show_in_folder(Path(entry.file_name), lambda message: self._say(message, ERROR_COLOR))

    def _say(self, text: str, color: str = DONE_COLOR) -> None:
        self.message.setStyleSheet(f"color: {color}")
        self.message.setText(text)

    def message_text(self) -> str:
        return self.message.text()
