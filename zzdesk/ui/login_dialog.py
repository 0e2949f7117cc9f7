"""Saying who is at the keyboard: 设置管理员 on a database without accounts, 登录 (also 解锁 a locked window), and
修改密码 — forced after an administrator reset, or chosen from the 文件 menu.

The password typed is handed to the service on the worker and the field is cleared at once: no widget or attribute
keeps it after the attempt. Every refusal (wrong password, lock-out with the time left, the password policy) shows
inline in the dialog, which stays open for another try. The account name is remembered per database, never the
password.
"""

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QSettings, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.errors import DomainError
from zzdesk.domain.passwords import MAX_LENGTH, MIN_KINDS, MIN_LENGTH, password_problems
from zzdesk.domain.roles import CurrentUser
from zzdesk.services import accounts
from zzdesk.services.context import ServiceContext
from zzdesk.ui import options
from zzdesk.ui.worker import DatabaseWorker

ERROR_STYLE = "QLabel { color: #b3261e; background: #fdecea; border: 1px solid #f2b8b5; padding: 6px 8px; }"
HINT_COLOR, WARN_COLOR, OK_COLOR = "#666666", "#9a5b00", "#1e7b34"
FIELD_WIDTH = 300


def tr(text: str) -> str:
    return QCoreApplication.translate("LoginDialog", text)


def policy_text() -> str:
    return tr("密码至少 {} 位，包含大写字母、小写字母、数字、符号（汉字也算符号）中的至少 {} 种，"
              "不能包含账号名。").format(MIN_LENGTH, MIN_KINDS)


def user_text(user: CurrentUser) -> str:
    """「张三（督查室）」, a liaison with their department: 「李明（联络员，市发展改革委）」."""
    if user.department:
        return tr("{}（{}，{}）").format(user.name, user.role_label, user.department)
    return tr("{}（{}）").format(user.name, user.role_label)


def password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(MAX_LENGTH)
    field.setMinimumWidth(FIELD_WIDTH)
    return field


def heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)
    return label


def note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(f"color: {HINT_COLOR}")
    return label


class PasswordHint(QLabel):
    """Under a new password: the policy, then what is still missing as it is typed, then 「密码符合要求」."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.show_for("", "", "")

    def show_for(self, password: str, again: str, name: str) -> None:
        if not password:
            text, color = policy_text(), HINT_COLOR
        elif problems := password_problems(password, name):
            text, color = tr("还不符合要求：") + "；".join(problems), WARN_COLOR
        elif again and again != password:
            text, color = tr("两次输入的密码不一致"), WARN_COLOR
        else:
            text, color = tr("密码符合要求") + ("" if again else tr("，请再输入一次")), OK_COLOR
        self.setText(text)
        self.setStyleSheet(f"color: {color}")


class FormDialog(QDialog):
    """What the three dialogs share: an inline error, and a busy state while the worker checks the password."""

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, submit: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        """``submit`` is what 确定 does: each dialog's own check of what was typed."""
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(tr("确定"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(submit)
        self.buttons.rejected.connect(self.reject)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def error_text(self) -> str:
        return self.error.text() if self.error.isVisibleTo(self) else ""

    def set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)

    def refused(self, error: DomainError) -> None:
        self.set_busy(False)
        self.show_error(error.message)

    def finish_layout(self, *widgets: QWidget | QFormLayout) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for widget in widgets:
            if isinstance(widget, QFormLayout):
                layout.addLayout(widget)
            else:
                layout.addWidget(widget)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)


