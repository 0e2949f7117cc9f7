"""The 「保存为」 row of a dialog that writes a file: the path, a 浏览… button and a note when the file exists.

The report and the export dialogs both suggest a file name built from the clerk's choices in the folder used last,
keep a name the clerk typed or chose, add the right ending to a browsed name and warn before replacing a file; one
widget keeps them behaving alike.
"""

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from zzdesk.ui.options import Option

NOTE_COLOR = "#9a6700"


def tr(text: str) -> str:
    return QCoreApplication.translate("OutputFileRow", text)


def documents_folder() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location else Path.home()


def remembered_folder(option: Option, settings: QSettings) -> Path:
    """The folder kept in ``option`` while it still exists; else the Documents folder."""
    remembered = str(option.read(settings) or "")
    return Path(remembered) if remembered and Path(remembered).is_dir() else documents_folder()


class OutputFileRow(QWidget):
    """A path field with 浏览… beside it; ``note`` (placed by ``add_to``) says when saving would replace a file."""

    def __init__(self, suffix: str, file_filter: str, browse_title: str, replace_note: str,
                 default_folder: Callable[[], Path], min_width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.suffix, self.file_filter, self.browse_title = suffix, file_filter, browse_title
        self.replace_note, self.default_folder = replace_note, default_folder
        self.auto_name = ""  # the file name last filled in for the clerk; replaced when their choices change
        self.line_edit = QLineEdit()
        self.line_edit.setMinimumWidth(min_width)
        self.browse_button = QPushButton(tr("浏览(&B)…"))
        self.browse_button.setAutoDefault(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.line_edit, 1)
        row.addWidget(self.browse_button)
        self.note = QLabel()
        self.note.setStyleSheet(f"color: {NOTE_COLOR}")
        self.note.setVisible(False)
        self.line_edit.textChanged.connect(self.check_exists)
        self.browse_button.clicked.connect(self.browse)

    def add_to(self, form: QFormLayout, label: str) -> None:
        """The row under ``label``, whose & shortcut goes to the path field, and the note right below it."""
        row_label = QLabel(label)
        row_label.setBuddy(self.line_edit)  # a label made by the form would point at the row, which takes no focus
        form.addRow(row_label, self)
        form.addRow("", self.note)

    def path_text(self) -> str:
        return self.line_edit.text().strip()

    def path(self) -> Path:
        return Path(self.path_text()).expanduser()

    def offer_name(self, name: str) -> None:
        """Fill in ``name``, unless the clerk typed or chose a file of their own."""
        current = self.path_text()
        if not current:
            self.line_edit.setText(str(self.default_folder() / name))
        elif Path(current).name == self.auto_name:
            self.line_edit.setText(str(Path(current).with_name(name)))
        self.auto_name = name

    def check_exists(self) -> None:
        exists = bool(self.path_text()) and self.path().is_file()
        self.note.setText(self.replace_note if exists else "")
        self.note.setVisible(exists)

    def browse(self) -> None:
        current = self.path_text() or str(self.default_folder() / self.auto_name)
        chosen, _filter = QFileDialog.getSaveFileName(self.window(), self.browse_title, current, self.file_filter)
        if chosen:
            path = Path(chosen)
            if path.suffix.lower() != self.suffix:
                path = path.with_name(path.name + self.suffix)
            self.line_edit.setText(str(path))
