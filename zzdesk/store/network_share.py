"""SQLite on a network share corrupts (DESIGN.md §4): detect such paths so they can be refused."""

import os
import sys
from pathlib import Path

_NETWORK_FS = {"nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "ncpfs"}


def is_network_path(path: Path) -> bool:
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    if sys.platform == "win32":
        return _windows_remote_drive(path)
    return _mount_fs_type(path) in _NETWORK_FS


def _windows_remote_drive(path: Path) -> bool:
    import ctypes

    drive = Path(os.path.abspath(path)).drive
    if not drive:
        return False
    drive_remote = 4
    return ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == drive_remote


def _mount_fs_type(path: Path) -> str:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return ""
    target = str(path.resolve())
    best, fs_type = "", ""
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        if (target == mount_point or target.startswith(mount_point.rstrip("/") + "/")) and len(mount_point) > len(best):
            best, fs_type = mount_point, fields[2]
    return fs_type
