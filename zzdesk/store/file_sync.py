"""Durable renames: after moving a file into place, sync its folder so the rename survives a power cut."""

import os
from pathlib import Path


def sync_folder(folder: Path) -> None:
    """Make a rename durable where the platform allows fsync on a folder (not on Windows)."""
    if os.name == "nt":
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
