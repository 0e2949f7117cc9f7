"""Every per-user GUI option, declared once with its key, type and default (kept in QSettings, never pickled)."""

import hashlib
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings


@dataclass(frozen=True)
class Option:
    key: str
    kind: type
    default: Any

    def read(self, settings: QSettings) -> Any:
        if self.kind is list:
            value = settings.value(self.key, [])
            items = [value] if isinstance(value, str) else list(value or [])
            return [item for item in items if item]
        if self.kind is QByteArray:
            value = settings.value(self.key)
            return value if isinstance(value, QByteArray) else None
        return settings.value(self.key, self.default, type=self.kind)

    def write(self, settings: QSettings, value: Any) -> None:
        settings.setValue(self.key, value)


LARGE_FONT = Option("view/large_font", bool, False)
RECENT_FILES = Option("files/recent", list, [])
WINDOW_GEOMETRY = Option("main/geometry", QByteArray, None)
WINDOW_STATE = Option("main/state", QByteArray, None)
MAIN_SPLIT = Option("main/main_split", QByteArray, None)
LEDGER_SPLIT = Option("main/ledger_split", QByteArray, None)
LEDGER_HEADER = Option("main/ledger_header", QByteArray, None)
# The filter bar as the user left it.
FILTER_TEXT = Option("filters/text", str, "")
FILTER_DEPARTMENT = Option("filters/department", str, "")
FILTER_STATUS = Option("filters/status", str, "")
FILTER_LIGHT = Option("filters/light", str, "")
FILTER_DUE_WITHIN = Option("filters/due_within_days", int, 0)
FILTER_OVERDUE = Option("filters/overdue_only", bool, False)
FILTER_MISSING = Option("filters/report_missing_only", bool, False)
# Reports: where the last report was saved (empty: the Documents folder), and the preview's zoom.
REPORT_FOLDER = Option("reports/folder", str, "")
PREVIEW_ZOOM = Option("reports/preview_zoom", str, "fit")
# Security: the window locks after this many minutes without keyboard or mouse input (clamped to 1–240).
IDLE_LOCK_MINUTES = Option("security/idle_lock_minutes", int, 10)


def login_name(database: str) -> Option:
    """The account name last used to log into ``database`` (its display name): remembered per database, never
    the password. The key is a digest, so a path with slashes or a server address makes a plain settings key."""
    digest = hashlib.sha256(database.encode("utf-8")).hexdigest()[:16]
    return Option(f"login/last_name_{digest}", str, "")
