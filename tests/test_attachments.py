"""佐证材料: files copied into the data folder with their size and hash, refused when unusable, and an
update with its files written all together or not at all."""

import errno
import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import func, select

from zzdesk.domain.dates import Period
from zzdesk.domain.errors import NotFoundError, StorageError, ValidationError
from zzdesk.domain.vocabulary import Status
from zzdesk.locations import user_data_dir
from zzdesk.services import attachments, updates
from zzdesk.services.updates import UpdateInput
from zzdesk.store import migrations
from zzdesk.store.engine import create_database_engine, resolve_target
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import Attachment, AuditEntry, StatusUpdate

UPDATE = UpdateInput(status=Status.ON_TRACK, progress=45, text="召开项目推进会，印发工作方案。",
                     problems="用地指标尚未落实。", next_steps="加快土地报批。", period=Period(2025, 10))


def _file(folder: Path, name: str, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def _count(ctx, table) -> int:  # type: ignore[no-untyped-def]
    with read_session(ctx.engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def _stored_files() -> list[Path]:
    folder = user_data_dir() / "attachments"
    return sorted(folder.iterdir()) if folder.exists() else []


def _nothing_written(ctx) -> bool:  # type: ignore[no-untyped-def]
    return (updates.history(ctx, "1.1") == [] and _count(ctx, Attachment) == 0 and _stored_files() == []
            and _count(ctx, StatusUpdate) == 0)


# ----------------------------------------------------------------------------------------------- copying

def test_files_are_copied_under_generated_names_with_size_and_hash(ctx, tmp_path: Path):
    minutes = _file(tmp_path / "选择的文件", "项目推进会会议纪要.PDF", "会议纪要".encode() * 1024)
    photo = _file(tmp_path / "选择的文件", "现场照片.jpg", bytes(range(256)) * 40)

    view = updates.log_update_with_attachments(ctx, "1.1", UPDATE, [minutes, photo])

    assert [u.id for u in updates.history(ctx, "1.1")] == [view.id]
    listed = attachments.list_attachments(ctx, view.id)
    assert [a.original_name for a in listed] == ["项目推进会会议纪要.PDF", "现场照片.jpg"]
    assert [a.size_bytes for a in listed] == [minutes.stat().st_size, photo.stat().st_size]
    assert [a.sha256 for a in listed] == [hashlib.sha256(p.read_bytes()).hexdigest() for p in (minutes, photo)]
    assert listed[0].size_text == "12.0 KB"
    stored = _stored_files()
    assert len(stored) == 2
    assert {p.suffix for p in stored} == {".pdf", ".jpg"}
    assert all(re.fullmatch(r"[0-9a-f]{32}\.(pdf|jpg)", p.name) for p in stored)
    with read_session(ctx.engine) as session:
        rows = session.exec(select(Attachment)).all()
        assert all(str(tmp_path) not in (row.original_name + row.stored_name) for row in rows)


def test_the_copy_stays_usable_after_the_original_is_gone(ctx, tmp_path: Path):
    original = _file(tmp_path, "验收报告.docx", "验收合格".encode() * 500)
    content = original.read_bytes()
    view = updates.log_update_with_attachments(ctx, "1.1", UPDATE, [original])
    original.write_bytes(b"changed afterwards")
    original.unlink()

    (attachment,) = attachments.list_attachments(ctx, view.id)
    path = attachments.attachment_path(ctx, attachment.id)
    assert path.parent == user_data_dir() / "attachments"
    assert path.read_bytes() == content
    assert hashlib.sha256(path.read_bytes()).hexdigest() == attachment.sha256


def test_odd_suffixes_are_not_carried_into_the_stored_name(ctx, tmp_path: Path):
    files = [_file(tmp_path, "情况说明.文档", b"a"), _file(tmp_path, "README", b"b")]
    view = updates.log_update_with_attachments(ctx, "1.1", UPDATE, files)
    assert all(re.fullmatch(r"[0-9a-f]{32}", p.name) for p in _stored_files())
    assert [a.original_name for a in attachments.list_attachments(ctx, view.id)] == ["情况说明.文档", "README"]


def test_attaching_writes_an_audit_row_naming_the_files(ctx, tmp_path: Path):
    view = updates.log_update_with_attachments(ctx, "1.1", UPDATE, [_file(tmp_path, "纪要.pdf", b"minutes")])
    with read_session(ctx.engine) as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.action == "update.attach")).all()
    assert len(rows) == 1
    assert rows[0].entity_key == f"1.1@2025-10#{view.id}"
    assert "纪要.pdf" in rows[0].changes and hashlib.sha256(b"minutes").hexdigest() in rows[0].changes


