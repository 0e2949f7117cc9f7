"""单位名录 dialog: add, rename, re-classify, record the liaison, and stop or restart using a department.

Departments are never deleted (their history must stay readable); a stopped one is shown greyed out.
"""

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.errors import ConflictError, DomainError
from zzdesk.domain.vocabulary import KIND_LABELS, DepartmentKind
from zzdesk.services import departments
from zzdesk.services.context import ServiceContext
from zzdesk.services.departments import DepartmentUsage
from zzdesk.services.views import DepartmentView
from zzdesk.ui import conflict_dialog
from zzdesk.ui.list_table_model import Column, ListTableModel
from zzdesk.ui.worker import DatabaseWorker

Index = QModelIndex | QPersistentModelIndex
Row = tuple[DepartmentView, DepartmentUsage]
COLUMN_WIDTHS = (176, 84, 76, 160, 48, 96)
CONTACT_COLUMN = 3
ERROR_COLOR, DONE_COLOR, INACTIVE_COLOR = "#c0392b", "#2e7d32", "#999999"
# Field lengths mirror the table columns, so an over-long entry cannot be typed in the first place.
NAME_MAX, SHORT_MAX, CONTACT_MAX = 100, 50, 200


def tr(text: str) -> str:
    return QCoreApplication.translate("DepartmentsDialog", text)


def _state(view: DepartmentView) -> str:
    return tr("启用") if view.active else tr("停用")


def _inactive(row: Row) -> str | None:
    return None if row[0].active else INACTIVE_COLOR


def _columns() -> list[Column]:
    def text_column(title: str, text: Callable[[Row], str], **extra: Any) -> Column:
        return Column(title, text, text, color=_inactive, **extra)

    return [
        text_column(tr("名称"), lambda r: r[0].name),
        text_column(tr("简称"), lambda r: r[0].short_name),
        text_column(tr("类别"), lambda r: r[0].kind_label),
        text_column(tr("联络人"), lambda r: r[0].contact, tooltip=lambda r: r[0].contact or None),
        text_column(tr("状态"), lambda r: _state(r[0])),
        Column(tr("牵头/配合任务"), lambda r: f"{r[1].lead} / {r[1].co}", lambda r: (r[1].lead, r[1].co),
               numeric=True, color=_inactive,
               tooltip=lambda r: tr("牵头 {} 项，配合 {} 项（举措和具体任务）").format(r[1].lead, r[1].co)),
    ]


