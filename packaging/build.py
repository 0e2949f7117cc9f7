"""Build the frozen zzdesk folder and prove it works: one script for Linux CI and the Windows workflow.

    python packaging/build.py [--dist DIR] [--work DIR] [--installer]

Steps, each failing the build (exit code 1) with the reason:
1. PyInstaller on ``packaging/zzdesk.spec`` into ``<dist>/zzdesk`` (work files in ``<work>``).
2. The warn file: a missing module that matters (zzdesk itself, Alembic, SQLAlchemy's dialects, psycopg) fails.
3. The frozen ``zzdesk-cli --smoke`` twice, headless, with a throwaway data folder: demo database, main window,
   bulletin PDF, Qt's Chinese translation, CJK fonts. The second run must reuse matplotlib's font cache from the
   first (the persistent MPLCONFIGDIR).
4. Figures: folder size, start time (median of 3 ``zzdesk-cli --version``), smoke times.
5. With ``--installer`` (Windows): Inno Setup's ``iscc`` builds ``<dist>/zzdesk-<version>-setup.exe``.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
REPO = PACKAGING.parent
sys.path.insert(0, str(PACKAGING))

from bundle_files import project_version  # noqa: E402

APP = "zzdesk"
IS_WINDOWS = sys.platform == "win32"
EXE_SUFFIX = ".exe" if IS_WINDOWS else ""
# A missing module starting with one of these breaks opening a database or the app itself.
CRITICAL_MODULES = ("zzdesk", "alembic", "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql", "sqlmodel",
                    "psycopg", "PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtPrintSupport")
ISCC_CANDIDATES = (r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe", r"C:\Program Files\Inno Setup 6\ISCC.exe")


class BuildFailed(Exception):
    pass


def run_pyinstaller(dist: Path, work: Path) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work), str(PACKAGING / "zzdesk.spec")]
    print("$", " ".join(command), flush=True)
    if subprocess.run(command, cwd=REPO).returncode != 0:
        raise BuildFailed("PyInstaller failed")
    return time.perf_counter() - started


def critical_missing(warn_text: str) -> list[str]:
    """Lines of PyInstaller's warn file naming a missing module zzdesk cannot do without.

    A line reads ``missing module named X - imported by A (top-level), B (optional)``. Modules imported only
    optionally, conditionally or lazily by their importers are left alone unless they are zzdesk's own."""
    found = []
    for line in warn_text.splitlines():
        match = re.match(r"missing module named '?([\w.]+)'? - imported by (.*)", line)
        if not match:
            continue
        name, importers = match.groups()
        if not any(name == prefix or name.startswith(prefix + ".") for prefix in CRITICAL_MODULES):
            continue
        if name.startswith("zzdesk") or "(top-level)" in importers:
            found.append(line.strip())
    return found


def check_warn_file(work: Path) -> None:
    warn_file = work / APP / f"warn-{APP}.txt"
    if not warn_file.is_file():
        raise BuildFailed(f"no warn file at {warn_file}")
    missing = critical_missing(warn_file.read_text(encoding="utf-8", errors="replace"))
    if missing:
        raise BuildFailed("missing modules that matter:\n  " + "\n  ".join(missing))
    print(f"warn file: no missing module that matters ({warn_file})")


