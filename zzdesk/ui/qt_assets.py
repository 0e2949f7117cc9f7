"""Qt's own Chinese translation (standard buttons, file dialogs) and the window icon.

The translation is looked up in Qt's translations folder first and then in ``resources/translations`` (a copy of the
same LGPL file), so a frozen build that lost Qt's folder still speaks Chinese; the smoke test reports which one loaded.
"""

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator
from PySide6.QtGui import QIcon

from zzdesk.locations import resources_dir

QT_TRANSLATION = "qtbase_zh_CN"


def translation_folders() -> list[Path]:
    """Where ``qtbase_zh_CN.qm`` is looked for, in order."""
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    return [*([Path(qt_folder)] if qt_folder else []), resources_dir() / "translations"]


def install_qt_translation(app: QCoreApplication) -> QTranslator | None:
    """Load and install Qt's Chinese translation; the translator (parented to ``app``) or None when none was found."""
    translator = QTranslator(app)
    for folder in translation_folders():
        if translator.load(QT_TRANSLATION, str(folder)):
            app.installTranslator(translator)
            return translator
    translator.deleteLater()
    return None


def installed_qt_translation(app: QCoreApplication) -> str | None:
    """The file of the Qt translation ``install_qt_translation`` put on ``app``, if any."""
    for translator in app.findChildren(QTranslator):
        if Path(translator.filePath()).stem == QT_TRANSLATION:
            return translator.filePath()
    return None


def window_icon() -> QIcon:
    """The 督 seal icon (``resources/icons``, drawn by ``packaging/make_icon.py``)."""
    return QIcon(str(resources_dir() / "icons" / "zzdesk.png"))
