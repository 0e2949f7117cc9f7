"""Starting the GUI once Qt is up (`launch.py`): the database, the error handler, the login and the main window."""

import logging
import sys
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from zzdesk.domain.errors import DomainError
from zzdesk.domain.roles import CurrentUser
from zzdesk.logs import setup_file_logging
from zzdesk.services import backups, plan
from zzdesk.services.context import ServiceContext
from zzdesk.store.database import DamagedDatabaseError, Database, open_database
from zzdesk.store.engine import resolve_target
from zzdesk.ui.launch import create_application, refuse_without_display
from zzdesk.ui.login_dialog import log_in
from zzdesk.ui.main_window import MainWindow
from zzdesk.ui.worker import DatabaseWorker

log = logging.getLogger(__name__)


def tr(text: str) -> str:
    return QCoreApplication.translate("App", text)


def install_error_handler(log_path: Path | None) -> None:
    """An unexpected exception is logged and shown calmly; the application keeps running."""

    def handle(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, error, tb)))
        if isinstance(error, DomainError):
            message = error.message
        else:
            where = str(log_path) if log_path else tr("（日志无法写入）")
            message = tr("发生了意外错误（{}），刚才的操作可能没有完成，已保存的数据不受影响。\n\n"
                         "详细信息已记录到：{}").format(kind.__name__, where)
        QMessageBox.warning(QApplication.activeWindow(), tr("出错了"), message)

    sys.excepthook = handle


def open_context(db: str | None, actor: str) -> ServiceContext:
    """Open (and on first use create, with the plan) the database; a DomainError says what is wrong.

    The window holds the database's one-window lock (``exclusive``) until it closes."""
    database: Database = open_database(resolve_target(db), exclusive=True)
    ctx = ServiceContext(database=database, actor=actor)
    if database.created:
        plan.init_database(ctx)
    return ctx


