"""具体任务 of the selected measure: list, add, reword, remove, and split from the plan's own sentences."""

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.errors import ConflictError, DomainError
from zzdesk.domain.permissions import Action, allowed_actions
from zzdesk.domain.roles import CurrentUser
from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.services import plan, work_items
from zzdesk.services.context import ServiceContext
from zzdesk.services.views import TaskView
from zzdesk.ui import conflict_dialog
from zzdesk.ui.lights import light_icon
from zzdesk.ui.worker import DatabaseWorker

CODE_ROLE = Qt.ItemDataRole.UserRole + 1


def tr(text: str) -> str:
    return QCoreApplication.translate("WorkItemsPanel", text)


class SuggestionsDialog(QDialog):
    """Tick the sentences of the measure that become work items."""

    def __init__(self, suggestions: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("从原文分解具体任务"))
        self.resize(720, 420)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        for text in suggestions:
            item = QListWidgetItem(chinese_punctuation(text))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("以下是举措原文中的句子，勾选的将成为具体任务（可稍后修改文字）：")))
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def chosen_numbers(self) -> list[int]:
        return [i + 1 for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]


class WorkItemsPanel(QWidget):
    changed = Signal(str)  # the code to select afterwards

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self._measure: TaskView | None = None
        self.hint = QLabel()
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.add_button = QPushButton(tr("添加…"))
        self.rename_button = QPushButton(tr("修改…"))
        self.remove_button = QPushButton(tr("删除"))
        self.split_button = QPushButton(tr("从原文分解…"))
        buttons = QHBoxLayout()
        for button in (self.split_button, self.add_button, self.rename_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self.add)
        self.rename_button.clicked.connect(self.rename)
        self.remove_button.clicked.connect(self.remove)
        self.split_button.clicked.connect(self.split)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.show_task(None)

    def apply_role(self, user: CurrentUser) -> None:
        """Splitting, adding, rewording and removing are the clerk's; others only read the list."""
        editable = Action.EDIT_WORK_ITEMS in allowed_actions(user)
        for button in (self.split_button, self.add_button, self.rename_button, self.remove_button):
            button.setVisible(editable)

    def show_task(self, task: TaskView | None) -> None:
        """Shows the measure's items; for a work item, the items of nothing (items cannot be split further)."""
        self._measure = task if task is not None and task.kind == "measure" else None
        self.list.clear()
        if self._measure is None:
            self.hint.setText(tr("选择一项举措后，可在这里把它分解为具体任务。") if task is None
                              else tr("{} 是具体任务，不能再分解。").format(task.code))
        else:
            self.hint.setText(tr("{} 共有 {} 项具体任务").format(self._measure.code, len(self._measure.items)))
            for item in self._measure.items:
                row = QListWidgetItem(light_icon(item.light), f"{item.code}  {chinese_punctuation(item.title)}")
                row.setData(CODE_ROLE, item.code)
                self.list.addItem(row)
        self._update_buttons()

    def _selected_code(self) -> str | None:
        items = self.list.selectedItems()
        return items[0].data(CODE_ROLE) if items else None

    def _update_buttons(self) -> None:
        has_measure, selected = self._measure is not None, self._selected_code() is not None
        for button in (self.add_button, self.split_button):
            button.setEnabled(has_measure)
        for button in (self.rename_button, self.remove_button):
            button.setEnabled(has_measure and selected)

    def _run(self, work, select_after: str | None = None) -> None:  # type: ignore[no-untyped-def]
        def done(result: object) -> None:
            code = result[-1] if isinstance(result, list) and result else result
            self.changed.emit(code if isinstance(code, str) else (select_after or ""))

        self.worker.run(work, done, self._refused)

    def _refused(self, error: DomainError) -> None:
        QMessageBox.warning(self, tr("无法完成"), error.message)

    def add(self) -> None:
        if self._measure is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, tr("添加具体任务"), tr("具体任务内容："))
        if ok:
            ctx, code = self.ctx, self._measure.code
            self._run(lambda: work_items.add_work_item(ctx, code, text))

    def rename(self) -> None:
        code = self._selected_code()
        if code is None or self._measure is None:
            return
        item = next(i for i in self._measure.items if i.code == code)
        current = chinese_punctuation(item.title)
        text, ok = QInputDialog.getMultiLineText(self, tr("修改具体任务"), tr("{} 的内容：").format(code), current)
        if ok:
            self._rename(code, text, item.version_id)

    def _rename(self, code: str, text: str, version: int, force: bool = False) -> None:
        """Saved over the version the list showed; a colleague's newer save opens 保存冲突."""
        ctx = self.ctx

        def refused(error: DomainError) -> None:
            if isinstance(error, ConflictError):
                conflict_dialog.resolve(self, error, reload=lambda: self.changed.emit(code),
                                        overwrite=lambda: self._rename(code, text, version, force=True))
            else:
                self._refused(error)

        self.worker.run(lambda: work_items.rename_work_item(ctx, code, text, expected_version=version, force=force),
                        lambda _: self.changed.emit(code), refused)

    def remove(self) -> None:
        code = self._selected_code()
        if code is None or self._measure is None:
            return
        answer = QMessageBox.question(self, tr("删除具体任务"),
                                      tr("确定删除具体任务 {} 吗？编号 {} 以后不会再用。").format(code, code))
        if answer == QMessageBox.StandardButton.Yes:
            ctx, measure = self.ctx, self._measure.code
            self._run(lambda: work_items.remove_work_item(ctx, code), select_after=measure)

    def split(self) -> None:
        if self._measure is None:
            return
        ctx, code = self.ctx, self._measure.code
        self.worker.run(lambda: plan.suggested_work_items(ctx, code), self._offer, self._refused)

    def _offer(self, suggestions: list[str]) -> None:
        if not suggestions or self._measure is None:
            QMessageBox.information(self, tr("从原文分解"), tr("这项举措的原文没有可分解的句子，请用“添加”。"))
            return
        dialog = SuggestionsDialog(suggestions, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_numbers():
            ctx, code, numbers = self.ctx, self._measure.code, dialog.chosen_numbers()
            self._run(lambda: work_items.accept_suggestions(ctx, code, numbers))
