"""管理 → 账号…: the administrator's list of accounts — add one, reset a password, lift a lock, deactivate/activate.

Only administrators see the menu entry, and the services refuse everyone else anyway. Refusals show inline: in
this dialog, or in the 新增账号 / 重置密码 form where the values were typed. The administrator passes a new or reset
password on to the person, who must choose their own at the next login.
"""

import secrets
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.errors import DomainError
from zzdesk.domain.passwords import LOCK_AFTER_FAILURES, password_problems
from zzdesk.domain.roles import ROLE_LABELS, Role
from zzdesk.services import accounts, departments
from zzdesk.services.accounts import UserView
from zzdesk.services.context import ServiceContext
from zzdesk.ui.list_table_model import Column, ListTableModel
from zzdesk.ui.login_dialog import FormDialog, PasswordHint, heading, note, password_field
from zzdesk.ui.worker import DatabaseWorker

ERROR_COLOR, DONE_COLOR, INACTIVE_COLOR = "#b3261e", "#1e7b34", "#8a8a8a"
COLUMN_WIDTHS = (170, 100, 170, 60, 170, 150)
# Letters and digits that cannot be misread when a password is read out or copied by hand (no 0/O, 1/l/I).
_UPPER, _LOWER, _DIGITS, _SYMBOLS = "ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "#%+-=@"
GENERATED_LENGTH = 12


def tr(text: str) -> str:
    return QCoreApplication.translate("AccountsDialog", text)


