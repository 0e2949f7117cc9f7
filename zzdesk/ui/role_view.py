"""The logged-in person in the main window: who it is (status bar), what their role may use (the rest is hidden;
the services refuse it anyway), 切换用户 / 锁定 / 修改密码 in 文件, 账号… in 管理 for administrators, and the idle lock.

A window shown with the program's context (``ctx.user`` None: the tests, ``zzdesk snapshot``) gets none of this
and looks as it did before accounts existed. The window is built for one person: 切换用户 opens a new window for
the next one (the controller does it), so no widget ever holds a stale role.
"""

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenuBar

from zzdesk.domain.permissions import Action, allowed_actions, report_action, visible_to
from zzdesk.domain.roles import CurrentUser
from zzdesk.services.views import TaskView
from zzdesk.ui.accounts_dialog import AccountsDialog
from zzdesk.ui.idle_lock import IdleWatcher, WindowLock, idle_minutes
from zzdesk.ui.login_dialog import ChangePasswordDialog, LoginDialog, user_text

if TYPE_CHECKING:
    from zzdesk.ui.main_window import MainWindow

Scope = Callable[[Sequence[TaskView]], frozenset[str]]


def tr(text: str) -> str:
    return QCoreApplication.translate("RoleView", text)


def department_scope(user: CurrentUser) -> Scope:
    """The codes a liaison's ledger shows by default (``permissions.visible_to``): rows their department leads or
    co-operates on, measures with such a work item, and not yet assigned work items of their measures."""

    def codes(rows: Sequence[TaskView]) -> frozenset[str]:
        measures = {row.code: row for row in rows if row.kind == "measure"}
        return frozenset(row.code for row in rows
                         if visible_to(user, row, None if row.kind == "measure"
                                       else measures.get(row.code.rsplit(".", 1)[0])))

    return codes


def _show_if(action: QAction, shown: bool) -> None:
    action.setVisible(shown)
    action.setEnabled(shown)  # a hidden action's shortcut must not fire either


def _hide_empty_menus(bar: QMenuBar) -> None:
    """A menu left with nothing the role may use disappears (a leader has no 管理 menu)."""
    for entry in bar.actions():
        menu = entry.menu()
        if menu is not None:
            entry.setVisible(any(a.isVisible() and not a.isSeparator() for a in menu.actions()))


def apply_role(window: "MainWindow", user: CurrentUser) -> None:
    """Hide in the main window what ``user``'s role cannot do; the widgets inside apply it to themselves."""
    may = allowed_actions(user)
    for action, needed in ((window.update_action, Action.LOG_UPDATE),
                           (window.departments_action, Action.MANAGE_DEPARTMENTS),
                           (window.settings_action, Action.CHANGE_SETTINGS),
                           (window.audit_action, Action.VIEW_AUDIT),
                           (window.file_menu.backup_action, Action.BACKUP)):
        _show_if(action, needed in may)
    for kind, action in window.report_actions.items():
        _show_if(action, report_action(kind) in may)
    window.detail.apply_role(user)
    window.review.apply_role(user)
    window.filter_bar.apply_role(user)
    own_only = window.filter_bar.own_only
    if own_only is not None:
        scope = department_scope(user)
        own_only.toggled.connect(lambda on: window.model.set_scope(scope if on else None))
        window.model.set_scope(scope if own_only.isChecked() else None)


