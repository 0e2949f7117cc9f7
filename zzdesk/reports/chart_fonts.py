"""A CJK font for matplotlib, registered once: Windows' own 黑体/微软雅黑, otherwise the bundled TrueType font.

matplotlib's default fonts have no Chinese glyphs (titles would print as boxes) and its minus sign is missing
from many CJK fonts, so both are fixed here before any chart is drawn.
"""

import logging
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

from zzdesk.fonts import bundled_sans_font, windows_font_dirs

log = logging.getLogger(__name__)

WINDOWS_FONT_FILES = ("simhei.ttf", "msyh.ttc")


def candidate_font_files() -> list[Path]:
    """Font files to try, best first: the system's on Windows, then the bundled one."""
    found = [folder / name for name in WINDOWS_FONT_FILES for folder in windows_font_dirs()
             if (folder / name).is_file()]
    return [*found, bundled_sans_font()]


@cache
def ensure_chart_font() -> str:
    """Register the CJK font with matplotlib (once) and make it the default; returns its family name."""
    matplotlib.rcParams["axes.unicode_minus"] = False
    for path in candidate_font_files():
        try:
            font_manager.fontManager.addfont(str(path))
            family = font_manager.FontProperties(fname=str(path)).get_name()  # a .ttc gives its first face
        except (OSError, RuntimeError, ValueError) as error:
            log.warning("cannot use font %s for charts: %s", path, error)
            continue
        others = [name for name in matplotlib.rcParams["font.sans-serif"] if name != family]
        matplotlib.rcParams["font.sans-serif"] = [family, *others]
        matplotlib.rcParams["font.family"] = "sans-serif"
        return family
    log.warning("no CJK font found for charts; Chinese text will not render")
    return str(matplotlib.rcParams["font.sans-serif"][0])
