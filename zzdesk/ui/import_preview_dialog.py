"""导入预览: what importing an Excel file would write, row by row, before anything is written.

The clerk sees every row's verdict (新报送 / 修改分工 / 未修改 / 有错误) and, for a selected row, each field before
and after. Nothing is written until they choose 导入 (all rows must be clean) or 跳过错误行并导入; the apply runs on
the worker against the same file (its SHA-256 is checked again), and a refusal is shown in the dialog, which stays
open. A 任务分解表 naming departments not in the directory offers 对应单位… and previews again with the choices.

The dialog knows nothing about which service reads the file: an ``Importer`` says how to preview again and apply.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape

import shiboken6
from PySide6.QtCore import QCoreApplication, QItemSelection, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.errors import DomainError
from zzdesk.services.import_preview import FieldChange, ImportPreview, ImportResult, PreviewRow, Verdict
from zzdesk.ui.department_mapping import DepartmentMappingDialog, ImportChoices
from zzdesk.ui.dialog_status import ERROR_COLOR, ErrorLabel, StepProgress
from zzdesk.ui.list_table import set_up_list_table
from zzdesk.ui.list_table_model import Column, ListTableModel
from zzdesk.ui.worker import DatabaseWorker

VERDICT_COLORS = {Verdict.NEW: "#2e7d32", Verdict.CHANGED: "#1f5fa8", Verdict.UNCHANGED: "#6b6b6b",
                  Verdict.ERROR: "#c0392b"}
NOTE_COLOR = "#9a6700"
COLUMN_WIDTHS = (56, 64, 96, 560)
SHORT_VALUE = 14  # characters of a before/after text shown in the 说明 column; the full text is below the table
SIZE = (860, 640)


def tr(text: str) -> str:
    return QCoreApplication.translate("ImportPreviewDialog", text)


@dataclass(frozen=True)
class Importer:
    """One kind of import, bound to its file: the dialog calls these on the worker thread."""

    preview: Callable[[ImportChoices], ImportPreview]
    apply: Callable[[str, ImportChoices, bool], ImportResult]  # (expected sha256, choices, skip_errors)
    done_text: Callable[[ImportResult], str]  # 「已导入 3 条进展报送……」
    department_names: Callable[[], list[str]] | None = None  # set when unknown departments can be mapped


# --- how a row reads ------------------------------------------------------------------------------------------


@cache
def verdict_icon(verdict: Verdict, size: int = 14) -> QIcon:
    """A shape per verdict (plus, pencil-diamond, ring, cross), so the column reads in grayscale too."""
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(VERDICT_COLORS[verdict])
    white = QPen(QColor("white"), 2.0)
    box = size - 2.0
    mid = size / 2
    if verdict is Verdict.UNCHANGED:
        painter.setPen(QPen(color, 1.6))
        painter.drawEllipse(QPointF(mid, mid), box / 2 - 1, box / 2 - 1)
    elif verdict is Verdict.CHANGED:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([QPointF(mid, 1), QPointF(size - 1, mid), QPointF(mid, size - 1),
                                       QPointF(1, mid)]))
        painter.setPen(white)
        painter.drawLine(QPointF(mid - 2.5, mid), QPointF(mid + 2.5, mid))
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        if verdict is Verdict.ERROR:
            painter.drawRect(1, 1, int(box), int(box))
        else:
            painter.drawEllipse(1, 1, int(box), int(box))
        painter.setPen(white)
        arm = size * 0.22
        if verdict is Verdict.ERROR:
            painter.drawLine(QPointF(mid - arm, mid - arm), QPointF(mid + arm, mid + arm))
            painter.drawLine(QPointF(mid - arm, mid + arm), QPointF(mid + arm, mid - arm))
        else:
            painter.drawLine(QPointF(mid - arm, mid), QPointF(mid + arm, mid))
            painter.drawLine(QPointF(mid, mid - arm), QPointF(mid, mid + arm))
    painter.end()
    return QIcon(pixmap)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    if not flat:
        return tr("（空）")
    return flat if len(flat) <= SHORT_VALUE else flat[:SHORT_VALUE] + "…"


def _short_label(label: str) -> str:
    """「进度（%）」 reads 「进度」 in the one-line diff; the full label is in the detail below."""
    return label.split("（")[0] or label


def change_line(changes: Sequence[FieldChange]) -> str:
    """「进度 60 → 80；状态 正常推进 → 已完成」."""
    return tr("；").join(f"{_short_label(c.label)} {_short(c.before)} → {_short(c.after)}" for c in changes)


def row_note(row: PreviewRow) -> str:
    if row.verdict is Verdict.ERROR:
        return row.message
    if row.changes:
        return change_line(row.changes)
    return tr("没有改动，不导入") if row.verdict is Verdict.UNCHANGED else ""


def row_detail_html(row: PreviewRow) -> str:
    """The selected row in full: each field's old and new text, wrapped; an error's message and column."""
    head = tr("第 {} 行").format(row.row) + (f"　{escape(row.code)}" if row.code else "")
    color = VERDICT_COLORS[row.verdict]
    parts = [f"<p style='margin:0 0 6px 0'><b>{escape(head)}</b>　"
             f"<span style='color:{color}'><b>{escape(row.verdict_label)}</b></span></p>"]
    if row.verdict is Verdict.ERROR:
        parts.append(f"<p style='margin:0;color:{ERROR_COLOR}'>{escape(row.message)}</p>")
        if row.column:
            parts.append(f"<p style='margin:4px 0 0 0;color:#555'>{escape(tr('出错的列：{}').format(row.column))}</p>")
    if row.changes:
        cell = "padding:3px 12px 3px 0;vertical-align:top"
        wrap = "white-space:pre-wrap"
        rows = "".join(
            f"<tr><td style='{cell};color:#555'>{escape(c.label)}</td>"
            f"<td style='{cell};{wrap}'>{escape(c.before) or escape(tr('（空）'))}</td>"
            f"<td style='{cell};{wrap}'><b>{escape(c.after) or escape(tr('（空）'))}</b></td></tr>"
            for c in row.changes)
        parts.append(f"<table width='100%'><tr><th align='left' style='{cell}'>{escape(tr('项目'))}</th>"
                     f"<th align='left' style='{cell}'>{escape(tr('系统中现在'))}</th>"
                     f"<th align='left' style='{cell}'>{escape(tr('导入后'))}</th></tr>{rows}</table>")
    elif row.verdict is Verdict.UNCHANGED:
        parts.append(f"<p style='margin:0;color:#555'>{escape(tr('这一行没有改动，导入时不会写入。'))}</p>")
    return "".join(parts)


def preview_columns() -> list[Column]:
    return [
        Column(tr("行号"), lambda r: str(r.row), lambda r: r.row, numeric=True,
               header_tip=tr("Excel 中的行号")),
        Column(tr("编号"), lambda r: r.code, lambda r: tuple(int(p) if p.isdigit() else 0 for p in r.code.split("."))),
        Column(tr("结果"), lambda r: r.verdict_label, lambda r: list(Verdict).index(r.verdict),
               icon=lambda r: verdict_icon(r.verdict), color=lambda r: VERDICT_COLORS[r.verdict]),
        Column(tr("说明"), row_note, row_note, tooltip=lambda r: row_note(r) or None),
    ]


# --- the dialog -----------------------------------------------------------------------------------------------


class ImportPreviewDialog(QDialog):
    """Emits ``imported(ImportResult)`` once the rows were written (the main window reloads its ledger)."""

    imported = Signal(object)

    def __init__(self, worker: DatabaseWorker, importer: Importer, preview: ImportPreview,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker, self.importer = worker, importer
        self.preview = preview
        self.choices = ImportChoices()
        self.result: ImportResult | None = None
        self._busy = False
        self.mapping_dialog: QDialog | None = None  # the 对应单位 dialog while it is open

        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.file_label = QLabel()
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.file_label.setStyleSheet("color:#555")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QLabel()
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color:{NOTE_COLOR}")
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.errors_only = QCheckBox(tr("只看有错误的行(&E)"))
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(self.errors_only)

        self.model = ListTableModel(preview_columns(), self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # the sheet's order
        set_up_list_table(self.table, COLUMN_WIDTHS, stretch_last=True)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText(tr("选择一行，在这里查看每一项导入前后的内容"))
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([360, 180])

        self.error = ErrorLabel()
        self.progress_row = StepProgress(maximum=0)
        self.step, self.progress = self.progress_row.step, self.progress_row.bar

        self.map_button = QPushButton(tr("对应单位(&M)…"))
        self.map_button.setAutoDefault(False)
        self.map_button.setToolTip(tr("文件中有单位不在单位名录中：把它们对应到名录中的单位，或作为新单位加入"))
        self.apply_button = QPushButton()
        self.skip_button = QPushButton(tr("跳过错误行并导入(&S)"))
        self.skip_button.setAutoDefault(False)
        self.cancel_button = QPushButton(tr("取消"))
        self.cancel_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.map_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.file_label)
        layout.addWidget(self.problems)
        layout.addLayout(summary_row)
        layout.addWidget(split, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.progress_row)
        layout.addLayout(buttons)

        self.errors_only.toggled.connect(self._fill_table)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.model.modelReset.connect(self._show_selected)
        self.apply_button.clicked.connect(lambda: self.apply(skip_errors=False))
        self.skip_button.clicked.connect(lambda: self.apply(skip_errors=True))
        self.cancel_button.clicked.connect(self.reject)
        self.map_button.clicked.connect(self.map_departments)
        self.resize(*SIZE)
        self.show_preview(preview)

    # --- showing a preview -----------------------------------------------------------------------------------
    def show_preview(self, preview: ImportPreview) -> None:
        self.preview = preview
        self.setWindowTitle(tr("导入预览 — {}").format(preview.title))
        self.heading.setText(preview.title)
        self.file_label.setText(tr("文件：{}").format(preview.file_name))
        self.problems.setText("\n".join(preview.problems))
        self.problems.setVisible(bool(preview.problems))
        writes, errors = len(preview.to_write), len(preview.errors)
        self.summary.setText(preview.summary() + (tr("。将写入 {} 条").format(writes) if writes else
                                                  tr("。没有可以导入的行")))
        self.errors_only.setEnabled(errors > 0)
        if not errors:
            self.errors_only.setChecked(False)
        self._fill_table()
        # kept once the clerk mapped names, so a choice can be changed back
        chosen = bool(self.choices.mapping) or self.choices.create_departments
        self.map_button.setVisible(self.importer.department_names is not None
                                   and (bool(preview.unknown_departments) or chosen))
        unknown = len(preview.unknown_departments)
        self.map_button.setText(tr("对应单位(&M)…（{} 个未列出）").format(unknown) if unknown else tr("对应单位(&M)…"))
        self._update_buttons()

    def _fill_table(self) -> None:
        rows = self.preview.errors if self.errors_only.isChecked() else self.preview.rows
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)

    def shown_rows(self) -> list[PreviewRow]:
        return [self.model.row_at(i) for i in range(self.model.rowCount())]

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        row = self.model.row_at(rows[0].row()) if rows else None
        if row is None:
            self.detail.clear()
        else:
            self.detail.setHtml(row_detail_html(row))

    def select_row(self, sheet_row: int) -> None:
        """Select the line of the sheet's row ``sheet_row`` (as Excel numbers it)."""
        for index, row in enumerate(self.shown_rows()):
            if row.row == sheet_row:
                self.table.selectRow(index)
                return

    def _update_buttons(self) -> None:
        writes, errors = len(self.preview.to_write), len(self.preview.errors)
        self.apply_button.setText(tr("导入 {} 条(&I)").format(writes))
        self.apply_button.setEnabled(writes > 0 and errors == 0 and not self._busy)
        if errors and writes:
            self.apply_button.setToolTip(
                tr("文件中有 {} 行错误：请改正后重新导入，或选择“跳过错误行并导入”").format(errors))
        elif not writes:
            self.apply_button.setToolTip(tr("没有可以导入的行"))
        else:
            self.apply_button.setToolTip(tr("在一次操作中写入这 {} 条；导入前自动备份数据库").format(writes))
        self.skip_button.setVisible(bool(errors and writes))
        self.skip_button.setEnabled(not self._busy)
        self.skip_button.setToolTip(tr("跳过 {} 行错误，只导入其余 {} 条").format(errors, writes))
        self.apply_button.setDefault(self.apply_button.isEnabled())
        self.map_button.setEnabled(not self._busy)
        self.cancel_button.setEnabled(not self._busy)

    # --- departments -----------------------------------------------------------------------------------------
    def map_departments(self) -> None:
        """Load the directory on the worker, then ask; the preview is run again with the answer."""
        names = self.importer.department_names
        if names is None or self._busy:
            return
        self.worker.run(names, self._ask_mapping, self._refused)

    def _ask_mapping(self, existing: list[str]) -> None:
        if not shiboken6.isValid(self):
            return
        dialog = DepartmentMappingDialog(self.preview.unknown_departments, existing, self.choices, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self.preview_again)
        dialog.open()
        self.mapping_dialog = dialog

    def preview_again(self, choices: ImportChoices) -> None:
        self.choices = choices
        self.error.say("")
        self._set_busy(True, tr("正在重新检查文件…"))
        self.worker.run(lambda: self.importer.preview(choices), self._previewed_again, self._refused)

    def _previewed_again(self, preview: ImportPreview) -> None:
        if shiboken6.isValid(self):
            self._set_busy(False)
            self.show_preview(preview)

    # --- applying --------------------------------------------------------------------------------------------
    def apply(self, skip_errors: bool) -> None:
        if self._busy or not self.preview.to_write:
            return
        apply, sha256, choices = self.importer.apply, self.preview.sha256, self.choices
        self.error.say("")
        self._set_busy(True, tr("正在导入，请稍候…"))
        self.worker.run(lambda: apply(sha256, choices, skip_errors), self._applied, self._refused)

    def _applied(self, result: ImportResult) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        self.result = result
        parent = self.parentWidget()
        self.imported.emit(result)
        self.accept()
        QMessageBox.information(parent, tr("导入完成"), self.importer.done_text(result))

    def _refused(self, error: DomainError) -> None:
        if shiboken6.isValid(self):
            self._set_busy(False)
            self.error.say(error.message)

    def _set_busy(self, busy: bool, step: str = "") -> None:
        self._busy = busy
        self.step.setText(step)
        self.progress_row.setVisible(busy)
        self.errors_only.setEnabled(not busy and bool(self.preview.errors))
        self._update_buttons()

    def error_text(self) -> str:
        return self.error.shown_text()

    def reject(self) -> None:
        if self._busy:  # the worker is writing; closing now would hide the outcome
            self.step.setText(tr("正在导入，请稍候，完成后再关闭…"))
            return
        super().reject()
