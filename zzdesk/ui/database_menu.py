"""文件 menu: new, open and recent database files, and backups — the database treated like a document."""

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from zzdesk.domain.errors import DomainError
from zzdesk.services import maintenance
from zzdesk.services.context import ServiceContext
from zzdesk.ui import options
from zzdesk.ui.worker import DatabaseWorker

MAX_RECENT = 8


def tr(text: str) -> str:
    return QCoreApplication.translate("DatabaseMenu", text)


def _file_filter() -> str:
    return tr("zzdesk 数据库 (*.sqlite3 *.db);;所有文件 (*)")


def recent_files(settings: QSettings) -> list[str]:
    return options.RECENT_FILES.read(settings)[:MAX_RECENT]


def remember_file(settings: QSettings, path: str) -> None:
    items = [path, *(item for item in recent_files(settings) if item != path)]
    options.RECENT_FILES.write(settings, items[:MAX_RECENT])


class DatabaseMenu(QMenu):
    """Emits ``open_requested(path)`` for an existing file and ``create_requested(path)`` for a new one."""

    open_requested = Signal(str)
    create_requested = Signal(str)

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, settings: QSettings, parent: QWidget) -> None:
        super().__init__(tr("文件(&F)"), parent)
        self.ctx, self.worker, self.settings = ctx, worker, settings
        new_action = QAction(tr("新建数据库(&N)…"), self, shortcut=QKeySequence("Ctrl+Shift+N"))
        new_action.triggered.connect(self.new_database)
        open_action = QAction(tr("打开数据库(&O)…"), self, shortcut=QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.open_database)
        self.recent_menu = QMenu(tr("最近使用(&R)"), self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        backup_action = QAction(tr("备份(&B)…"), self)
        backup_action.triggered.connect(self.backup)
        self.quit_action = QAction(tr("退出(&X)"), self, shortcut=QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(parent.close)
        for item in (new_action, open_action):
            self.addAction(item)
        self.addMenu(self.recent_menu)
        self.addSeparator()
        self.addAction(backup_action)
        self.addSeparator()
        self.addAction(self.quit_action)
        self.backup_action = backup_action
        if ctx.database.target.sqlite_path is not None:
            remember_file(settings, str(ctx.database.target.sqlite_path))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = recent_files(self.settings)
        if not files:
            self.recent_menu.addAction(tr("（无）")).setEnabled(False)
        for number, path in enumerate(files, start=1):
            action = self.recent_menu.addAction(f"&{number} {path}")
            action.triggered.connect(lambda _=False, p=path: self.open_requested.emit(p))

    def new_database(self) -> None:
        suggested = str(self._folder() / "新台账.sqlite3")
        path, _ = QFileDialog.getSaveFileName(self.parentWidget(), tr("新建数据库"), suggested, _file_filter())
        if path:
            if Path(path).exists():
                QMessageBox.warning(self.parentWidget(), tr("新建数据库"),
                                    tr("“{}”已存在；要使用它请选择“打开数据库”。").format(path))
                return
            self.create_requested.emit(path)

    def open_database(self) -> None:
        folder = str(self._folder())
        path, _ = QFileDialog.getOpenFileName(self.parentWidget(), tr("打开数据库"), folder, _file_filter())
        if path:
            self.open_requested.emit(path)

    def backup(self) -> None:
        source = self.ctx.database.target.sqlite_path
        if source is None:
            QMessageBox.information(self.parentWidget(), tr("备份"), tr("PostgreSQL 数据库请由管理员用 pg_dump 备份。"))
            return
        stamp = self.ctx.now().astimezone().strftime("%Y%m%d-%H%M")
        suggested = str(source.parent / f"{source.stem}-备份-{stamp}.sqlite3")
        path, _ = QFileDialog.getSaveFileName(self.parentWidget(), tr("备份数据库"), suggested, _file_filter())
        if path:
            ctx = self.ctx
            self.worker.run(lambda: maintenance.backup(ctx, Path(path)), self._backed_up, self._refused)

    def _backed_up(self, path: Path) -> None:
        QMessageBox.information(self.parentWidget(), tr("备份"), tr("已备份到：\n{}").format(path))

    def _refused(self, error: DomainError) -> None:
        QMessageBox.warning(self.parentWidget(), tr("无法完成"), error.message)

    def _folder(self) -> Path:
        source = self.ctx.database.target.sqlite_path
        return source.parent if source is not None else Path.home()
