"""The detail pane under the ledger: 概况, 分工, 具体任务 and 进展记录 of the selected measure or work item."""

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QScrollArea, QTabWidget, QVBoxLayout, QWidget

from zzdesk.domain.permissions import Action, allowed_actions
from zzdesk.domain.roles import CurrentUser
from zzdesk.services import updates
from zzdesk.services.context import ServiceContext
from zzdesk.services.views import TaskView, UpdateView
from zzdesk.ui.assignment_editor import AssignmentEditor
from zzdesk.ui.detail_view import DetailView
from zzdesk.ui.history_view import HistoryView
from zzdesk.ui.task_actions import TaskActions
from zzdesk.ui.work_items_panel import WorkItemsPanel
from zzdesk.ui.worker import DatabaseWorker


def tr(text: str) -> str:
    return QCoreApplication.translate("DetailPane", text)


class DetailPane(QTabWidget):
    """Emits ``changed(code)`` after an edit, so the window reloads the ledger and selects that code."""

    changed = Signal(str)

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self.summary = DetailView()
        self.actions = TaskActions(ctx, worker)  # 申请延期… / 办结… under the summary
        self.assignment = AssignmentEditor(ctx, worker)
        self.work_items = WorkItemsPanel(ctx, worker)
        self.history = HistoryView(ctx, worker)  # 修改… opens the update dialog, then reloads
        overview = QWidget()
        overview_layout = QVBoxLayout(overview)
        overview_layout.setContentsMargins(0, 0, 0, 0)
        overview_layout.addWidget(self.summary, 1)
        overview_layout.addWidget(self.actions)
        self.addTab(overview, tr("概况"))
        self.assignment_tab = scroll = QScrollArea()  # the editor is tall; it must not push the ledger off the screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.assignment)
        self.addTab(scroll, tr("分工"))
        self.addTab(self.work_items, tr("具体任务"))
        self.addTab(self.history, tr("进展记录"))
        self.assignment.saved.connect(self.changed)
        self.work_items.changed.connect(self.changed)
        self.actions.changed.connect(self.changed)
        self.history.changed.connect(self.changed)
        self._code: str | None = None

    def apply_role(self, user: CurrentUser) -> None:
        """分工 only for those who may assign; 具体任务 keeps its list but not its buttons."""
        self.setTabVisible(self.indexOf(self.assignment_tab), Action.ASSIGN in allowed_actions(user))
        self.work_items.apply_role(user)

    def set_departments(self, names: list[str]) -> None:
        self.assignment.set_departments(names)

    def show_task(self, task: TaskView | None) -> None:
        self._code = task.code if task else None
        self.summary.show_task(task)
        self.actions.show_task(task)
        self.assignment.show_task(task)
        self.work_items.show_task(task)
        self.history.show_updates(None, [])
        if task is not None:
            ctx, code = self.ctx, task.code
            self.worker.run(lambda: (code, updates.history(ctx, code)), self._show_history)

    def _show_history(self, loaded: tuple[str, list[UpdateView]]) -> None:
        code, rows = loaded
        if code == self._code:  # the user may have moved on while it loaded
            self.history.show_updates(code, rows)
