"""What a working dialog shows below its form: a refusal in red, and the step being worked on beside a bar.

A refusal stays inside the dialog so the clerk can correct the form and try again; the report, export and import
dialogs show it, and their progress, the same way.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

ERROR_COLOR = "#c0392b"


class ErrorLabel(QLabel):
    """Red, wrapped, plain text the clerk can select and copy; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # a name with < or & in it is shown as typed
        self.setStyleSheet(f"color: {ERROR_COLOR}")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)

    def say(self, text: str) -> None:
        """Show ``text``; an empty text hides the label."""
        self.setText(text)
        self.setVisible(bool(text))

    def shown_text(self) -> str:
        return "" if self.isHidden() else self.text()


class StepProgress(QWidget):
    """``step`` (what is being done) beside ``bar``; hidden until the dialog is busy. ``maximum`` 0: no percentage."""

    def __init__(self, maximum: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, maximum)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.step)
        row.addWidget(self.bar, 1)
        self.setVisible(False)
