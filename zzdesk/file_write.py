"""Writing a finished file so that it is either complete or not there at all.

Reports and exports are built in memory, written to a temporary file beside the target and renamed over it:
a crash, a full disk or a target held open by Excel never leaves half a file where the user expects one.
"""

import os
import tempfile
from pathlib import Path

from zzdesk.domain.errors import StorageError


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file beside ``path`` and rename: the file is either complete or not there."""
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        temporary = Path(name)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
        temporary = None
    except PermissionError as error:
        raise StorageError(f"无法写入 {path}：文件可能正在 Excel、WPS 或其他程序中打开，或没有写入该文件夹的权限。"
                           "请关闭该文件后重试，或换一个位置保存。") from error
    except OSError as error:
        raise StorageError(f"无法写入 {path}：{error.strerror or error}。请换一个位置保存。") from error
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _mode_for(path: Path) -> int:
    """Keep a replaced file's permissions; a new one is readable by others like any saved document (mkstemp
    would leave it private to the owner)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o644
