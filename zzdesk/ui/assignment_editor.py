"""分工 editor for the selected measure or work item: lead, co-operating departments, leader, dates, cycle."""

from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.dates import Deadline
from zzdesk.domain.errors import ConflictError, DomainError
from zzdesk.domain.reporting import DEFAULT_DUE_DAY
from zzdesk.domain.vocabulary import CYCLE_LABELS, Cycle
from zzdesk.services import assignments, ledger
from zzdesk.services.context import ServiceContext
from zzdesk.services.views import TaskView
from zzdesk.ui import conflict_dialog
from zzdesk.ui.co_department_picker import CoDepartmentPicker
from zzdesk.ui.worker import DatabaseWorker


def tr(text: str) -> str:
    return QCoreApplication.translate("AssignmentEditor", text)


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class AssignmentEditor(QWidget):
    """Edits one task's assignment; ``saved(code)`` after the service accepted it, or after reloading a colleague's
    newer save (保存冲突 → 重新载入)."""

    saved = Signal(str)

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self._task: TaskView | None = None
        self.lead = QComboBox()
        self.lead.setEditable(True)
        self.lead.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.lead.lineEdit().setPlaceholderText(tr("选择或输入牵头单位"))
        self.co = CoDepartmentPicker()
        self.leader = QLineEdit()
        self.leader.setPlaceholderText(tr("姓名和职务，如 张建国（常务副市长）"))
        self.has_start = QCheckBox(tr("填写"))
        self.start = QDateEdit(calendarPopup=True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        self.dated = QRadioButton(tr("日期"))
        self.ongoing = QRadioButton(tr("长期（持续推进）"))
        self.deadline = QDateEdit(calendarPopup=True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        self.cycle = QComboBox()
        self.cycle.addItem(tr("未设置"), None)
        for cycle, label in CYCLE_LABELS.items():
            self.cycle.addItem(label, cycle)
        self.due_day = QSpinBox()
        self.due_day.setRange(1, 31)
        self.due_day.setPrefix(tr("每期 "))
        self.due_day.setSuffix(tr(" 日前报送"))
        self.error = QLabel()
        self.error.setStyleSheet("color:#c0392b")
        self.error.setWordWrap(True)
        self.save_button = QPushButton(tr("保存分工"))
        self.save_button.setDefault(True)

        start_row = QHBoxLayout()
        start_row.addWidget(self.has_start)
        start_row.addWidget(self.start, 1)
        deadline_row = QHBoxLayout()
        deadline_row.addWidget(self.dated)
        deadline_row.addWidget(self.deadline, 1)
        deadline_row.addWidget(self.ongoing)
        cycle_row = QHBoxLayout()
        cycle_row.addWidget(self.cycle, 1)
        cycle_row.addWidget(self.due_day)
        form = QFormLayout()
        form.addRow(tr("牵头单位"), self.lead)
        form.addRow(tr("配合单位"), self.co)
        form.addRow(tr("责任领导"), self.leader)
        form.addRow(tr("开始日期"), start_row)
        form.addRow(tr("完成时限"), deadline_row)
        form.addRow(tr("报送周期"), cycle_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)  # on top: the pane may be short, and saving must never need scrolling
        layout.addLayout(form)

        self.has_start.toggled.connect(self.start.setEnabled)
        self.dated.toggled.connect(self.deadline.setEnabled)
        self.save_button.clicked.connect(lambda: self.save())  # not clicked(bool) into ``force``
        self.setEnabled(False)

    def set_departments(self, names: list[str]) -> None:
        self._names = names
        current = self.lead.currentText()
        self.lead.clear()
        self.lead.addItems(names)
        self.lead.setEditText(current)

    def show_task(self, task: TaskView | None) -> None:
        self._task = task
        self.error.clear()
        self.setEnabled(task is not None)
        if task is None:
            return
        self.lead.setEditText(task.lead or "")
        self.co.set_departments(getattr(self, "_names", []), task.co)
        self.leader.setText(task.leader)
        today = self.ctx.today()
        self.has_start.setChecked(task.start is not None)
        self.start.setDate(_qdate(task.start or today))
        self.start.setEnabled(task.start is not None)
        self.ongoing.setChecked(task.ongoing)
        self.dated.setChecked(not task.ongoing)
        self.deadline.setDate(_qdate(task.deadline or date(today.year, 12, 31)))
        self.deadline.setEnabled(not task.ongoing)
        self.cycle.setCurrentIndex(max(0, self.cycle.findData(task.cycle)))
        self.due_day.setValue(task.due_day or DEFAULT_DUE_DAY)

    def change(self) -> assignments.AssignmentChange:
        """What the form says; the service decides whether it is acceptable."""
        cycle = Cycle(self.cycle.currentData()) if self.cycle.currentData() else None  # Qt hands back plain str
        return assignments.AssignmentChange(
            lead=self.lead.currentText().strip() or None,
            co=self.co.chosen(),
            leader=self.leader.text(),
            start=_pydate(self.start.date()) if self.has_start.isChecked() else None,
            deadline=Deadline(None, ongoing=True) if self.ongoing.isChecked()
            else Deadline(_pydate(self.deadline.date())),
            cycle=cycle,
            due_day=self.due_day.value() if cycle is not None else None,
        )

    def save(self, force: bool = False) -> None:
        """Saves what the form says over the version it was loaded with; ``force`` overwrites a newer one."""
        if self._task is None:
            return
        code, change, ctx, version = self._task.code, self.change(), self.ctx, self._task.version_id
        self.error.clear()
        self.save_button.setEnabled(False)

        def done(view: TaskView) -> None:
            self.save_button.setEnabled(True)
            self.saved.emit(view.code)

        def refused(error: DomainError) -> None:
            self.save_button.setEnabled(True)
            if isinstance(error, ConflictError):
                conflict_dialog.resolve(self, error, reload=lambda: self.reload_task(code),
                                        overwrite=lambda: self.save(force=True),
                                        cancel=lambda: self.error.setText(tr("尚未保存：请重新载入或再次保存")))
            else:
                self.error.setText(error.message)

        self.worker.run(lambda: assignments.assign(ctx, code, change, expected_version=version, force=force),
                        done, refused)

    def reload_task(self, code: str) -> None:
        """Discard what was typed and show the task as saved now; ``saved`` tells the ledger to refresh too."""
        ctx = self.ctx

        def show(view: TaskView) -> None:
            self.show_task(view)
            self.saved.emit(view.code)

        self.worker.run(lambda: ledger.task_view(ctx, code), show, lambda error: self.error.setText(error.message))
