"""Starting the GUI: Qt application, Chinese translations and fonts, the error handler, the main window."""

import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QSettings, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from zzdesk import APP_AUTHOR, APP_NAME
from zzdesk.domain.errors import DomainError
from zzdesk.logs import setup_file_logging
from zzdesk.services import plan
from zzdesk.services.context import ServiceContext
from zzdesk.store.database import Database, open_database
from zzdesk.store.engine import resolve_target
from zzdesk.ui import options
from zzdesk.ui.fonts import application_font, ensure_cjk_font
from zzdesk.ui.main_window import MainWindow
from zzdesk.ui.worker import DatabaseWorker

log = logging.getLogger(__name__)


def tr(text: str) -> str:
    return QCoreApplication.translate("App", text)


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or [APP_NAME])
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationName(APP_NAME)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translator = QTranslator(app)
    if translator.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
    family = ensure_cjk_font()
    large = bool(options.LARGE_FONT.read(QSettings()))
    app.setFont(application_font(family, large))
    return app


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
    """Open (and on first use create, with the plan) the database; a DomainError says what is wrong."""
    database: Database = open_database(resolve_target(db))
    ctx = ServiceContext(database=database, actor=actor)
    if database.created:
        plan.init_database(ctx)
    return ctx


class WindowController(QObject):
    """One main window per open database; opening another file replaces the window, like a document."""

    def __init__(self, actor: str, settings: QSettings, opener: DatabaseWorker | None = None) -> None:
        super().__init__()
        self.actor, self.settings = actor, settings
        self.window: MainWindow | None = None
        self._opener = opener or DatabaseWorker(parent=self)  # opens (and migrates) files off the GUI thread

    def show(self, ctx: ServiceContext) -> MainWindow:
        old = self.window
        window = MainWindow(ctx, DatabaseWorker(parent=self), self.settings)
        window.file_menu.open_requested.connect(self.open_path)
        window.file_menu.create_requested.connect(lambda path: self.open_path(path, create=True))
        self.window = window
        window.show()
        window.reload()
        if old is not None:
            old.close()
            old.worker.wait()
            old.ctx.database.close()
            old.deleteLater()
        return window

    def open_path(self, path: str, create: bool = False) -> None:
        """Open an existing database file; only 新建 may create one (a moved recent file must not be recreated)."""
        if not create and not Path(path).is_file():
            QMessageBox.warning(self.window, tr("无法打开数据库"),
                                tr("找不到数据库文件“{}”，它可能已被移动或删除。").format(path))
            return
        actor = self.actor
        self._opener.run(lambda: open_context(path, actor), self.show, self._refused)

    def _refused(self, error: DomainError) -> None:
        QMessageBox.warning(self.window, tr("无法打开数据库"), error.message)

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.worker.wait()
            self.window.ctx.database.close()


def has_display() -> bool:
    """Qt aborts the process without a screen; a Linux server or SSH session has none."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_gui(db: str | None, actor: str) -> int:
    if not has_display():
        print(tr("错误：没有图形显示环境，无法打开窗口；可以使用 zzdesk info、zzdesk tree 等命令，"
                 "或用 zzdesk snapshot --out 文件夹 生成界面截图"), file=sys.stderr)
        return 1
    app = create_application(sys.argv)
    install_error_handler(setup_file_logging("zzdesk"))
    try:
        ctx = open_context(db, actor)
    except DomainError as error:
        QMessageBox.critical(None, tr("无法打开数据库"), error.message)
        return 1
    controller = WindowController(actor, QSettings())
    controller.show(ctx)
    try:
        return app.exec()
    finally:
        controller.shutdown()