def generate_password(name: str = "") -> str:
    """A random temporary password that meets the policy, with every kind of character in it."""
    alphabet = _UPPER + _LOWER + _DIGITS + _SYMBOLS
    while True:
        chars = [secrets.choice(kind) for kind in (_UPPER, _LOWER, _DIGITS, _SYMBOLS)]
        chars += [secrets.choice(alphabet) for _ in range(GENERATED_LENGTH - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        if not password_problems(password, name):
            return password


def login_state(view: UserView, now: datetime) -> str:
    if view.locked_until is not None and view.locked_until > now:
        return tr("已锁定，{} 解除").format(view.locked_until.astimezone().strftime("%H:%M"))
    if view.failed_logins:
        return tr("连续失败 {} 次").format(view.failed_logins)
    return tr("正常")


def password_state(view: UserView) -> str:
    if view.must_change_password:
        return tr("下次登录须修改")
    return tr("{} 设置").format(view.password_changed_at.astimezone().strftime("%Y-%m-%d"))


def _columns(now: Callable[[], datetime]) -> list[Column]:
    def grey(view: UserView) -> str | None:
        return None if view.active else INACTIVE_COLOR

    def text(title: str, value: Callable[[UserView], str]) -> Column:
        return Column(title, value, value, color=grey)

    return [text(tr("账号"), lambda v: v.name),
            text(tr("角色"), lambda v: v.role_label),
            text(tr("所属单位"), lambda v: v.department or ""),
            text(tr("状态"), lambda v: tr("启用") if v.active else tr("停用")),
            text(tr("登录"), lambda v: login_state(v, now())),
            text(tr("密码"), password_state)]


class NewPasswordFields:
    """A new password typed twice with the live policy hint, and 生成 to fill in a random one shown in clear."""

    def __init__(self, name: Callable[[], str]) -> None:
        self._name = name
        self.password = password_field()
        self.again = password_field()
        self.hint = PasswordHint()
        self.generate_button = QPushButton(tr("生成临时密码(&G)"))
        self.generate_button.setToolTip(tr("随机生成一个符合要求的密码并显示出来，以便转告本人"))
        self.generate_button.setAutoDefault(False)
        self.generate_button.clicked.connect(self.generate)
        for field in (self.password, self.again):
            field.textChanged.connect(self.check)

    def add_rows(self, form: QFormLayout, label: str) -> None:
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.generate_button)
        buddy = QLabel(label)  # a label made by addRow(str, layout) would show "&P" literally
        buddy.setBuddy(self.password)
        form.addRow(buddy, row)
        form.addRow(tr("再次输入(&A)："), self.again)
        form.addRow("", self.hint)

    def generate(self) -> None:
        password = generate_password(self._name())
        for field in (self.password, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Normal)
            field.setText(password)

    def check(self) -> None:
        self.hint.show_for(self.password.text(), self.again.text(), self._name())

    def matching(self) -> bool:
        return self.password.text() == self.again.text()

    def clear(self) -> None:
        self.password.clear()
        self.again.clear()


class AddAccountDialog(FormDialog):
    """新增账号: name, role, department (liaisons only), initial password; ``created`` once the service took it."""

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(ctx, worker, self.submit, parent)
        self.setWindowTitle(tr("新增账号"))
        self.created: UserView | None = None
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("如 李明，不含空格"))
        self.name.setMaxLength(accounts.MAX_NAME_CHARS)
        self.role = QComboBox()
        for role in (Role.CLERK, Role.LIAISON, Role.LEADER, Role.ADMIN):
            self.role.addItem(ROLE_LABELS[role], role.value)
        self.department = QComboBox()
        self.department.setMinimumContentsLength(16)
        self.fields = NewPasswordFields(lambda: self.name.text().strip())
        self.must_change = QCheckBox(tr("首次登录时须修改密码"))
        self.must_change.setChecked(True)
        self.must_change.setToolTip(tr("这个密码由系统管理员转告本人；本人登录后须改为只有自己知道的密码"))
        form = QFormLayout()
        form.addRow(tr("账号(&N)："), self.name)
        form.addRow(tr("角色(&R)："), self.role)
        form.addRow(tr("所属单位(&D)："), self.department)
        self.fields.add_rows(form, tr("初始密码(&P)："))
        form.addRow("", self.must_change)
        self.ok_button.setText(tr("新增"))
        self.finish_layout(heading(tr("新增账号")),
                           note(tr("联络员须指定所属单位，只能报送本单位牵头或配合的任务；其他角色不属于某个单位。")),
                           form)
        self.role.currentIndexChanged.connect(self._role_changed)
        self.name.textChanged.connect(self.fields.check)
        self._role_changed()
        worker.run(lambda: [d.name for d in departments.list_departments(ctx, include_inactive=False)],
                   self._show_departments, self.refused)

    def _show_departments(self, names: list[str]) -> None:
        self.department.clear()
        self.department.addItems(names)
        self.department.setCurrentIndex(-1)

    def current_role(self) -> Role:
        return Role(self.role.currentData())

    def select_role(self, role: Role) -> None:
        self.role.setCurrentIndex(self.role.findData(role.value))

    def _role_changed(self) -> None:
        self.department.setEnabled(self.current_role() is Role.LIAISON)

    def submit(self) -> None:
        if not self.fields.matching():
            self.show_error(tr("两次输入的密码不一致，请重新输入"))
            return
        ctx, name, role = self.ctx, self.name.text().strip(), self.current_role()
        password, must_change = self.fields.password.text(), self.must_change.isChecked()
        department = self.department.currentText().strip() if role is Role.LIAISON else None
        if role is Role.LIAISON and not department:
            self.show_error(tr("联络员账号须指定所属单位，请在“所属单位”中选择"))
            return
        self.show_error("")
        self.set_busy(True)
        self.worker.run(lambda: accounts.add_user(ctx, name, role, password=password, department=department or None,
                                                  must_change_password=must_change),
                        self._added, self.refused)

    def _added(self, view: UserView) -> None:
        self.fields.clear()
        self.created = view
        self.accept()


class ResetPasswordDialog(FormDialog):
    """重置密码 for someone who forgot theirs or is locked out; they must change it at their next login."""

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, view: UserView,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, worker, self.submit, parent)
        self.view = view
        self.setWindowTitle(tr("重置密码"))
        self.fields = NewPasswordFields(lambda: view.name)
        form = QFormLayout()
        self.fields.add_rows(form, tr("临时密码(&P)："))
        self.ok_button.setText(tr("重置"))
        self.finish_layout(heading(tr("重置“{}”的密码").format(view.name)),
                           note(tr("请把临时密码转告本人；对方下次登录时须先修改密码。重置同时解除账号锁定。")), form)

    def submit(self) -> None:
        if not self.fields.matching():
            self.show_error(tr("两次输入的密码不一致，请重新输入"))
            return
        ctx, name, password = self.ctx, self.view.name, self.fields.password.text()
        self.show_error("")
        self.set_busy(True)
        self.worker.run(lambda: accounts.reset_password(ctx, name, password), self._reset, self.refused)

    def _reset(self, _view: UserView) -> None:
        self.fields.clear()
        self.accept()


