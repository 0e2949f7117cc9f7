"""Where the app finds its own files (migrations, seed data, resources) and the user's data folder.

``db/`` and ``resources/`` sit at the top of the repository and are installed as ``zzdesk/_db`` and
``zzdesk/_resources``; a frozen app carries them at the same place. Both layouts are looked up here
and nowhere else.
"""

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from zzdesk import APP_AUTHOR, APP_NAME

_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(installed_name: str, repo_name: str) -> Path:
    for candidate in (_PACKAGE_DIR / installed_name, _PACKAGE_DIR.parent / repo_name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"zzdesk installation is incomplete: {repo_name}/ not found")


def db_dir() -> Path:
    return _bundled("_db", "db")


def migrations_dir() -> Path:
    return db_dir() / "migrations"


def seed_dir() -> Path:
    return db_dir() / "seed"


def resources_dir() -> Path:
    return _bundled("_resources", "resources")


def bundled_plan_file() -> Path:
    return resources_dir() / "plan" / "zhengzhou-14th-fyp-midterm-review.txt"


def user_data_dir() -> Path:
    """The local (never roaming) data folder; ZZDESK_DATA_DIR overrides it, e.g. for tests."""
    return _data_dir(os.environ)


def _data_dir(environ: Mapping[str, str]) -> Path:
    override = environ.get("ZZDESK_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR, roaming=False))


def default_database_file() -> Path:
    return user_data_dir() / "zzdesk.sqlite3"


def matplotlib_config_dir(environ: Mapping[str, str], frozen: bool) -> Path | None:
    """The MPLCONFIGDIR to use, or None to leave matplotlib's own choice.

    A frozen app always gets ``<data folder>/matplotlib``: PyInstaller's matplotlib runtime hook sets MPLCONFIGDIR
    to a fresh temp folder on every start (so the font cache would be rebuilt each launch), which is no user's
    choice. Run from Python, a user's MPLCONFIGDIR is respected and matplotlib's default folder is persistent.
    """
    return _data_dir(environ) / "matplotlib" if frozen else None


def use_persistent_matplotlib_dir() -> None:
    """Apply :func:`matplotlib_config_dir`; must run before matplotlib is first imported (it reads it once)."""
    folder = matplotlib_config_dir(os.environ, bool(getattr(sys, "frozen", False)))
    if folder is not None:
        os.environ["MPLCONFIGDIR"] = str(folder)