class SetupAdminDialog(FormDialog):
    """A database without accounts: its system administrator, who is then logged in (``user``)."""

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(ctx, worker, self.submit, parent)
        self.setWindowTitle(tr("设置管理员"))
        self.user: CurrentUser | None = None
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("如 王芳，不含空格"))
        self.name.setMaxLength(accounts.MAX_NAME_CHARS)
        self.password = password_field()
        self.again = password_field()
        self.hint = PasswordHint()
        form = QFormLayout()
        form.addRow(tr("账号(&N)："), self.name)
        form.addRow(tr("密码(&P)："), self.password)
        form.addRow(tr("再次输入(&A)："), self.again)
        form.addRow("", self.hint)
        self.finish_layout(
            heading(tr("设置系统管理员")),
            note(tr("这是一个新的数据库，还没有任何账号。请设置系统管理员的账号和密码：系统管理员负责为督查室、"
                    "各单位联络员和领导添加账号。程序没有默认密码，请牢记这个密码。")),
            note(tr("数据库：{}").format(ctx.database.target.display_name)),
            form)
        for field in (self.name, self.password, self.again):
            field.textChanged.connect(self._typed)

    def _typed(self) -> None:
        self.hint.show_for(self.password.text(), self.again.text(), self.name.text().strip())

    def submit(self) -> None:
        name, password = self.name.text().strip(), self.password.text()
        if password != self.again.text():
            self.show_error(tr("两次输入的密码不一致，请重新输入"))
            return
        ctx = self.ctx

        def work() -> CurrentUser:
            accounts.create_first_admin(ctx, name, password)
            return accounts.authenticate(ctx, name, password)  # audited as the administrator's first login

        self.show_error("")
        self.set_busy(True)
        self.worker.run(work, self._created, self.refused)

    def _created(self, user: CurrentUser) -> None:
        self.password.clear()
        self.again.clear()
        self.user = user
        self.accept()


class LoginDialog(FormDialog):
    """登录; with ``locked`` (the person whose window is locked) it is 解锁, their name fixed.

    After ``accept()``, ``user`` is who logged in and ``must_change`` says an administrator reset their password.
    ``switch_requested`` is the 切换用户… button of the 解锁 form.
    """

    switch_requested = Signal()

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, settings: QSettings, *,
                 locked: CurrentUser | None = None, switching: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, worker, self.submit, parent)
        self.settings, self.locked = settings, locked
        self.user: CurrentUser | None = None
        self.must_change = False
        self._remembered = options.login_name(ctx.database.target.display_name)
        self.name = QLineEdit()
        self.name.setMaxLength(100)
        self.name.setMinimumWidth(FIELD_WIDTH)
        self.password = password_field()
        form = QFormLayout()
        form.addRow(tr("账号(&N)："), self.name)
        form.addRow(tr("密码(&P)："), self.password)
        database = note(tr("数据库：{}").format(ctx.database.target.display_name))
        if locked is not None:
            self.setWindowTitle(tr("解锁"))
            self.name.setText(locked.name)
            self.name.setReadOnly(True)
            self.ok_button.setText(tr("解锁"))
            self.switch_button = QPushButton(tr("切换用户(&U)…"))
            self.switch_button.setToolTip(tr("以其他账号登录：打开该账号的新窗口"))
            self.buttons.addButton(self.switch_button, QDialogButtonBox.ButtonRole.ActionRole)
            self.switch_button.clicked.connect(self._switch)
            self.finish_layout(heading(tr("窗口已锁定")),
                               note(tr("当前用户：{}。请输入密码解锁；其他人请使用“切换用户”。").format(
                                   user_text(locked))), database, form)
        else:
            self.setWindowTitle(tr("切换用户") if switching else tr("登录"))
            self.ok_button.setText(tr("登录"))
            if not switching:
                self.name.setText(self._remembered.read(settings))
            self.finish_layout(heading(tr("zzdesk 督查室重点任务台账")), database, form)
        (self.password if self.name.text() else self.name).setFocus()

    def submit(self) -> None:
        name, password = self.name.text().strip(), self.password.text()
        self.password.clear()
        if not name:
            self.show_error(tr("请输入账号"))
            self.name.setFocus()
            return
        if not password:
            self.show_error(tr("请输入密码"))
            self.password.setFocus()
            return
        ctx = self.ctx

        def work() -> tuple[CurrentUser, bool]:
            user = accounts.authenticate(ctx, name, password)
            return user, accounts.password_change_required(ctx, user.name)

        self.set_busy(True)
        self.worker.run(work, self._logged_in, self.refused)

    def refused(self, error: DomainError) -> None:
        super().refused(error)
        self.password.setFocus()

    def _logged_in(self, result: tuple[CurrentUser, bool]) -> None:
        self.set_busy(False)
        self.user, self.must_change = result
        self._remembered.write(self.settings, self.user.name)
        self.accept()

    def _switch(self) -> None:
        self.password.clear()
        self.reject()
        self.switch_requested.emit()


