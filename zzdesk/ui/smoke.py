"""``zzdesk --smoke``: prove a build works without a person — a throwaway demo database, the main window shown
offscreen, a bulletin PDF generated and checked — then exit 0, or 1 with the reason.

Everything happens in a temporary folder (data folder included), so a smoke run never touches the user's database,
settings or backups; a frozen build runs it the same way, which is how missing modules or data files show up.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

from zzdesk.domain.vocabulary import ReportKind


def run_smoke() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    own_data_dir = os.environ.get("ZZDESK_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="zzdesk-smoke-") as scratch:
        folder = Path(scratch)
        os.environ["ZZDESK_DATA_DIR"] = str(folder / "data")
        try:
            lines = _check(folder)
        except Exception as error:  # any failure is the finding: say what and where, never a traceback
            print(f"自检失败：{type(error).__name__}: {error}", file=sys.stderr)
            return 1
        finally:
            if own_data_dir is None:
                os.environ.pop("ZZDESK_DATA_DIR", None)
            else:
                os.environ["ZZDESK_DATA_DIR"] = own_data_dir
    for line in lines:
        print(line)
    print(f"自检通过（{time.perf_counter() - started:.1f} 秒）")
    return 0


def _check(folder: Path) -> list[str]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from zzdesk.services import demo, plan, reports
    from zzdesk.services.context import ServiceContext
    from zzdesk.store.database import open_database
    from zzdesk.store.engine import resolve_target
    from zzdesk.ui.app import create_application
    from zzdesk.ui.main_window import MainWindow
    from zzdesk.ui.worker import DatabaseWorker

    database = open_database(resolve_target(str(folder / "自检.sqlite3")))
    try:
        ctx = ServiceContext(database=database, actor="自检")
        loaded = plan.init_database(ctx)
        demo.populate_demo(ctx)
        create_application()
        settings = QSettings(str(folder / "smoke.ini"), QSettings.Format.IniFormat)
        window = MainWindow(ctx, DatabaseWorker(synchronous=True), settings)
        window.show()
        window.reload()
        QApplication.processEvents()
        rows = window.model.rowCount()
        if not window.isVisible() or rows == 0:
            raise RuntimeError(f"主窗口未正常显示（台账 {rows} 行）")
        picture = window.grab()
        if picture.isNull():
            raise RuntimeError("主窗口无法绘制")
        window.close()
        result = reports.generate_report(ctx, reports.ReportRequest(ReportKind.BULLETIN), folder / "督查通报.pdf")
        head = result.path.read_bytes()[:5]
        if head != b"%PDF-" or result.pages < 1:
            raise RuntimeError(f"督查通报不是有效的 PDF（{result.pages} 页）")
        return [f"规划：{loaded.groups} 个任务组、{loaded.measures} 项举措；演示台账 {rows} 行",
                f"主窗口：已显示（{picture.width()}×{picture.height()}）",
                f"督查通报：{result.title}，{result.pages} 页，SHA-256 {result.sha256[:16]}…"]
    finally:
        database.close()
