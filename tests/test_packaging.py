"""What an installed (wheel) or frozen zzdesk needs is declared: every package, migrations, seed data, plan; and the
Windows packaging's own rules, checked without running PyInstaller (``.ci/run`` builds the frozen app)."""

import ast
import importlib.util
import os
import re
import struct
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from zzdesk import locations
from zzdesk.locations import matplotlib_config_dir, user_data_dir

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
ICO_SIZES = {16, 24, 32, 48, 64, 128, 256}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def load(name: str) -> ModuleType:
    """A module of packaging/ (a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    assert {"icons/*", "translations/*"} <= set(data["zzdesk._resources"])


def test_locations_find_the_bundled_files():
    assert (locations.migrations_dir() / "env.py").is_file()
    assert (locations.seed_dir() / "departments.csv").is_file()
    assert locations.bundled_plan_file().is_file()


def test_console_script_points_at_the_cli():
    assert PYPROJECT["project"]["scripts"]["zzdesk"] == "zzdesk.cli:main"


def test_a_frozen_app_keeps_matplotlibs_cache_in_the_local_data_folder(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ZZDESK_DATA_DIR")
    temp_from_pyinstaller = {"MPLCONFIGDIR": "/tmp/_MEI12345"}

    chosen = matplotlib_config_dir(temp_from_pyinstaller, frozen=True)

    assert chosen == user_data_dir() / "matplotlib"
    assert "roaming" not in str(chosen).lower()
    assert matplotlib_config_dir({"ZZDESK_DATA_DIR": "D:/台账数据"}, frozen=True) == Path("D:/台账数据/matplotlib")
    assert matplotlib_config_dir({"MPLCONFIGDIR": "/home/me/mpl"}, frozen=False) is None  # the user's choice stands


def test_the_rule_runs_before_matplotlib_reads_its_folder(tmp_path: Path):
    """As in the frozen app: PyInstaller's hook has set a temp folder, the entry applies the rule, then charts load."""
    code = ("import os, sys; sys.frozen = True; os.environ['MPLCONFIGDIR'] = os.environ['FAKE_TEMP']\n"
            "from zzdesk.locations import use_persistent_matplotlib_dir; use_persistent_matplotlib_dir()\n"
            "import matplotlib; print(matplotlib.get_cachedir())")
    env = {**os.environ, "ZZDESK_DATA_DIR": str(tmp_path / "数据"), "FAKE_TEMP": str(tmp_path / "_MEI1")}

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", env=env,
                          timeout=120)

    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == tmp_path / "数据" / "matplotlib"


def test_the_icon_holds_every_windows_size_and_the_png_is_256_px():
    data = (ROOT / "resources" / "icons" / "zzdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)  # an icon, not a cursor
    sizes = set()
    for index in range(count):
        width, height, _, _, _, bits, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * index)
        side = width or 256
        assert height == width and bits == 32
        frame = data[offset:offset + length]
        assert len(frame) == length
        if side == 256:
            assert frame.startswith(b"\x89PNG")
        else:  # a DIB: header size 40, its width, and twice the height (image + mask)
            assert struct.unpack_from("<Iii", frame) == (40, side, 2 * side)
        sizes.add(side)
    assert sizes == ICO_SIZES

    png = (ROOT / "resources" / "icons" / "zzdesk.png").read_bytes()
    assert png.startswith(b"\x89PNG") and struct.unpack(">II", png[16:24]) == (256, 256)


