"""What an installed (wheel) or frozen zzdesk needs is declared: every package, migrations, seed data, plan."""

import tomllib
from pathlib import Path

from zzdesk import locations

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_python_package_is_listed_for_the_wheel():
    declared = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "zzdesk").rglob("__init__.py")}
    assert on_disk <= declared, f"missing from pyproject packages: {sorted(on_disk - declared)}"


def test_data_folders_ship_inside_the_package():
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert setuptools["package-dir"]["zzdesk._db"] == "db"
    assert setuptools["package-dir"]["zzdesk._resources"] == "resources"
    data = setuptools["package-data"]
    assert "migrations/versions/*.py" in data["zzdesk._db"]
    assert "seed/*" in data["zzdesk._db"]
    assert "plan/*" in data["zzdesk._resources"]


def test_locations_find_the_bundled_files():
    assert (locations.migrations_dir() / "env.py").is_file()
    assert (locations.seed_dir() / "departments.csv").is_file()
    assert locations.bundled_plan_file().is_file()


def test_console_script_points_at_the_cli():
    assert PYPROJECT["project"]["scripts"]["zzdesk"] == "zzdesk.cli:main"
