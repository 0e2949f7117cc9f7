"""Where the app finds its own files (migrations, seed data, resources) and the user's data folder.

``db/`` and ``resources/`` sit at the top of the repository and are installed as ``zzdesk/_db`` and
``zzdesk/_resources``; a frozen app carries them at the same place. Both layouts are looked up here
and nowhere else.
"""

import os
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
    override = os.environ.get("ZZDESK_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR, roaming=False))


def default_database_file() -> Path:
    return user_data_dir() / "zzdesk.sqlite3"