def test_the_bundle_carries_every_migration_and_resource_where_the_app_looks():
    pairs = load("bundle_files").data_files(ROOT)
    bundled = {f"{folder}/{Path(source).name}" for source, folder in pairs}
    expected = set()
    for repo_folder, frozen_folder in (("db", "zzdesk/_db"), ("resources", "zzdesk/_resources")):
        for path in (ROOT / repo_folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                expected.add(f"{frozen_folder}/{path.relative_to(ROOT / repo_folder).as_posix()}")

    assert expected <= bundled
    assert "zzdesk/_db/migrations/versions/0001_initial.py" in bundled  # Alembic loads source files by path
    assert "zzdesk/_db/migrations/script.py.mako" in bundled
    assert "zzdesk/_resources/translations/qtbase_zh_CN.qm" in bundled
    assert "zzdesk/_resources/fonts/LICENSE-Apache-2.0.txt" in bundled


def test_the_installer_is_per_user_upgrades_in_place_and_keeps_the_data():
    raw = (PACKAGING / "zzdesk.iss").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # without a BOM Inno Setup reads the Chinese texts as ANSI
    script = raw.decode("utf-8-sig")
    settings = dict(re.findall(r"^(\w+)=(.*)$", script, flags=re.MULTILINE))

    assert settings["PrivilegesRequired"] == "lowest"
    assert "PrivilegesRequiredOverridesAllowed" not in settings
    assert settings["DefaultDirName"].startswith(("{autopf}", "{localappdata}"))
    assert settings["UsePreviousAppDir"] == "yes"
    app_id = re.fullmatch(r"\{\{([0-9A-F-]{36})\}", settings["AppId"])
    assert app_id, settings["AppId"]
    workflow = (ROOT / ".github" / "workflows" / "windows-installer.yml").read_text(encoding="utf-8")
    assert f"{{{app_id.group(1)}}}_is1" in workflow  # the workflow finds the uninstaller under the same AppId
    sections = re.findall(r"^\[(\w+)\]", script, flags=re.MULTILINE)
    assert "UninstallDelete" not in sections
    assert re.search(r'^Name: "desktopicon";.*Flags: unchecked', script, flags=re.MULTILINE)


def test_the_version_resource_is_filled_from_pyproject():
    version = PYPROJECT["project"]["version"]
    version_info = load("version_info")

    text = version_info.render(version, "zzdesk-cli")

    tree = ast.parse(text, mode="eval")  # PyInstaller eval()s it on Windows
    assert isinstance(tree.body, ast.Call) and tree.body.func.id == "VSVersionInfo"
    numbers = version_info.version_tuple(version)
    assert f"filevers={numbers!r}" in text and len(numbers) == 4
    assert "StringStruct('ProductVersion', '" + version + "')" in text
    assert "StringStruct('CompanyName', '督查室')" in text
    assert "'zzdesk-cli.exe'" in text
    assert version_info.version_tuple("1.2.3rc1") == (1, 2, 3, 0)


def test_the_build_fails_on_missing_modules_that_matter_only():
    critical_missing = load("build").critical_missing
    warn = "\n".join([
        "missing module named zzdesk.ui.snapshot - imported by zzdesk.cli.commands (delayed)",
        "missing module named 'alembic.ddl.sqlite' - imported by alembic.ddl (top-level)",
        "missing module named psycopg_c - imported by psycopg.pq (optional)",
        "missing module named pyimod02_importers - imported by PyInstaller.loader (delayed)",
        "missing module named sqlalchemy.dialects.postgresql.asyncpg - imported by x (optional)",
    ])

    found = critical_missing(warn)

    assert [line.split()[3] for line in found] == ["zzdesk.ui.snapshot", "'alembic.ddl.sqlite'"]


def test_the_window_has_the_icon_and_qt_speaks_chinese_even_from_the_bundled_copy(qapp):
    from PySide6.QtCore import QTranslator
    from PySide6.QtWidgets import QApplication

    from zzdesk.ui import qt_assets
    from zzdesk.ui.app import create_application

    create_application()

    assert not QApplication.windowIcon().isNull()
    assert qt_assets.installed_qt_translation(qapp) is not None
    fallback = qt_assets.translation_folders()[-1]
    assert fallback == locations.resources_dir() / "translations"
    translator = QTranslator()
    assert translator.load(qt_assets.QT_TRANSLATION, str(fallback))
    assert translator.translate("QPlatformTheme", "Cancel") == "取消"
