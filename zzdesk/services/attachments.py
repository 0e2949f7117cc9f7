"""佐证材料: evidence files copied into the data folder and recorded against a status update.

The file a user picks is read once: its bytes are copied under a generated name, and the size and
SHA-256 recorded are those of the copy. The original path is never stored or opened again. Copies are
written to a temporary name in the same folder, fsynced and then renamed, so a failed copy leaves no
partial file behind.
"""

import hashlib
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from zzdesk.domain.errors import NotFoundError, StorageError, ValidationError
from zzdesk.locations import user_data_dir
from zzdesk.services import audit
from zzdesk.services.context import ServiceContext
from zzdesk.store.file_sync import sync_folder
from zzdesk.store.session import read_session
from zzdesk.store.tables import Attachment, StatusUpdate

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_FILES = 20
_CHUNK_BYTES = 1024 * 1024
_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,10}$")
_TEMP_PREFIX = ".partial-"


@dataclass(frozen=True)
class AttachmentView:
    id: int
    update_id: int
    original_name: str
    size_bytes: int
    sha256: str
    created_at: datetime

    @property
    def size_text(self) -> str:
        return format_size(self.size_bytes)


@dataclass(frozen=True)
class ChosenFile:
    """A file the user picked, checked but not yet copied: what the dialog lists before submitting."""

    path: Path
    name: str
    size_bytes: int

    @property
    def size_text(self) -> str:
        return format_size(self.size_bytes)


@dataclass(frozen=True)
class StoredFile:
    """A copy already in the attachments folder, waiting for its database row."""

    original_name: str
    stored_name: str
    size_bytes: int
    sha256: str


def format_size(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def attachments_dir() -> Path:
    return user_data_dir() / "attachments"


def check_files(files: Sequence[Path]) -> list[ChosenFile]:
    """Refuse, before anything is copied, what cannot be attached: too many, missing, folders, too large."""
    if len(files) > MAX_FILES:
        raise ValidationError(f"一次最多附 {MAX_FILES} 个佐证材料，当前选了 {len(files)} 个；请合并或精简后再附")
    return [_check_one(Path(path)) for path in files]


def _check_one(path: Path) -> ChosenFile:
    name = path.name
    if path.is_dir():
        raise ValidationError(f"“{name}”是文件夹，请选择其中的文件（可先压缩成一个 zip 文件）")
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except FileNotFoundError:
        raise ValidationError(f"找不到文件“{name}”，可能已被移动或删除，请重新选择") from None
    except OSError:
        raise ValidationError(f"无法读取文件“{name}”（可能正被其他程序占用或没有权限），请关闭该文件后重试") from None
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"文件“{name}”有 {format_size(size)}，超过单个文件 {format_size(MAX_FILE_BYTES)} 的上限；"
                              "请压缩或拆分后再附")
    return ChosenFile(path=path, name=name, size_bytes=size)


def copy_in(files: Sequence[Path]) -> list[StoredFile]:
    """Check and copy every file into the attachments folder; on any failure none of the copies remain."""
    chosen = check_files(files)
    folder = attachments_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"无法创建附件文件夹“{folder}”：{error.strerror}；本次报送未保存") from None
    stored: list[StoredFile] = []
    try:
        for item in chosen:
            stored.append(_copy_one(item, folder))
    except BaseException:
        discard(stored)
        raise
    sync_folder(folder)
    return stored


def _stored_name(original: str) -> str:
    suffix = Path(original).suffix.lower()
    return uuid.uuid4().hex + (suffix if _SAFE_SUFFIX.match(suffix) else "")


def _copy_one(item: ChosenFile, folder: Path) -> StoredFile:
    stored_name = _stored_name(item.name)
    temporary = folder / f"{_TEMP_PREFIX}{stored_name}"
    digest = hashlib.sha256()
    size = 0
    try:
        source = item.path.open("rb")
    except OSError:
        raise ValidationError(f"无法读取文件“{item.name}”，可能已被移动、删除或正被其他程序占用，请重新选择") from None
    try:
        with source, temporary.open("xb") as target:
            while chunk := _read(source, item.name):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise ValidationError(f"文件“{item.name}”超过单个文件 {format_size(MAX_FILE_BYTES)} 的上限，"
                                          "请压缩或拆分后再附")
                digest.update(chunk)
                target.write(chunk)
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, folder / stored_name)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise StorageError(f"无法保存佐证材料“{item.name}”（{error.strerror or error}），可能是磁盘已满或附件文件夹"
                           f"“{folder}”不可写；本次报送未保存") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return StoredFile(original_name=item.name, stored_name=stored_name, size_bytes=size, sha256=digest.hexdigest())


def _read(source, name: str) -> bytes:  # type: ignore[no-untyped-def]
    """A read error is the user's file, not our disk: say so, so they do not hunt for disk space."""
    try:
        return source.read(_CHUNK_BYTES)
    except OSError:
        raise ValidationError(f"读取文件“{name}”时出错（网络盘可能已断开，或文件已损坏），请复制到本机后重试") from None


def discard(stored: Sequence[StoredFile]) -> None:
    """Remove copies whose database rows were never written."""
    folder = attachments_dir()
    for item in stored:
        (folder / item.stored_name).unlink(missing_ok=True)


def insert_attachments(session: Session, ctx: ServiceContext, update: StatusUpdate, audit_key: str,
                       stored: Sequence[StoredFile]) -> list[Attachment]:
    """Write the rows for copies already in place, inside the caller's transaction."""
    if not stored:
        return []
    rows = [Attachment(status_update_id=update.id, original_name=item.original_name, stored_name=item.stored_name,
                       size_bytes=item.size_bytes, sha256=item.sha256, created_at=ctx.now()) for item in stored]
    session.add_all(rows)
    session.flush()
    audit.record(session, ctx, "update.attach", "status_update", audit_key,
                 {"attachments": (None, [f"{item.original_name} ({item.size_bytes} B, sha256 {item.sha256})"
                                         for item in stored])})
    return rows


def list_attachments(ctx: ServiceContext, update_id: int) -> list[AttachmentView]:
    """An update's evidence files in the order they were attached."""
    with read_session(ctx.engine) as session:
        rows = session.exec(select(Attachment).where(Attachment.status_update_id == update_id)
                            .order_by(Attachment.id)).all()
        return [_view(row) for row in rows]


def attachment_path(ctx: ServiceContext, attachment_id: int) -> Path:
    """Where the stored copy is, for opening it; refuses when the file is not on this computer."""
    with read_session(ctx.engine) as session:
        row = session.get(Attachment, attachment_id)
        if row is None:
            raise NotFoundError(f"佐证材料 #{attachment_id} 不存在")
        name, stored_name = row.original_name, row.stored_name
    path = attachments_dir() / stored_name
    if not path.is_file():
        raise NotFoundError(f"佐证材料“{name}”的文件不在本机的附件文件夹中（{attachments_dir()}），"
                            "可能是在另一台电脑上提交的，或文件已被删除")
    return path


def _view(row: Attachment) -> AttachmentView:
    return AttachmentView(id=row.id or 0, update_id=row.status_update_id, original_name=row.original_name,
                          size_bytes=row.size_bytes, sha256=row.sha256, created_at=row.created_at)
