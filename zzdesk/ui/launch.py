"""Opening the GUI fast: a window is on screen before the data layer loads.

Importing SQLAlchemy, SQLModel, Alembic and the main window's modules takes well over a second (longer on a desktop
whose antivirus scans every file); a clerk who double-clicks the icon should see the program at once. So this module
needs only Qt and the fonts: it shows a frame with the main window's title, size and place saying 正在打开数据库, and
only then loads ``zzdesk.ui.app``, which opens the database, asks who logs in and puts the main window in its place.
"""

import os
import sys

from PySide6.QtCore import QCoreApplication, QLocale, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from zzdesk import APP_AUTHOR, APP_NAME
from zzdesk.ui import options
from zzdesk.ui.fonts import application_font, ensure_cjk_font
from zzdesk.ui.qt_assets import install_qt_translation, installed_qt_translation, window_icon

DEFAULT_SIZE = (1360, 820)  # the main window's own first size


def tr(text: str) -> str:
    return QCoreApplication.translate("Launch", text)


def create_application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication: Chinese locale and Qt translation, the window icon, the CJK font (large if chosen)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or [APP_NAME])
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationName(APP_NAME)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    if installed_qt_translation(app) is None:  # Qt's folder, else resources/translations
        install_qt_translation(app)
    app.setWindowIcon(window_icon())
    family = ensure_cjk_font()
    large = bool(options.LARGE_FONT.read(QSettings()))
    app.setFont(application_font(family, large))
    return app


def has_display() -> bool:
    """Qt aborts the process without a screen; a Linux server or SSH session has none."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def refuse_without_display() -> bool:
    """True (after saying what to do instead) when there is no screen to open a window on."""
    if has_display():
        return False
    print(tr("错误：没有图形显示环境，无法打开窗口；可以使用 zzdesk info、zzdesk tree 等命令，"
             "或用 zzdesk snapshot --out 文件夹 生成界面截图"), file=sys.stderr)
    return True


class StartupFrame(QWidget):
    """Where the main window will be, saying what is happening until it is there."""

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        title = tr("督查室重点任务台账")
        self.setWindowTitle(title)
        icon = QLabel()
        icon.setPixmap(window_icon().pixmap(72, 72))
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        heading.setFont(font)
        self.message = QLabel(tr("正在打开数据库，请稍候……"))
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for label in (icon, heading, self.message):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(1)
        geometry = options.WINDOW_GEOMETRY.read(settings)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)


def show_startup_frame() -> StartupFrame:
    frame = StartupFrame(QSettings())
    frame.show()
    QApplication.processEvents()  # painted now, not after the imports below
    return frame


def run_gui(db: str | None, actor: str) -> int:
    """``zzdesk`` / ``zzdesk gui``: the frame first, then the database, the login and the main window."""
    if refuse_without_display():
        return 1
    create_application(sys.argv)
    frame = show_startup_frame()
    try:
        from zzdesk.ui import app  # the data layer and the main window: the slow part of starting

        return app.run_gui(db, actor, frame)
    finally:
        frame.close()
