"""One desktop window per database file: a lock file beside the database, held with an OS-level lock.

The lock is the operating system's (``fcntl.flock`` on Linux/macOS, ``msvcrt.locking`` on Windows), not the file's
existence: when a process ends, however it ends, the system drops its lock, so a crashed window never leaves the
database stuck. The file's text (process, computer, user, since when) only serves to tell the next person who
holds it.

Only the GUI takes this lock, for as long as a window has the database open; ``zzdesk restore`` takes it while it
restores, so it never swaps the data under an open window. Other command-line commands do not take it: they run
short transactions, and SQLite's own locking keeps them and the window from overwriting each other.
"""

import getpass
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from zzdesk.domain.errors import StorageError
from zzdesk.store.backup import describe_os_error

LOCK_SUFFIX = ".lock"
_WINDOWS_LOCK_OFFSET = 1 << 20  # msvcrt locks a byte range others cannot read: lock a byte past the text

if os.name == "nt":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as written into the lock file."""

    pid: int | None
    host: str
    user: str
    since: str

    def describe(self) -> str:
        parts = []
        if self.user:
            parts.append(f"用户 {self.user}")
        if self.host:
            parts.append(f"计算机 {self.host}")
        if self.pid is not None:
            parts.append(f"进程号 {self.pid}")
        if self.since:
            parts.append(f"{self.since} 起")
        return "，".join(parts)

    @property
    def is_this_process(self) -> bool:
        return self.pid == os.getpid() and self.host == socket.gethostname()


class InstanceLockedError(StorageError):
    """Another window (or a restore) has this database open."""

    def __init__(self, database: Path, holder: Holder | None) -> None:
        self.database, self.holder = database, holder
        if holder is not None and holder.is_this_process:
            message = f"数据库“{database}”已在本程序的窗口中打开"
        else:
            who = f"（{holder.describe()}）" if holder is not None and holder.describe() else ""
            message = (f"数据库“{database}”已在另一个 zzdesk 窗口中打开{who}。同一个数据库文件同时只能在一个窗口中"
                       "打开，以免两处修改互相覆盖；请切换到那个窗口，或先关闭它再打开")
        super().__init__(message)


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + LOCK_SUFFIX)


def read_holder(database: Path) -> Holder | None:
    """The lock file's text; None when it is missing or empty (e.g. the holder has just started)."""
    try:
        text = lock_path(database).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    if not fields:
        return None
    pid = fields.get("pid", "")
    return Holder(pid=int(pid) if pid.isdigit() else None, host=fields.get("host", ""),
                  user=fields.get("user", ""), since=fields.get("since", ""))


class InstanceLock:
    """Held from ``acquire`` until ``release`` (or the end of the process)."""

    def __init__(self, database: Path, fd: int) -> None:
        self.database, self._fd = database, fd

    @classmethod
    def acquire(cls, database: Path) -> "InstanceLock":
        """Take the lock or raise ``InstanceLockedError`` naming who has it; never waits."""
        path = lock_path(database)
        for _ in range(5):  # the file may be removed by its releasing holder between our open and our lock
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise StorageError(f"无法在数据库所在文件夹“{database.parent}”中创建锁文件"
                                   f"（{describe_os_error(error)}）；zzdesk 需要在该文件夹中保存修改和备份，"
                                   "请把数据库放到可写的文件夹（如“文档”），或请管理员开放写入权限") from None
            if not _try_lock(fd):
                os.close(fd)
                raise InstanceLockedError(database, read_holder(database))
            if _same_file(fd, path):
                lock = cls(database, fd)
                lock._write_holder()
                return lock
            _unlock(fd)
            os.close(fd)
        raise InstanceLockedError(database, read_holder(database))

    def _write_holder(self) -> None:
        try:
            user = getpass.getuser()
        except (OSError, KeyError):
            user = ""
        text = (f"pid={os.getpid()}\nhost={socket.gethostname()}\nuser={user}\n"
                f"since={datetime.now().strftime('%Y-%m-%d %H:%M')}\n")
        try:
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
            os.write(self._fd, text.encode("utf-8"))
        except OSError:
            pass  # the lock holds without the text; the next person is only told less

    def release(self) -> None:
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        try:
            if os.name == "nt":
                os.ftruncate(fd, 0)  # Windows cannot remove an open file; leave it empty and unlocked
            else:
                lock_path(self.database).unlink(missing_ok=True)  # while still holding it: see acquire()
        except OSError:
            pass
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd >= 0

    def __enter__(self) -> "InstanceLock":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def _same_file(fd: int, path: Path) -> bool:
    if os.name == "nt":
        return True
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino)