def test_an_update_without_files_needs_no_attachments_folder(ctx):
    view = updates.log_update_with_attachments(ctx, "1.1", UPDATE, [])
    assert updates.history(ctx, "1.1")[0].text == UPDATE.text
    assert attachments.list_attachments(ctx, view.id) == []
    assert _stored_files() == []


# ----------------------------------------------------------------------------------------------- refusals

def _refusal_cases(tmp_path: Path) -> dict[str, tuple[list[Path], str]]:
    folder = tmp_path / "材料文件夹"
    folder.mkdir()
    large = tmp_path / "航拍视频.mp4"
    with large.open("wb") as handle:
        handle.truncate(attachments.MAX_FILE_BYTES + 1)
    many = [_file(tmp_path / "许多", f"照片{i}.jpg", b"x") for i in range(attachments.MAX_FILES)]  # + 纪要.pdf
    return {
        "missing": ([tmp_path / "已删除的文件.pdf"], "找不到文件“已删除的文件.pdf”"),
        "folder": ([folder], "“材料文件夹”是文件夹"),
        "too large": ([large], "超过单个文件 50.0 MB 的上限"),
        "too many": (many, f"一次最多附 {attachments.MAX_FILES} 个佐证材料，当前选了 {attachments.MAX_FILES + 1} 个"),
    }


@pytest.mark.parametrize("case", ["missing", "folder", "too large", "too many"])
def test_unusable_files_are_refused_and_nothing_is_written(ctx, tmp_path: Path, case: str):
    good = _file(tmp_path, "纪要.pdf", b"minutes")
    files, message = _refusal_cases(tmp_path)[case]
    with pytest.raises(ValidationError, match=re.escape(message)):
        updates.log_update_with_attachments(ctx, "1.1", UPDATE, [good, *files])
    assert _nothing_written(ctx)