class AccountsDialog(QDialog):
    """Emits ``changed`` after each saved change."""

    changed = Signal()

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self.setWindowTitle(tr("账号管理"))
        self.resize(900, 480)
        self.model = ListTableModel(_columns(ctx.now), self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        self.add_button = QPushButton(tr("新增账号(&N)…"))
        self.reset_button = QPushButton(tr("重置密码(&R)…"))
        self.unlock_button = QPushButton(tr("解除锁定(&L)"))
        self.unlock_button.setToolTip(tr("清除连续登录失败的次数，账号可立即再登录"))
        self.active_button = QPushButton(tr("停用(&D)"))
        self.close_button = QPushButton(tr("关闭"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.reset_button, self.unlock_button, self.active_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(note(tr("停用的账号不能登录，但保留在列表和审计日志中。连续 {} 次登录失败的账号会被暂时锁定。")
                              .format(LOCK_AFTER_FAILURES)))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self.add)
        self.reset_button.clicked.connect(self.reset)
        self.unlock_button.clicked.connect(self.lift_lock)
        self.active_button.clicked.connect(self.toggle_active)
        self.close_button.clicked.connect(self.accept)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        self._update_buttons()
        self.reload()

    # --- list ----------------------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        ctx = self.ctx
        self.worker.run(lambda: accounts.list_users(ctx), lambda rows: self._show(rows, select), self._refused)

    def _show(self, rows: list[UserView], select: str | None) -> None:
        current = select or (self.selected().name if self.selected() else None)
        self.model.set_rows(rows)
        self.select_name(current)

    def select_name(self, name: str | None) -> None:
        row = next((i for i in range(self.model.rowCount()) if self.model.row_at(i).name == name), None)
        if row is not None:
            self.table.selectRow(row)

    def selected(self) -> UserView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def names(self) -> list[str]:
        return [self.model.row_at(i).name for i in range(self.model.rowCount())]

    def _update_buttons(self) -> None:
        view = self.selected()
        for button in (self.reset_button, self.active_button):
            button.setEnabled(view is not None)
        self.unlock_button.setEnabled(view is not None and view.active and view.failed_logins > 0)
        self.active_button.setText(tr("启用(&E)") if view is not None and not view.active else tr("停用(&D)"))

    # --- changes -------------------------------------------------------------------------------------
    def add(self) -> None:
        dialog = AddAccountDialog(self.ctx, self.worker, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.created is not None:
            view = dialog.created
            self._done(tr("已新增账号“{}”（{}）").format(view.name, view.role_label), view.name)

    def reset(self) -> None:
        view = self.selected()
        if view is None:
            return
        dialog = ResetPasswordDialog(self.ctx, self.worker, view, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._done(tr("已重置“{}”的密码；对方下次登录时须修改密码").format(view.name), view.name)

    def lift_lock(self) -> None:
        view = self.selected()
        if view is not None:
            self._set_active(view, True, tr("已解除“{}”的登录锁定").format(view.name))

    def toggle_active(self) -> None:
        view = self.selected()
        if view is not None:
            text = tr("已启用“{}”") if not view.active else tr("已停用“{}”，该账号不能再登录")
            self._set_active(view, not view.active, text.format(view.name))

    def _set_active(self, view: UserView, active: bool, done_text: str) -> None:
        ctx, name = self.ctx, view.name
        self.worker.run(lambda: accounts.set_active(ctx, name, active), lambda _: self._done(done_text, name),
                        self._refused)

    def _done(self, text: str, name: str) -> None:
        self._say(text, DONE_COLOR)
        self.changed.emit()
        self.reload(select=name)

    def _refused(self, error: DomainError) -> None:
        self._say(error.message, ERROR_COLOR)

    def _say(self, text: str, color: str) -> None:
        self.message.setStyleSheet(f"color: {color}")
        self.message.setText(text)

    def message_text(self) -> str:
        return self.message.text()
