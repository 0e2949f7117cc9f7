"""A rotating log file in the data folder, for the unexpected: what a user can send to the maintainers."""

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from zzdesk.locations import user_data_dir

MAX_BYTES = 1_000_000
BACKUP_COUNT = 5


def log_file(name: str) -> Path:
    return user_data_dir() / "logs" / f"{name}.log"


def setup_file_logging(name: str) -> Path | None:
    """Log to ``logs/NAME.log``; returns None (and logs nowhere) when the folder cannot be written."""
    path = log_file(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path