def test_an_unreadable_file_is_refused(ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    locked = _file(tmp_path, "正在编辑的表格.xlsx", b"locked")
    real_open = Path.open

    def refuse(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == locked:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ValidationError, match=re.escape("无法读取文件“正在编辑的表格.xlsx”")):
        updates.log_update_with_attachments(ctx, "1.1", UPDATE, [locked])
    assert _nothing_written(ctx)


def test_exactly_the_limits_are_accepted(ctx, tmp_path: Path):
    files = [_file(tmp_path, f"照片{i}.jpg", b"x") for i in range(attachments.MAX_FILES - 1)]
    largest = tmp_path / "扫描件.pdf"
    with largest.open("wb") as handle:
        handle.truncate(attachments.MAX_FILE_BYTES)
    view = updates.log_update_with_attachments(ctx, "1.1", UPDATE, [*files, largest])
    listed = attachments.list_attachments(ctx, view.id)
    assert len(listed) == attachments.MAX_FILES
    assert listed[-1].size_bytes == attachments.MAX_FILE_BYTES


# ----------------------------------------------------------------------------------------------- failures

def test_a_failed_copy_writes_nothing_and_leaves_no_file(ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    files = [_file(tmp_path, "纪要.pdf", b"minutes"), _file(tmp_path, "照片.jpg", b"photo" * 100)]
    calls = {"n": 0}
    real_fsync = attachments.os.fsync

    def disk_full(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the first file is already in place when the second one fails
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(attachments.os, "fsync", disk_full)
    with pytest.raises(StorageError, match=r"无法保存佐证材料“照片\.jpg”.*磁盘已满.*本次报送未保存"):
        updates.log_update_with_attachments(ctx, "1.1", UPDATE, files)
    assert _nothing_written(ctx)
    assert (user_data_dir() / "attachments").is_dir()  # created, but empty: no copy, no temporary file


def test_an_attachments_folder_that_cannot_be_created_is_reported(ctx, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setattr(attachments, "attachments_dir", lambda: blocker / "attachments")
    with pytest.raises(StorageError, match="无法创建附件文件夹"):
        updates.log_update_with_attachments(ctx, "1.1", UPDATE, [_file(tmp_path, "纪要.pdf", b"x")])
    assert updates.history(ctx, "1.1") == [] and _count(ctx, Attachment) == 0


def test_a_failing_transaction_removes_the_copies(ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise StorageError("磁盘空间已满，本次修改未保存；请清理磁盘后重试")

    monkeypatch.setattr(attachments, "insert_attachments", broken)
    with pytest.raises(StorageError, match="磁盘空间已满"):
        updates.log_update_with_attachments(ctx, "1.1", UPDATE, [_file(tmp_path, "纪要.pdf", b"minutes")])
    assert _nothing_written(ctx)
    assert not _audit_for_updates(ctx)


def _audit_for_updates(ctx) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with read_session(ctx.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.entity == "status_update")))


@pytest.mark.parametrize(("update", "words"), [
    (UpdateInput(status=Status.ON_TRACK, progress=45, text="  "), "进展情况不能为空"),
    (UpdateInput(status=Status.COMPLETED, progress=80, text="基本完成。"), "进度应为 100"),
    (UpdateInput(status=Status.ON_TRACK, progress=45, text="提前报送。", period=Period(2025, 12)), "还没到"),
])
def test_an_invalid_update_keeps_no_copies(ctx, tmp_path: Path, update: UpdateInput, words: str):
    with pytest.raises(ValidationError, match=words):
        updates.log_update_with_attachments(ctx, "1.1", update, [_file(tmp_path, "纪要.pdf", b"minutes")])
    assert _nothing_written(ctx)
    assert not _audit_for_updates(ctx)


# ----------------------------------------------------------------------------------------------- reading back

def test_attachment_path_refuses_unknown_and_missing_files(ctx, tmp_path: Path):
    with pytest.raises(NotFoundError, match="佐证材料 #999 不存在"):
        attachments.attachment_path(ctx, 999)
    view = updates.log_update_with_attachments(ctx, "1.1", UPDATE, [_file(tmp_path, "纪要.pdf", b"minutes")])
    (attachment,) = attachments.list_attachments(ctx, view.id)
    attachments.attachment_path(ctx, attachment.id).unlink()
    with pytest.raises(NotFoundError, match=re.escape("“纪要.pdf”的文件不在本机的附件文件夹中")):
        attachments.attachment_path(ctx, attachment.id)


def test_attachments_belong_to_their_update_and_go_with_it(ctx, tmp_path: Path):
    first = updates.log_update_with_attachments(ctx, "1.1", UPDATE, [_file(tmp_path, "一.pdf", b"1")])
    second = updates.log_update_with_attachments(ctx, "1.1", UPDATE, [_file(tmp_path, "二.pdf", b"2"),
                                                                       _file(tmp_path, "三.pdf", b"3")])
    assert [a.original_name for a in attachments.list_attachments(ctx, first.id)] == ["一.pdf"]
    assert [a.original_name for a in attachments.list_attachments(ctx, second.id)] == ["二.pdf", "三.pdf"]
    with write_session(ctx.engine) as session:
        session.exec(text("DELETE FROM status_update WHERE id = :id").bindparams(id=second.id))
    assert attachments.list_attachments(ctx, second.id) == []
    assert _count(ctx, Attachment) == 1


def test_the_migration_adds_the_table_to_an_older_database(db_path: Path):
    engine = create_database_engine(resolve_target(str(db_path)))
    try:
        migrations.upgrade(engine, "0002_office_settings")
        with engine.connect() as connection:
            assert "attachment" not in inspect(connection).get_table_names()
        migrations.upgrade(engine)
        with engine.connect() as connection:
            (foreign_key,) = inspect(connection).get_foreign_keys("attachment")
            columns = {c["name"] for c in inspect(connection).get_columns("attachment")}
    finally:
        engine.dispose()
    assert foreign_key["referred_table"] == "status_update"
    assert foreign_key["options"].get("ondelete") == "CASCADE"
    assert columns == {"id", "status_update_id", "original_name", "stored_name", "size_bytes", "sha256",
                       "created_at"}