class ChangePasswordDialog(FormDialog):
    """修改密码 for the person in ``ctx.user``; ``forced`` after an administrator reset (they cannot go on without)."""

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, *, forced: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, worker, self.submit, parent)
        assert ctx.user is not None
        self.user = ctx.user
        self.setWindowTitle(tr("修改密码"))
        self.old = password_field()
        self.new = password_field()
        self.again = password_field()
        self.hint = PasswordHint()
        form = QFormLayout()
        form.addRow(tr("当前密码(&O)：") if not forced else tr("临时密码(&O)："), self.old)
        form.addRow(tr("新密码(&P)："), self.new)
        form.addRow(tr("再次输入(&A)："), self.again)
        form.addRow("", self.hint)
        self.ok_button.setText(tr("修改密码"))
        if forced:
            self.cancel_button.setText(tr("退出登录"))
            intro = tr("系统管理员已重置“{}”的密码。请输入系统管理员告知的临时密码，并设置新密码，"
                       "然后才能继续使用。").format(self.user.name)
        else:
            intro = tr("修改“{}”的登录密码。").format(user_text(self.user))
        self.finish_layout(heading(tr("修改密码")), note(intro), form)
        for field in (self.new, self.again):
            field.textChanged.connect(self._typed)

    def _typed(self) -> None:
        self.hint.show_for(self.new.text(), self.again.text(), self.user.name)

    def submit(self) -> None:
        old, new = self.old.text(), self.new.text()
        if new != self.again.text():
            self.show_error(tr("两次输入的新密码不一致，请重新输入"))
            return
        self.old.clear()
        ctx, name = self.ctx, self.user.name
        self.show_error("")
        self.set_busy(True)
        self.worker.run(lambda: accounts.change_password(ctx, name, old, new), self._changed, self.refused)

    def _changed(self, _view: accounts.UserView) -> None:
        for field in (self.old, self.new, self.again):
            field.clear()
        self.accept()


def log_in(ctx: ServiceContext, worker: DatabaseWorker, settings: QSettings, parent: QWidget | None = None, *,
           switching: bool = False) -> CurrentUser | None:
    """The person who opens this database, or None when they cancelled (the database is then not shown).

    A database without accounts first gets its administrator (who is then logged in); a person whose password an
    administrator reset must choose a new one before the window is usable.
    """
    login_ctx = replace(ctx, user=None)  # the program checks the password on behalf of whoever is typing
    if not accounts.accounts_exist(login_ctx):
        setup = SetupAdminDialog(login_ctx, worker, parent)
        accepted = setup.exec() == QDialog.DialogCode.Accepted
        setup.deleteLater()
        return setup.user if accepted else None
    dialog = LoginDialog(login_ctx, worker, settings, switching=switching, parent=parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    user = dialog.user
    if not accepted or user is None:
        return None
    if dialog.must_change and not change_password_now(login_ctx, worker, user, parent):
        return None
    return user


def change_password_now(ctx: ServiceContext, worker: DatabaseWorker, user: CurrentUser,
                        parent: QWidget | None = None) -> bool:
    """The forced 修改密码 after an administrator reset; False when the person gave up (they stay logged out)."""
    dialog = ChangePasswordDialog(replace(ctx, user=user, actor=user.name), worker, forced=True, parent=parent)
    changed = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    return changed