class DepartmentsModel(ListTableModel):
    """The directory, narrowed by a search text over name, short name and contact."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(_columns(), parent)
        self._all: list[Row] = []
        self._text = ""

    def set_departments(self, rows: list[Row]) -> None:
        self._all = rows
        self._refresh()

    def set_text(self, text: str) -> None:
        self._text = " ".join(text.split())
        self._refresh()

    def _refresh(self) -> None:
        needle = self._text
        self.set_rows([r for r in self._all if not needle or needle in r[0].name or needle in r[0].short_name
                       or needle in r[0].contact])

    def view_at(self, row: int) -> Row | None:
        return self.row_at(row)

    def row_of(self, department_id: int) -> int | None:
        return next((row for row, (view, _) in enumerate(self._rows) if view.id == department_id), None)


class DepartmentsDialog(QDialog):
    """Emits ``changed`` after every saved change, so lists of departments elsewhere can refresh."""

    changed = Signal()

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self.setWindowTitle(tr("单位名录"))
        self.resize(1040, 600)
        self._editing: DepartmentView | None = None  # None while entering a new department
        self._usage: dict[int, DepartmentUsage] = {}

        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("查找单位：名称、简称或联络人"))
        self.search.setClearButtonEnabled(True)
        self.model = DepartmentsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(False)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(CONTACT_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.count_label = QLabel()
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.table)
        left.addWidget(self.count_label)

        self.name = QLineEdit()
        self.name.setMaxLength(NAME_MAX)
        self.short_name = QLineEdit()
        self.short_name.setMaxLength(SHORT_MAX)
        self.short_name.setPlaceholderText(tr("可不填，如：科技局"))
        self.kind = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind)
        self.contact = QLineEdit()
        self.contact.setMaxLength(CONTACT_MAX)
        self.contact.setPlaceholderText(tr("姓名和电话，如：王芳 0371-67180000"))
        self.state = QLabel()
        form = QFormLayout()
        form.addRow(tr("名称(&M)："), self.name)
        form.addRow(tr("简称(&J)："), self.short_name)
        form.addRow(tr("类别(&L)："), self.kind)
        form.addRow(tr("联络人(&C)："), self.contact)
        form.addRow(tr("状态："), self.state)

        self.save_button = QPushButton(tr("保存(&S)"))
        self.save_button.setToolTip(tr("保存对名称、简称、类别和联络人的修改（Ctrl+S）"))
        self.new_button = QPushButton(tr("新增单位(&N)"))
        self.new_button.setToolTip(tr("清空表单，填写一个新单位后按“保存”（Ctrl+N）"))
        self.active_button = QPushButton(tr("停用(&D)"))
        self.active_button.setToolTip(tr("停用的单位保留历史记录，但不能再分配新任务；可随时重新启用"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.active_button)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(self.fontMetrics().height() * 3)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.form_box = QGroupBox()
        box_layout = QVBoxLayout(self.form_box)
        box_layout.addLayout(form)
        box_layout.addLayout(buttons)
        box_layout.addWidget(self.message)
        box_layout.addStretch(1)
        self.form_box.setMinimumWidth(330)

        self.close_button = QPushButton(tr("关闭"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        right = QVBoxLayout()
        right.addWidget(self.form_box, 1)
        right.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right)

        for widget in (self.save_button, self.new_button, self.active_button):
            widget.setAutoDefault(False)
        for field in (self.name, self.short_name, self.contact):
            field.returnPressed.connect(self.save)  # Enter in a field saves instead of closing the dialog
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.start_new)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.search.setFocus)
        self.save_button.clicked.connect(self.save)
        self.new_button.clicked.connect(self.start_new)
        self.active_button.clicked.connect(self.toggle_active)
        self.search.textChanged.connect(self.model.set_text)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection())
        self.model.modelReset.connect(self._after_model_reset)
        self.setTabOrder(self.search, self.table)
        self.setTabOrder(self.table, self.name)
        self.setTabOrder(self.name, self.short_name)
        self.setTabOrder(self.short_name, self.kind)
        self.setTabOrder(self.kind, self.contact)
        self.setTabOrder(self.contact, self.save_button)
        self.setTabOrder(self.save_button, self.new_button)
        self.setTabOrder(self.new_button, self.active_button)
        self.setTabOrder(self.active_button, self.close_button)
        self._fill_form(None)
        self.reload()

    # --- loading -----------------------------------------------------------------------------------
    def reload(self, select_id: int | None = None) -> None:
        ctx = self.ctx

        def load() -> list[Row]:
            usage = departments.department_usage(ctx)
            return [(view, usage.get(view.name, DepartmentUsage())) for view in departments.list_departments(ctx)]

        keep = select_id if select_id is not None else (self._editing.id if self._editing else None)
        self.worker.run(load, lambda rows: self._show_rows(rows, keep), self._show_error)

    def _show_rows(self, rows: list[Row], select_id: int | None) -> None:
        self._usage = {view.id: usage for view, usage in rows}
        self.model.set_departments(rows)
        stopped = sum(1 for view, _ in rows if not view.active)
        self.count_label.setText(tr("共 {} 个单位，其中停用 {} 个").format(len(rows), stopped))
        if select_id is not None:
            self.select_department(select_id)

    def _after_model_reset(self) -> None:
        """Searching resets the table: keep the department being edited selected when it is still shown."""
        if self._editing is not None:
            self.select_department(self._editing.id)

    def select_department(self, department_id: int) -> None:
        row = self.model.row_of(department_id)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def select_name(self, name: str) -> None:
        for row in range(self.model.rowCount()):
            found = self.model.view_at(row)
            if found and found[0].name == name:
                self.select_department(found[0].id)
                return

    # --- the form ----------------------------------------------------------------------------------
    def _on_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        found = self.model.view_at(rows[0].row()) if rows else None
        # Re-selecting the department already in the form must not wipe what the clerk has typed.
        if found is not None and (self._editing is None or found[0].id != self._editing.id):
            self._fill_form(found[0])

    def _fill_form(self, view: DepartmentView | None) -> None:
        self._editing = view
        self.name.setText(view.name if view else "")
        self.short_name.setText(view.short_name if view else "")
        self.kind.setCurrentIndex(max(0, self.kind.findData(view.kind if view else DepartmentKind.MUNICIPAL)))
        self.contact.setText(view.contact if view else "")
        if view is None:
            self.form_box.setTitle(tr("新增单位"))
            self.state.setText(tr("新增后为启用"))
        else:
            self.form_box.setTitle(tr("修改：{}").format(view.name))
            self.state.setText(_state(view))
        self.active_button.setEnabled(view is not None)
        self.active_button.setText(tr("停用(&D)") if view is None or view.active else tr("重新启用(&D)"))

    def start_new(self) -> None:
        self.table.clearSelection()
        self._fill_form(None)
        self._say("", DONE_COLOR)
        self.name.setFocus()

    def save(self) -> None:
        self._save(force=False)

    def _save(self, force: bool) -> None:
        """Each step saves over the version the form was loaded with; a colleague's newer save opens 保存冲突."""
        ctx, editing = self.ctx, self._editing
        name, short = self.name.text(), self.short_name.text()
        kind = DepartmentKind(self.kind.currentData())  # Qt hands the enum back as a plain str
        contact = self.contact.text()

        def write() -> DepartmentView:
            if editing is None:
                view = departments.add_department(ctx, name, kind, short)
            else:
                # Renaming first: it is the step that can be refused, and then nothing else is written.
                view = departments.rename_department(ctx, editing.name, name, short,
                                                     expected_version=editing.version_id, force=force)
                view = departments.set_kind(ctx, view.name, kind, expected_version=view.version_id)
            if editing is None and not contact:
                return view
            return departments.set_contact(ctx, view.name, contact, expected_version=view.version_id)

        def refused(error: DomainError) -> None:
            if isinstance(error, ConflictError) and editing is not None:
                conflict_dialog.resolve(self, error, reload=lambda: self._reload_form(editing.id),
                                        overwrite=lambda: self._save(force=True),
                                        cancel=lambda: self._say(tr("尚未保存：请重新载入或再次保存"), ERROR_COLOR))
            else:
                self._show_error(error)

        done = tr("已添加“{}”") if editing is None else tr("已保存“{}”")
        self.worker.run(write, lambda view: self._saved(view, done.format(view.name)), refused)

    def _reload_form(self, department_id: int) -> None:
        """保存冲突 → 重新载入: what was typed goes, the department as saved now comes back into the form."""
        self._editing = None
        self._say(tr("已重新载入，显示对方保存后的内容"), DONE_COLOR)
        self.changed.emit()
        self.reload(department_id)

    def toggle_active(self) -> None:
        view = self._editing
        if view is None:
            return
        usage = self._usage.get(view.id, DepartmentUsage())
        if view.active and usage.lead and not self.confirm_deactivate(view, usage):
            return
        ctx, active = self.ctx, not view.active
        done = tr("已重新启用“{}”") if active else tr("已停用“{}”")
        self.worker.run(lambda: departments.set_active(ctx, view.name, active),
                        lambda saved: self._saved(saved, done.format(saved.name)), self._show_error)

    def confirm_deactivate(self, view: DepartmentView, usage: DepartmentUsage) -> bool:
        """A department that still leads tasks may be stopped, but the clerk should know how many."""
        text = tr("“{}”目前牵头 {} 项任务（另配合 {} 项）。\n\n停用后这些任务仍保留它作为牵头单位，"
                  "但不能再给它分配新任务；请记得把这些任务改派给其他单位。\n\n确定停用吗？").format(
            view.name, usage.lead, usage.co)
        answer = QMessageBox.question(self, tr("停用单位"), text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _saved(self, view: DepartmentView, message: str) -> None:
        self._editing = view
        self._say(message, DONE_COLOR)
        self.changed.emit()
        self.reload(view.id)
        self._fill_form(view)

    def _show_error(self, error: DomainError) -> None:
        self._say(error.message, ERROR_COLOR)

    def _say(self, text: str, color: str) -> None:
        self.message.setStyleSheet(f"color: {color}")
        self.message.setText(text)
