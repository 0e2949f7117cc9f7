"""Shared by the reliability suite: printing its figures even when pytest captures output."""

import sqlite3
from pathlib import Path

import pytest


def show_figures(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n[reliability] {line}")


def integrity(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` on a fresh connection, as any later reader would see the file."""
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()
