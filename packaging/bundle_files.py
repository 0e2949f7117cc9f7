"""What the frozen app carries besides Python modules: ``db/`` and ``resources/`` as (source file, folder) pairs.

The folders are ``zzdesk/_db`` and ``zzdesk/_resources`` beside the package's modules — the installed layout that
``zzdesk/locations.py`` looks for. Migration scripts stay ``.py`` source (Alembic loads them by path) together with
the ``.mako`` template. Used by ``packaging/zzdesk.spec`` and checked by ``tests/test_packaging.py``.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# repository folder -> folder inside the frozen app
BUNDLED_FOLDERS = {"db": "zzdesk/_db", "resources": "zzdesk/_resources"}
SKIPPED_DIRS = {"__pycache__"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}


def _wanted(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return path.is_file() and not SKIPPED_DIRS.intersection(parts) and path.suffix not in SKIPPED_SUFFIXES


def data_files(repo: Path = REPO) -> list[tuple[str, str]]:
    """PyInstaller ``datas``: every file under ``db/`` and ``resources/`` and the folder it goes to."""
    pairs: list[tuple[str, str]] = []
    for source_name, target in BUNDLED_FOLDERS.items():
        root = repo / source_name
        for path in sorted(root.rglob("*")):
            if _wanted(path, root):
                folder = Path(target, path.parent.relative_to(root)).as_posix()
                pairs.append((str(path), folder))
    return pairs


def project_version(repo: Path = REPO) -> str:
    """``[project] version`` from ``pyproject.toml``: the one version the exe, the installer and pip all show."""
    import tomllib

    with (repo / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])
