"""``zzdesk snapshot``: the main views rendered offscreen to PNG, for the README and for looking without a screen."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from zzdesk.services import ledger
from zzdesk.services.context import ServiceContext
from zzdesk.services.views import PlanView
from zzdesk.ui.main_window import MainWindow
from zzdesk.ui.worker import DatabaseWorker

WINDOW_SIZE = (1440, 900)


def use_offscreen_platform() -> None:
    """Must run before the QApplication exists."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _example_code(plan: PlanView) -> str | None:
    """A measure split into work items shows the most; otherwise the first measure."""
    measures = [m for g in plan.groups for m in g.measures]
    split = [m for m in measures if m.items]
    chosen = split[0] if split else (measures[0] if measures else None)
    return chosen.code if chosen else None


def render_snapshots(ctx: ServiceContext, out_dir: Path) -> list[Path]:
    from zzdesk.ui.app import create_application

    create_application()
    out_dir.mkdir(parents=True, exist_ok=True)
    settings_file = Path(tempfile.mkdtemp()) / "snapshot.ini"  # never touch the user's own window settings
    settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
    window = MainWindow(ctx, DatabaseWorker(synchronous=True), settings)
    window.resize(*WINDOW_SIZE)
    window.show()
    window.reload()
    written: list[Path] = []

    def save(name: str, widget: QWidget | None = None, before: Callable[[], None] | None = None) -> None:
        if before is not None:
            before()
        QApplication.processEvents()
        path = out_dir / f"{name}.png"
        if not (widget or window).grab().save(str(path)):
            raise OSError(f"无法写入截图 {path}")
        written.append(path)

    code = _example_code(ledger.plan_view(ctx))
    if code:
        window.select_code(code)
    save("main-window")
    for index, name in ((1, "detail-assignment"), (2, "detail-work-items"), (3, "detail-history")):
        save(name, before=lambda i=index: window.detail.setCurrentIndex(i))
    window.detail.setCurrentIndex(0)
    if code:
        dialog = window.open_update_dialog()
        if dialog is not None:
            save("update-dialog", dialog)
            dialog.reject()
    save("review-queue", before=lambda: window.pages.setCurrentWidget(window.review))
    save("dashboard", before=lambda: window.pages.setCurrentWidget(window.dashboard))
    window.pages.setCurrentWidget(window.main_split)
    window.tree.select_scope("group", code.split(".")[0] if code else "1")
    window.filter_bar.light.setCurrentIndex(window.filter_bar.light.findText("红灯"))
    save("ledger-filtered")
    window.close()
    return written