def offer_restore(parent: QWidget | None, error: DamagedDatabaseError, actor: str) -> bool:
    """A damaged database: offer its newest good backup and restore it if the user agrees. True when restored."""
    if error.backup is None:
        QMessageBox.critical(parent, tr("数据库已损坏"), error.message)
        return False
    question = tr("数据库文件“{}”已损坏（{}），为免损坏扩大，没有打开它。\n\n最新的完好备份是“{}”（{}）。\n\n"
                  "是否用这份备份恢复？损坏的文件会移到 backups 文件夹保留；这份备份之后的修改需要重新录入。").format(
        error.database, error.detail, error.backup.path.name, error.backup.label)
    answer = QMessageBox.question(parent, tr("数据库已损坏"), question,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    if answer != QMessageBox.StandardButton.Yes:
        return False
    try:
        backups.restore(resolve_target(str(error.database)), error.backup.path, actor, datetime.now(UTC))
    except DomainError as failure:
        QMessageBox.critical(parent, tr("恢复失败"), failure.message)
        return False
    return True


class WindowController(QObject):
    """One main window per open database; opening another file replaces the window, like a document.

    The person opening a database logs in first (``log_in_and_show``), and the window is built for them; 切换用户
    builds a new window over the same database. A window shown with the program's context (``show`` with
    ``ctx.user`` None, as the tests do) keeps opening files without a login.
    """

    def __init__(self, actor: str, settings: QSettings, opener: DatabaseWorker | None = None) -> None:
        super().__init__()
        self.actor, self.settings = actor, settings
        self.window: MainWindow | None = None
        self._opener = opener or DatabaseWorker(parent=self)  # opens (and migrates) files off the GUI thread
        self.backup_timer = QTimer(self)  # asks for an automatic backup; the interval setting decides
        self.backup_timer.setInterval(backups.TIMER_MINUTES * 60_000)
        self.backup_timer.timeout.connect(lambda: self._backup(backups.backup_if_due))

    def show(self, ctx: ServiceContext, *, keep_database: bool = False) -> MainWindow:
        """``ctx``'s window in place of the current one; ``keep_database`` when only the person changes."""
        old = self.window
        window = MainWindow(ctx, DatabaseWorker(parent=self), self.settings)
        window.file_menu.open_requested.connect(self.open_path)
        window.file_menu.create_requested.connect(lambda path: self.open_path(path, create=True))
        if window.session is not None:
            window.session.switch_requested.connect(self.switch_user)
            window.session.relogin.connect(self._show_user)
        self.window = window
        window.show()
        window.reload()
        if not keep_database:
            self._backup(backups.backup_at_start)
        self.backup_timer.start()
        if old is not None:
            old.close()
            old.worker.wait()
            if not keep_database:
                old.ctx.database.close()
            old.deleteLater()
        return window

    def log_in_and_show(self, ctx: ServiceContext) -> MainWindow | None:
        """Ask who opens ``ctx``'s database (设置管理员 when it has no accounts), then show the window for them.

        None when they cancelled: the new database is closed and the current window, if any, stays."""
        try:
            user = log_in(ctx, self._opener, self.settings, self.window)
        except DomainError as error:
            QMessageBox.warning(self.window, tr("无法打开数据库"), error.message)
            user = None
        if user is None:
            ctx.database.close()
            return None
        return self.show(replace(ctx, user=user, actor=user.name))

    def switch_user(self) -> None:
        """文件 → 切换用户: someone else logs in and gets their own window over the same database."""
        if self.window is None:
            return
        try:
            user = log_in(self._program_context(), self._opener, self.settings, self.window, switching=True)
        except DomainError as error:
            QMessageBox.warning(self.window, tr("无法切换用户"), error.message)
            return
        if user is not None:
            self._show_user(user)

    def _show_user(self, user: CurrentUser) -> None:
        self.show(replace(self._program_context(), user=user, actor=user.name), keep_database=True)

    def _program_context(self) -> ServiceContext:
        return replace(self.window.ctx, user=None, actor=self.actor)

    def _opened(self, ctx: ServiceContext) -> None:
        if self.window is not None and self.window.ctx.user is None:
            self.show(ctx)
        else:
            self.log_in_and_show(ctx)

    def open_path(self, path: str, create: bool = False) -> None:
        """Open an existing database file; only 新建 may create one (a moved recent file must not be recreated)."""
        if not create and not Path(path).is_file():
            QMessageBox.warning(self.window, tr("无法打开数据库"),
                                tr("找不到数据库文件“{}”，它可能已被移动或删除。").format(path))
            return
        actor = self.actor
        self._opener.run(lambda: open_context(path, actor), self._opened, self._refused)

    def _refused(self, error: DomainError) -> None:
        if isinstance(error, DamagedDatabaseError):
            if offer_restore(self.window, error, self.actor):
                self.open_path(str(error.database))
            return
        QMessageBox.warning(self.window, tr("无法打开数据库"), error.message)

    def _backup(self, step: Callable[[ServiceContext], backups.BackupOutcome]) -> None:
        """An automatic backup on the window's worker; a failure is shown in the status bar, never as a dialog."""
        window = self.window
        if window is None:
            return
        ctx = window.ctx
        window.worker.run(lambda: step(ctx), lambda outcome: self._backed_up(window, outcome))

    def _backed_up(self, window: MainWindow, outcome: backups.BackupOutcome) -> None:
        if outcome.failed and window is self.window:
            window.statusBar().showMessage(outcome.note)

    def shutdown(self) -> None:
        self.backup_timer.stop()
        if self.window is not None:
            self.window.worker.wait()
            self.window.ctx.database.close()


def run_gui(db: str | None, actor: str, frame: QWidget | None = None) -> int:
    """Open the database, ask who logs in, show the main window; ``frame`` (``launch.StartupFrame``), shown
    while this module loaded, closes once the main window is up."""
    if refuse_without_display():
        return 1
    app = create_application(sys.argv)
    install_error_handler(setup_file_logging("zzdesk"))
    try:
        ctx = open_context(db, actor)
    except DamagedDatabaseError as error:
        if not offer_restore(None, error, actor):
            return 1
        try:
            ctx = open_context(db, actor)
        except DomainError as again:
            QMessageBox.critical(None, tr("无法打开数据库"), again.message)
            return 1
    except DomainError as error:
        QMessageBox.critical(None, tr("无法打开数据库"), error.message)
        return 1
    controller = WindowController(actor, QSettings())
    if controller.log_in_and_show(ctx) is None:  # the login was cancelled: nothing to show
        return 0
    if frame is not None:
        frame.close()
    try:
        return app.exec()
    finally:
        controller.shutdown()