class WindowSession(QObject):
    """The person logged into one main window. ``switch_requested``: open the login for someone else;
    ``relogin(user)``: the same account came back changed (role or department) and needs a fresh window."""

    switch_requested = Signal()
    relogin = Signal(object)

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        assert window.ctx.user is not None
        self.window, self.user = window, window.ctx.user
        self.unlock_dialog: LoginDialog | None = None
        self.user_label = QLabel(tr("当前用户：{}").format(user_text(self.user)))
        self.user_label.setToolTip(tr("文件 → 切换用户、锁定（Ctrl+L）、修改密码"))
        window.statusBar().addPermanentWidget(self.user_label)
        self._build_actions()
        self.lock = WindowLock(window, user_text(self.user))
        self.lock.unlock_requested.connect(self.ask_password)
        self.lock.switch_requested.connect(self.switch_requested)
        self.idle = IdleWatcher(idle_minutes(window.settings), self)
        self.idle.idle.connect(self.lock_now)
        window.installEventFilter(self)
        apply_role(window, self.user)
        _hide_empty_menus(window.menuBar())

    def _build_actions(self) -> None:
        window, menu = self.window, self.window.file_menu
        self.switch_action = QAction(tr("切换用户(&U)…"), window)
        self.switch_action.triggered.connect(self.switch_requested)
        self.lock_action = QAction(tr("锁定(&K)"), window, shortcut=QKeySequence("Ctrl+L"))
        self.lock_action.setToolTip(tr("暂时离开时锁定窗口，输入密码解锁"))
        self.lock_action.triggered.connect(self.lock_now)
        self.password_action = QAction(tr("修改密码(&P)…"), window)
        self.password_action.triggered.connect(self.change_password)
        first = menu.insertSeparator(menu.quit_action)
        for action in (self.switch_action, self.lock_action, self.password_action):
            menu.insertAction(first, action)
        self.accounts_action = QAction(tr("账号(&U)…"), window)
        self.accounts_action.triggered.connect(self.manage_accounts)
        window.manage_menu.insertAction(window.manage_menu.actions()[0], self.accounts_action)  # 账号 first
        _show_if(self.accounts_action, Action.MANAGE_ACCOUNTS in allowed_actions(self.user))

    # --- locking ---------------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.lock.locked

    def lock_now(self) -> None:
        """Cover the window and ask for the password (the cover keeps 解锁… for when the dialog is closed)."""
        if self.locked:
            return
        self.idle.pause()
        self.lock.lock()
        self.ask_password()

    def ask_password(self) -> LoginDialog:
        if (self.unlock_dialog is not None and shiboken6.isValid(self.unlock_dialog)
                and self.unlock_dialog.isVisible()):
            return self.unlock_dialog
        window = self.window
        dialog = LoginDialog(replace(window.ctx, user=None), window.worker, window.settings, locked=self.user,
                             parent=window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.switch_requested.connect(self.switch_requested)
        dialog.accepted.connect(lambda: self._unlocked(dialog))
        self.unlock_dialog = dialog
        dialog.open()
        return dialog

    def _unlocked(self, dialog: LoginDialog) -> None:
        user = dialog.user
        if user is None:
            return
        if dialog.must_change:  # reset by an administrator while the window was locked
            change = ChangePasswordDialog(replace(self.window.ctx, user=user, actor=user.name), self.window.worker,
                                          forced=True, parent=self.window)
            change.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            change.accepted.connect(lambda: self._unlocked_as(user))
            change.open()
            return
        self._unlocked_as(user)

    def _unlocked_as(self, user: CurrentUser) -> None:
        if user != self.user:
            self.relogin.emit(user)
            return
        self.lock.unlock()
        self.idle.resume()

    # --- the menu entries ------------------------------------------------------------------------------
    def change_password(self) -> ChangePasswordDialog:
        window = self.window
        dialog = ChangePasswordDialog(window.ctx, window.worker, parent=window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: window.statusBar().showMessage(tr("密码已修改"), 10_000))
        dialog.open()
        return dialog

    def manage_accounts(self) -> AccountsDialog:
        dialog = AccountsDialog(self.window.ctx, self.window.worker, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.idle.stop()  # a closed window never locks
        return False


def install_session(window: "MainWindow") -> WindowSession | None:
    """Called once the window is built: the session of ``ctx.user``, or None for the program's own context."""
    return WindowSession(window) if window.ctx.user is not None else None
