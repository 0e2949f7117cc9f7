"""``zzdesk --smoke``: prove a build works without a person — a throwaway demo database, the main window shown
offscreen, a bulletin PDF generated and checked, the ledger exported to Excel and read back, Qt's Chinese translation
and the CJK fonts of charts and PDF reported — then exit 0, or 1 with the reason.

Everything happens in a temporary folder (data folder included), so a smoke run never touches the user's database,
settings or backups; a frozen build runs it the same way, which is how missing modules or data files show up.
"""

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from zzdesk.domain.vocabulary import ReportKind

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

    from zzdesk.services.context import ServiceContext


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
    from zzdesk.ui.launch import create_application
    from zzdesk.ui.main_window import MainWindow
    from zzdesk.ui.worker import DatabaseWorker

    database = open_database(resolve_target(str(folder / "自检.sqlite3")))
    try:
        ctx = ServiceContext(database=database, actor="自检")
        loaded = plan.init_database(ctx)
        demo.populate_demo(ctx)
        app = create_application()
        qt_translation = _qt_translation(app)
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
        excel = _excel_round_trip(ctx, folder / "任务分解表.xlsx")
        return [f"规划：{loaded.groups} 个任务组、{loaded.measures} 项举措；演示台账 {rows} 行",
                f"主窗口：已显示（{picture.width()}×{picture.height()}）",
                f"督查通报：{result.title}，{result.pages} 页，SHA-256 {result.sha256[:16]}…",
                excel,
                f"Qt 中文翻译：已载入 {qt_translation}",
                _chart_font(),
                _pdf_fonts()]
    finally:
        database.close()


def _excel_round_trip(ctx: "ServiceContext", path: Path) -> str:
    """Export the ledger as Excel and read it back as an import would (openpyxl, defusedxml): nothing may change."""
    from zzdesk.services import exchange_export, ledger_import

    exported = exchange_export.export_ledger(ctx, path)
    preview = ledger_import.preview_ledger(ctx, path, {}, False)
    if preview.errors or len(preview.rows) != exported.rows:
        raise RuntimeError(f"任务分解表读回有误：导出 {exported.rows} 行，读回 {preview.summary()}")
    return f"任务分解表：导出 {exported.rows} 行并读回，{preview.summary()}"


def _qt_translation(app: "QCoreApplication") -> str:
    """Qt's own dialogs must speak Chinese: the translation file is installed and actually translates."""
    from PySide6.QtCore import QCoreApplication

    from zzdesk.ui.qt_assets import installed_qt_translation

    loaded = installed_qt_translation(app)
    if loaded is None or QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel":
        raise RuntimeError("未载入 Qt 中文翻译 qtbase_zh_CN.qm（标准按钮和文件对话框会显示英文）")
    return loaded


def _chart_font() -> str:
    """The charts' font must have Chinese glyphs (matplotlib's default would print boxes)."""
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from zzdesk.reports.chart_fonts import ensure_chart_font

    family = ensure_chart_font()
    found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    if FT2Font(found).get_char_index(ord("督")) == 0:
        raise RuntimeError(f"图表没有可用的中文字体（{family}，{Path(found).name} 中没有汉字）")
    return f"图表字体：{family}（{found}；matplotlib 缓存 {matplotlib.get_cachedir()}）"


def _pdf_fonts() -> str:
    """Which file stands behind each typeface of the reports (the bundled font unless Windows has its own)."""
    from zzdesk.reports.pdf_fonts import register_pdf_fonts

    by_file: dict[str, list[str]] = {}
    for font in register_pdf_fonts().fonts:
        by_file.setdefault(f"{font.path}#{font.subfont_index}", []).append(font.name.removeprefix("ZZ-"))
    return "PDF 字体：" + "；".join(f"{'、'.join(names)} {where}" for where, names in by_file.items())
