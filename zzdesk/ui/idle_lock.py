"""Locking the window (等保: 会话超时锁定): after a spell without keyboard or mouse input, or on 文件 → 锁定 (Ctrl+L).

A locked window shows nothing of the ledger: the main window's menus, toolbar, pages and status bar are disabled
and covered, and so is every window it opened (a report preview, a dialog left open), so no keyboard shortcut
reaches them either. The cover over the main window says who is logged in and offers 解锁… and 切换用户…; what
unlocking takes (the same person's password) is decided by the session in ``role_view.py``.
"""

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget

from zzdesk.ui import options

MIN_MINUTES, MAX_MINUTES = 1, 240
COVER_COLOR = "#e8ecf1"
# Input from a person; anything else (timers, painting, a worker's result) does not keep the session awake.
ACTIVITY = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
                      QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress})


def tr(text: str) -> str:
    return QCoreApplication.translate("IdleLock", text)


def idle_minutes(settings: QSettings) -> int:
    """The idle timeout; a value outside 1–240 minutes (a typo in the settings file) falls back to the default."""
    minutes = options.IDLE_LOCK_MINUTES.read(settings)
    return minutes if MIN_MINUTES <= minutes <= MAX_MINUTES else options.IDLE_LOCK_MINUTES.default


class IdleWatcher(QObject):
    """Emits ``idle`` once ``minutes`` pass without keyboard or mouse input anywhere in the application.

    An application-wide event filter restarts a single-shot timer on each input event; ``pause`` while locked,
    ``stop`` when the window closes (the filter is removed, so a closed window never locks).
    """

    idle = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one may keep its old wake-up on a restart
        self.timer.setInterval(minutes * 60_000)
        self.timer.timeout.connect(self.idle)
        self._app = QCoreApplication.instance()
        self._app.installEventFilter(self)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.timer.isActive() and event.type() in ACTIVITY:
            self.timer.start()
        return False

    def pause(self) -> None:
        self.timer.stop()

    def resume(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._app.removeEventFilter(self)


class LockCover(QWidget):
    """An opaque cover over the whole of a locked window, kept to its size."""

    def __init__(self, target: QWidget, user: str, *, with_buttons: bool) -> None:
        super().__init__(target)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, COVER_COLOR)
        self.setPalette(palette)
        title = QLabel(tr("窗口已锁定"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        who = QLabel(tr("当前用户：{}").format(user))
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for label in (title, who):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        self.unlock_button = self.switch_button = None
        if with_buttons:
            hint = QLabel(tr("离开期间内容已隐藏。请输入密码解锁；其他人请使用“切换用户”，以自己的账号打开新窗口。"))
            hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            hint.setWordWrap(True)
            hint.setStyleSheet("color: #555")
            layout.addWidget(hint)
            self.unlock_button = QPushButton(tr("解锁(&U)…"))
            self.switch_button = QPushButton(tr("切换用户(&S)…"))
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(self.unlock_button)
            row.addWidget(self.switch_button)
            row.addStretch(1)
            layout.addSpacing(12)
            layout.addLayout(row)
        layout.addStretch(3)
        target.installEventFilter(self)
        self.setGeometry(target.rect())
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
            self.raise_()
        return False


def _owned_by(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if parent is window:
            return True
        parent = parent.parentWidget()
    return False


class WindowLock(QObject):
    """Covers and disables a main window and its open windows; ``unlock_requested`` / ``switch_requested`` come
    from the buttons on the cover."""

    unlock_requested = Signal()
    switch_requested = Signal()

    def __init__(self, window: QMainWindow, user: str) -> None:
        super().__init__(window)
        self.window, self.user = window, user
        self.covers: list[LockCover] = []
        self._disabled: list[QWidget] = []

    @property
    def locked(self) -> bool:
        return bool(self.covers)

    def lock(self) -> None:
        if self.locked:
            return
        for _ in range(10):  # an open menu or drop-down list (a submenu's parent is a popup too)
            popup = QApplication.activePopupWidget()
            if popup is None:
                break
            popup.close()
        parts = [w for w in self.window.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                 if not w.isWindow()]
        others = [w for w in QApplication.topLevelWidgets()
                  if w.isVisible() and w is not self.window and _owned_by(w, self.window)]
        for widget in (*parts, *others):
            if widget.isEnabled():
                widget.setEnabled(False)
                self._disabled.append(widget)
        cover = LockCover(self.window, self.user, with_buttons=True)
        cover.unlock_button.clicked.connect(self.unlock_requested)
        cover.switch_button.clicked.connect(self.switch_requested)
        cover.unlock_button.setFocus()
        self.covers = [cover, *(LockCover(w, self.user, with_buttons=False) for w in others)]

    def unlock(self) -> None:
        for cover in self.covers:
            cover.hide()
            cover.deleteLater()
        self.covers = []
        for widget in self._disabled:
            if shiboken6.isValid(widget):  # a window may have been closed by the program meanwhile
                widget.setEnabled(True)
        self._disabled = []
