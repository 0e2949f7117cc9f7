"""The store: migrations from the first revision, refusing newer or foreign files, pragmas, write locks."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from zzdesk.domain.errors import StorageError
from zzdesk.store import migrations, schema_head
from zzdesk.store.database import open_database
from zzdesk.store.engine import create_database_engine, resolve_target
from zzdesk.store.session import read_session, write_session

FIRST_REVISION = "0001_initial"


def _revisions_in_order() -> list[str]:
    return [s.revision for s in reversed(list(migrations.script_directory().walk_revisions()))]


def test_migrations_form_one_line_from_the_first_revision_to_head():
    revisions = _revisions_in_order()
    assert revisions[0] == FIRST_REVISION
    assert revisions[-1] == migrations.head_revision() == schema_head.HEAD_REVISION


def test_opening_an_up_to_date_database_does_not_load_alembic(db_path: Path):
    """Alembic (a fifth of a second to import) is needed only when there is something to migrate."""
    open_database(resolve_target(str(db_path))).close()
    probe = ("import sys; from zzdesk.store.database import open_database; from zzdesk.store.engine import "
             f"resolve_target; d = open_database(resolve_target({str(db_path)!r})); "
             "print(d.created, d.migrated_from, 'alembic' in sys.modules); d.close()")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "None", "False"], done.stderr


def test_a_database_at_the_first_revision_is_backed_up_and_upgraded_with_its_data(db_path: Path):
    engine = create_database_engine(resolve_target(str(db_path)))
    migrations.upgrade(engine, FIRST_REVISION)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO department (name, short_name, kind, active, sort_order, contact) "
                                "VALUES ('市发展改革委', '发改委', 'municipal', 1, 1, '')"))
    engine.dispose()

    database = open_database(resolve_target(str(db_path)))
    try:
        assert database.migrated_from == FIRST_REVISION
        with read_session(database.engine) as session:
            assert session.exec(text("SELECT version_num FROM alembic_version")).one()[0] == migrations.head_revision()
            assert session.exec(text("SELECT name FROM department")).all() == [("市发展改革委",)]
            assert session.exec(text("SELECT count(*) FROM office_setting")).one()[0] == 0
    finally:
        database.close()
    backup = database.pre_migration_backup
    assert backup is not None and backup.exists()
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone()[0] == FIRST_REVISION
        assert copy.execute("SELECT name FROM department").fetchall() == [("市发展改革委",)]


def test_a_fresh_database_is_created_at_head_without_a_backup(db_path: Path):
    database = open_database(resolve_target(str(db_path)))
    database.close()
    assert database.created and database.pre_migration_backup is None
    assert not (db_path.parent / "backups").exists()


def test_a_database_from_a_newer_app_is_refused_and_left_untouched(db_path: Path):
    open_database(resolve_target(str(db_path))).close()
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    before = db_path.read_bytes()
    with pytest.raises(StorageError, match="更新版本的 zzdesk"):
        open_database(resolve_target(str(db_path)))
    assert db_path.read_bytes() == before


def test_files_that_are_not_zzdesk_databases_are_refused(tmp_path: Path):
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("这是一份会议记录", encoding="utf-8")
    with pytest.raises(StorageError, match="不是 zzdesk 数据库文件"):
        open_database(resolve_target(str(text_file)))
    assert text_file.read_text(encoding="utf-8") == "这是一份会议记录"

    other_app = tmp_path / "other.sqlite3"
    with sqlite3.connect(other_app) as raw:
        raw.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StorageError, match="其他程序的数据表"):
        open_database(resolve_target(str(other_app)))

    with pytest.raises(StorageError, match=r"文件夹.*不存在"):
        open_database(resolve_target(str(tmp_path / "no-such-folder" / "x.sqlite3")))
    with pytest.raises(StorageError, match="是一个文件夹"):
        open_database(resolve_target(str(tmp_path)))


def test_a_network_share_is_refused_with_advice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr("zzdesk.store.database.is_network_path", lambda path: True)
    with pytest.raises(StorageError, match="PostgreSQL"):
        open_database(resolve_target(str(tmp_path / "shared.sqlite3")))


def test_unc_paths_are_network_paths():
    from zzdesk.store.network_share import is_network_path

    assert is_network_path(Path("//fileserver/督查室/zzdesk.sqlite3"))
    assert not is_network_path(Path("/tmp/zzdesk.sqlite3"))


@pytest.mark.sqlite_only("SQLite pragmas")
def test_every_connection_has_the_durability_pragmas(database):
    with read_session(database.engine) as session:
        assert session.exec(text("PRAGMA journal_mode")).one()[0] == "wal"
        assert session.exec(text("PRAGMA synchronous")).one()[0] == 2  # FULL
        assert session.exec(text("PRAGMA foreign_keys")).one()[0] == 1
        assert session.exec(text("PRAGMA busy_timeout")).one()[0] >= 5000


def test_write_sessions_take_the_write_lock_at_begin(database, db_path: Path):
    """BEGIN IMMEDIATE: while a write session is open, another writer cannot start."""
    with write_session(database.engine) as session:
        session.exec(text("SELECT 1"))
        other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
    with read_session(database.engine) as session:
        session.exec(text("SELECT 1"))
        other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # a reader does not block writers
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_a_locked_database_gives_a_clear_message_and_writes_nothing(database, db_path: Path, monkeypatch):
    monkeypatch.setattr("zzdesk.store.engine.BUSY_TIMEOUT_MS", 100)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        quick = open_database(resolve_target(str(db_path)))
        with quick.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout = 100")
        with pytest.raises(StorageError, match="正被其他程序写入"), write_session(quick.engine) as session:
            session.exec(text("INSERT INTO office_setting (key, value) VALUES ('x', '1')"))
        quick.close()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with read_session(database.engine) as session:
        assert session.exec(text("SELECT count(*) FROM office_setting")).one()[0] == 0


def test_default_database_lives_in_the_local_data_folder(tmp_path: Path):
    target = resolve_target(None)
    assert target.is_default
    assert target.sqlite_path == tmp_path / "data" / "zzdesk.sqlite3"


def test_urls_and_paths_resolve(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    assert resolve_target("postgresql+psycopg://clerk@db.example/zzdesk").sqlite_path is None
    monkeypatch.setenv("ZZDESK_DB", str(tmp_path / "env.sqlite3"))
    assert resolve_target(None).sqlite_path == tmp_path / "env.sqlite3"
    with pytest.raises(StorageError, match="不支持的数据库类型"):
        open_database(resolve_target("nonsense://somewhere/db"))


def test_folder_names_with_url_characters_work(tmp_path: Path):
    folder = tmp_path / "督查室 #2 ?100%"
    folder.mkdir()
    database = open_database(resolve_target(str(folder / "台账.sqlite3")))
    try:
        with write_session(database.engine) as session:
            session.exec(text("INSERT INTO office_setting (key, value) VALUES ('k', 'v')"))
    finally:
        database.close()
    assert (folder / "台账.sqlite3").stat().st_size > 0

    from zzdesk.store.backup import backup_sqlite

    copy = backup_sqlite(folder / "台账.sqlite3", folder / "backups" / "copy.sqlite3")
    with sqlite3.connect(copy) as raw:
        assert raw.execute("SELECT value FROM office_setting").fetchall() == [("v",)]
