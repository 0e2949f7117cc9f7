"""Where CJK fonts come from: the system's own on Windows, the bundled TrueType font elsewhere.

Qt-free, so the GUI, the charts and the PDF reports all pick fonts the same way.
"""

import os
import sys
from pathlib import Path

from zzdesk.locations import resources_dir

BUNDLED_SANS_FAMILY = "WenQuanYi Micro Hei"
UI_FAMILIES = ("Microsoft YaHei UI", "Microsoft YaHei", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC",
               BUNDLED_SANS_FAMILY)


def bundled_sans_font() -> Path:
    return resources_dir() / "fonts" / "wqy-microhei.ttc"


def windows_font_dirs() -> list[Path]:
    """The system font folder and the per-user one (fonts installed without administrator rights)."""
    if sys.platform != "win32":
        return []
    folders = [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"]
    local = os.environ.get("LOCALAPPDATA")
    if local:
        folders.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return [folder for folder in folders if folder.is_dir()]
