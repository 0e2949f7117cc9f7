"""The Windows version resource of the executables, filled in from ``pyproject.toml``'s version at build time.

The text form (``packaging/version_info.txt``) is used instead of PyInstaller's ``VSVersionInfo`` objects because
those need ``pefile``, which PyInstaller installs only on Windows; the text is read by PyInstaller there.
"""

import re
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).resolve().with_name("version_info.txt")


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``0.1.0`` → ``(0, 1, 0, 0)``; a suffix such as ``rc1`` or ``.dev2`` is dropped (Windows wants four numbers)."""
    leading = re.match(r"\d+(?:\.\d+){0,3}", version)
    if leading is None:
        raise ValueError(f"not a version number: {version!r}")
    padded = [*(int(part) for part in leading.group().split(".")), 0, 0, 0][:4]
    return (padded[0], padded[1], padded[2], padded[3])


def render(version: str, exe_name: str) -> str:
    text = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        VERSION=version, VERSION_TUPLE=repr(version_tuple(version)), EXE_NAME=exe_name)
    return "\n".join(line for line in text.splitlines() if not line.startswith("#")) + "\n"


def write(version: str, exe_name: str, folder: Path) -> Path:
    """Write the filled-in resource for one executable into ``folder`` (the build folder); returns the file."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"version_info-{exe_name}.txt"
    target.write_text(render(version, exe_name), encoding="utf-8")
    return target