def folder_megabytes(folder: Path) -> float:
    """Bytes on disk once: PyInstaller's Linux layout has symlinks to libraries, which must not count twice."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink()) / 1e6


def frozen_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ZZDESK_DATA_DIR": str(data_dir), "PYTHONUTF8": "1"}
    for name in ("ZZDESK_DB", "MPLCONFIGDIR", "PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)
    return env


def run_frozen(cli: Path, args: list[str], env: dict[str, str], timeout: float = 300) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([str(cli), *args], capture_output=True, env=env, timeout=timeout, cwd=env["ZZDESK_DATA_DIR"])
    elapsed = time.perf_counter() - started
    out = done.stdout.decode("utf-8", "replace")
    err = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        raise BuildFailed(f"frozen {cli.name} {' '.join(args)} exited {done.returncode}\n{out}\n{err}")
    return elapsed, out


def smoke(folder: Path) -> dict[str, float]:
    """The frozen smoke test twice in one throwaway data folder; returns timings."""
    cli = folder / f"{APP}-cli{EXE_SUFFIX}"
    if not cli.is_file():
        raise BuildFailed(f"{cli} was not built")
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="zzdesk-build-") as scratch:
        data_dir = Path(scratch)
        env = frozen_env(data_dir)
        version_times = [run_frozen(cli, ["--version"], env)[0] for _ in range(3)]
        figures["start_s"] = statistics.median(version_times)
        _, version = run_frozen(cli, ["--version"], env)
        print(f"frozen --version: {version.strip()}")
        for run in ("cold", "warm"):
            elapsed, out = run_frozen(cli, ["--smoke"], env)
            print(f"--- frozen {cli.name} --smoke ({run} font cache, {elapsed:.1f} s) ---\n{out.rstrip()}")
            figures[f"smoke_{run}_s"] = elapsed
            if run == "cold":
                cache_dir = data_dir / "matplotlib"
                caches = sorted(cache_dir.glob("fontlist-*.json"))
                if f"matplotlib 缓存 {cache_dir}" not in out or not caches:
                    raise BuildFailed(f"matplotlib did not use the persistent folder {cache_dir}")
                stamp = caches[0].stat().st_mtime_ns
        if caches[0].stat().st_mtime_ns != stamp:
            raise BuildFailed("matplotlib rebuilt its font cache on the second start")
        print(f"matplotlib font cache kept between starts: {caches[0]}")
    return figures


def find_iscc() -> str:
    found = shutil.which("iscc") or next((path for path in ISCC_CANDIDATES if Path(path).is_file()), None)
    if not found:
        raise BuildFailed("Inno Setup 6 (iscc) not found; install it (choco install innosetup)")
    return found


def build_installer(dist: Path, version: str) -> Path:
    command = [find_iscc(), f"/DAppVersion={version}", f"/DBuildDir={dist / APP}", f"/DOutputDir={dist}",
               str(PACKAGING / f"{APP}.iss")]
    print("$", " ".join(command), flush=True)
    if subprocess.run(command, cwd=REPO).returncode != 0:
        raise BuildFailed("iscc failed")
    setup = dist / f"{APP}-{version}-setup.exe"
    if not setup.is_file():
        raise BuildFailed(f"{setup} was not produced")
    return setup


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=REPO / "build", help="PyInstaller work folder (default: build/)")
    parser.add_argument("--installer", action="store_true", help="also build the Inno Setup installer (Windows)")
    parser.add_argument("--skip-pyinstaller", action="store_true", help="only check an existing build")
    args = parser.parse_args()
    dist, work = args.dist.resolve(), args.work.resolve()
    version = project_version(REPO)
    if args.installer and not IS_WINDOWS:
        print("--installer needs Windows (Inno Setup)", file=sys.stderr)
        return 2
    try:
        build_s = 0.0 if args.skip_pyinstaller else run_pyinstaller(dist, work)
        check_warn_file(work)
        folder = dist / APP
        figures = smoke(folder)
        setup = build_installer(dist, version) if args.installer else None
    except (BuildFailed, subprocess.TimeoutExpired) as failure:
        print(f"BUILD FAILED: {failure}", file=sys.stderr)
        return 1
    print(f"\nzzdesk {version} frozen build: {folder}")
    if build_s:
        print(f"  PyInstaller time: {build_s:.0f} s")
    print(f"  folder size: {folder_megabytes(folder):.0f} MB")
    print(f"  start time (zzdesk-cli --version, median of 3): {figures['start_s']:.2f} s")
    print(f"  smoke: {figures['smoke_cold_s']:.1f} s first start, {figures['smoke_warm_s']:.1f} s with the font cache")
    if setup is not None:
        print(f"  installer: {setup} ({setup.stat().st_size / 1_000_000:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
