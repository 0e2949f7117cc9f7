"""``zzdesk snapshot``: the main views rendered offscreen to PNG, for the README and for looking without a screen.

It reads only and logs nobody in: the window is the program's own (``ctx.user`` None, every menu entry shown, no
idle lock), as ``zzdesk snapshot`` is a reading command that needs no login."""

import os
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from zzdesk.domain.errors import DomainError
from zzdesk.domain.vocabulary import ReportKind
from zzdesk.services import ledger, maintenance
from zzdesk.services.context import ServiceContext
from zzdesk.services.views import PlanView
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.ui import options
from zzdesk.ui.main_window import MainWindow
from zzdesk.ui.report_archive_dialog import ReportArchiveDialog
from zzdesk.ui.report_dialog import ReportDialog
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
    from zzdesk.ui.launch import create_application

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
    _report_snapshots(ctx, window, save)
    window.close()
    return written


def _report_snapshots(ctx: ServiceContext, window: MainWindow, save: Callable[..., None]) -> None:
    """The 生成报告 dialog, then a bulletin's preview and the archive, made on a throwaway copy of the database:
    generating a report issues a bulletin number and records it, which a snapshot must never do to real data."""
    dialog = window.open_report_dialog(ReportKind.BULLETIN)
    save("report-dialog", dialog)
    dialog.close()
    with tempfile.TemporaryDirectory(prefix="zzdesk-snapshot-") as scratch:
        try:
            copy = maintenance.scratch_copy(ctx, Path(scratch) / "副本.sqlite3")
        except DomainError:
            return  # a PostgreSQL database has no file to copy: leave these pictures out
        database = open_database(resolve_target(str(copy)))
        try:
            # Without a login the actor is the OS account; the pictures show a clerk as 生成人 instead.
            copy_ctx = replace(ctx, database=database, actor=ctx.actor if ctx.user else "督查员")
            options.REPORT_FOLDER.write(window.settings, scratch)
            dialog = ReportDialog(copy_ctx, window.worker, window.settings, ReportKind.BULLETIN, parent=window)
            dialog.show()
            dialog.generate()
            if dialog.report is not None:
                save("report-preview", dialog, before=dialog.preview.render_visible)
            dialog.close()
            archive = ReportArchiveDialog(copy_ctx, window.worker, window.settings, parent=window)
            archive.show()
            save("report-archive", archive)
            archive.close()
        finally:
            database.close()

