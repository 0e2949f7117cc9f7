"""A CJK font for the GUI: the system's if it has one, otherwise the bundled WenQuanYi Micro Hei."""

from PySide6.QtGui import QFont, QFontDatabase

from zzdesk.fonts import BUNDLED_SANS_FAMILY, UI_FAMILIES, bundled_sans_font

DEFAULT_POINT_SIZE = 10
LARGE_POINT_SIZE = 12


def ensure_cjk_font() -> str:
    """Register the bundled font when no installed family covers Simplified Chinese; returns the family used."""
    installed = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    for family in UI_FAMILIES:
        if family in installed:
            return family
    font_id = QFontDatabase.addApplicationFont(str(bundled_sans_font()))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    return families[0] if families else BUNDLED_SANS_FAMILY


def application_font(family: str, large: bool) -> QFont:
    font = QFont(family)
    font.setPointSize(LARGE_POINT_SIZE if large else DEFAULT_POINT_SIZE)
    return font
