"""One cold start, measured from inside the new process: when its window is first painted, and when its table is.

Started by ``suite.py`` as a fresh process of the same interpreter:
``python tests/benchmarks/probe_window.py bare`` or ``python tests/benchmarks/probe_window.py zzdesk --db PATH``.
It prints one line ``PROBE {json}`` with ``time.monotonic()`` values (a system-wide clock, so the parent can
subtract the moment just before it started this process) and exits.

- ``bare``: a QWidget with a QTreeView and a QTableView (42 rows of a QStandardItemModel, like the demo's ledger),
  the least a Qt window of this kind costs to show;
- ``zzdesk``: what ``zzdesk`` does (``zzdesk.ui.launch.run_gui``, then ``zzdesk.ui.app.run_gui``) — the Qt
  application and the startup frame, then the data layer's imports, the error handler with file logging,
  ``open_context`` on the database, ``WindowController.show`` — for the demo clerk 督查员. Only the login dialog is
  skipped: the ``CurrentUser`` is built from ``accounts.list_users`` instead of the typed password (whose argon2
  check takes the same time however the program starts).

"Shown" is the first paint of the first window (for zzdesk the startup frame at the main window's place);
"ledger" is the first paint of the table's viewport once the table has rows (for zzdesk: the main window, after
the worker thread has loaded the ledger). Each is taken in a zero-delay timer queued from
the paint event, i.e. right after the paint has been drawn.
"""

from __future__ import annotations

import time

STARTED = time.monotonic()  # before any import of note

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

MARK = "PROBE "


class Stamps:
    """The moments of interest; when both are known, prints them and quits."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {"started": STARTED}

    def stamp(self, name: str) -> None:
        from PySide6.QtWidgets import QApplication

        self.values.setdefault(name, time.monotonic())
        if "shown" in self.values and "ledger" in self.values:
            print(MARK + json.dumps(self.values), flush=True)
            QApplication.quit()


def watch(stamps: Stamps, window: object, viewport: object, has_rows: object) -> object:
    """An event filter noting the first paint of ``window`` and the first paint of ``viewport`` with rows."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class Watcher(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                if watched is window and "shown" not in stamps.values:
                    QTimer.singleShot(0, lambda: stamps.stamp("shown"))
                elif watched is viewport and has_rows() and "ledger" not in stamps.values:
                    QTimer.singleShot(0, lambda: stamps.stamp("ledger"))
            return False

    watcher = Watcher()
    window.installEventFilter(watcher)
    viewport.installEventFilter(watcher)
    return watcher


def bare(stamps: Stamps) -> int:
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QHBoxLayout, QTableView, QTreeView, QWidget

    app = QApplication(sys.argv)
    stamps.values["imported"] = time.monotonic()
    window = QWidget()
    window.setWindowTitle("bare")
    tree, table = QTreeView(), QTableView()
    tree_model, table_model = QStandardItemModel(), QStandardItemModel(42, 8)
    for group in range(8):
        parent = QStandardItem(f"分组 {group + 1}")
        parent.appendRows([QStandardItem(f"举措 {group + 1}.{n + 1}") for n in range(4)])
        tree_model.appendRow(parent)
    for row in range(42):
        for column in range(8):
            table_model.setItem(row, column, QStandardItem(f"第 {row + 1} 行 {column + 1} 列"))
    tree.setModel(tree_model)
    table.setModel(table_model)
    layout = QHBoxLayout(window)
    layout.addWidget(tree)
    layout.addWidget(table)
    watcher = watch(stamps, window, table.viewport(), lambda: table_model.rowCount() > 0)  # noqa: F841 (kept alive)
    window.resize(1440, 900)
    window.show()
    return app.exec()


def zzdesk(stamps: Stamps, db: str) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from zzdesk.ui import launch

    app = launch.create_application(sys.argv)
    frame = launch.StartupFrame(QSettings())
    frame_watcher = watch(stamps, frame, frame, lambda: False)  # noqa: F841 (kept alive)
    frame.show()
    QApplication.processEvents()  # as launch.show_startup_frame: painted before the slow imports
    QApplication.processEvents()  # and the zero-delay stamp queued by the paint is taken now, not after them
    from dataclasses import replace

    from zzdesk.domain.roles import CurrentUser
    from zzdesk.logs import setup_file_logging
    from zzdesk.services import accounts
    from zzdesk.ui.app import WindowController, install_error_handler, open_context

    stamps.values["imported"] = time.monotonic()
    install_error_handler(setup_file_logging("zzdesk"))
    ctx = open_context(db, "基准测试")
    stamps.values["opened"] = time.monotonic()
    clerk = next(user for user in accounts.list_users(ctx) if user.name == "督查员")
    user = CurrentUser(name=clerk.name, role=clerk.role, department=clerk.department)
    controller = WindowController("基准测试", QSettings())
    window = controller.show(replace(ctx, user=user, actor=user.name))
    frame.close()
    stamps.values["show_returned"] = time.monotonic()
    watcher = watch(stamps, window, window.table.viewport(),  # noqa: F841 (kept alive)
                    lambda: window.model.total_count() > 0)
    try:
        return app.exec()
    finally:
        controller.shutdown()


def main() -> None:
    """Runs one probe, then leaves with ``os._exit``: the figures are printed by then, and PySide6 can crash while the
    interpreter tears its objects down, which would only make a good run look failed."""
    parser = argparse.ArgumentParser(description="One cold start of a window (see the module's docstring).")
    parser.add_argument("kind", choices=("bare", "zzdesk"))
    parser.add_argument("--db")
    args = parser.parse_args()
    stamps = Stamps()
    code = bare(stamps) if args.kind == "bare" else zzdesk(stamps, args.db)
    sys.stdout.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
