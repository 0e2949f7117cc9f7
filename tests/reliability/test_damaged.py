"""A damaged database: truncated and bit-flipped files are detected at open, the newest good backup is named,
and restoring it brings back a sound database with the backup's data.

What SQLite's quick check can see is the structure: page headers, cell pointers, the b-tree. Bit flips are put
there (in pages that hold rows), and into the file header; the figures also show how many flips at random places
anywhere in the file the check sees — SQLite keeps no checksum per page, so a flipped bit inside a stored text
goes unnoticed (the audit trail's hash chain covers its own rows).
"""

import random
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reliability_support import integrity, show_figures

from conftest import make_context
from zzdesk.cli import main
from zzdesk.domain.vocabulary import Status
from zzdesk.services import backups, demo, maintenance, plan, updates
from zzdesk.store.database import DamagedDatabaseError, open_database
from zzdesk.store.engine import resolve_target

FLIPS = 40
RANDOM_FLIPS = 200
BTREE_PAGES = {2, 5, 10, 13}  # interior/leaf, index/table


def _status_count(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM status_update").fetchone()[0]
    finally:
        connection.close()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A ledger with the demo data and one automatic backup, then one more update the backup does not have."""
    folder = tmp_path_factory.mktemp("pristine")
    path = folder / "台账.sqlite3"
    database = open_database(resolve_target(str(path)))
    ctx = make_context(database)
    plan.init_database(ctx)
    demo.populate_demo(ctx)
    assert backups.backup_now(ctx).path is not None
    backed_up = _status_count(path)
    updates.log_update(ctx, "1.1", updates.UpdateInput(Status.ON_TRACK, 70, "备份之后的报送"))
    database.close()
    return path, backed_up


def _copy(pristine: Path, folder: Path) -> Path:
    shutil.copytree(pristine.parent, folder)
    return folder / pristine.name


def _row_pages(data: bytes) -> list[tuple[int, int, int]]:
    """(page start, header length, cell count) of every b-tree page that holds cells."""
    page_size = int.from_bytes(data[16:18], "big")
    pages = []
    for number in range(len(data) // page_size):
        start = number * page_size + (100 if number == 0 else 0)
        kind, cells = data[start], int.from_bytes(data[start + 3:start + 5], "big")
        if kind in BTREE_PAGES and cells > 0:
            pages.append((start, 12 if kind in (2, 5) else 8, cells))
    return pages


def _damages(data: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    size = len(data)
    cases = [("清空为 0 字节", b""), ("截断到 50 字节", data[:50]), ("截断到半页", data[:2048]),
             ("文件头魔数翻转一位", bytes([data[0] ^ 0x04]) + data[1:])]
    for share in (0.25, 0.5, 0.9):
        cases.append((f"在第 {int(size * share) // 4096} 页处截断", data[:int(size * share) // 4096 * 4096]))
    cases.append(("截断在页中间", data[:size // 3 + 123]))
    pages = _row_pages(data)
    for _ in range(FLIPS):
        start, header, cells = rng.choice(pages)
        position = start + rng.randrange(header + 2 * cells)  # page header or cell pointer array
        flipped = bytearray(data)
        flipped[position] ^= 1 << rng.randrange(8)
        cases.append((f"第 {position} 字节（页头或单元指针）翻转一位", bytes(flipped)))
    return cases


@pytest.mark.timeout(600)
def test_truncated_and_bit_flipped_files_are_detected_at_open_and_restored(pristine, tmp_path: Path, capsys):
    source, backed_up = pristine
    data = source.read_bytes()
    rng = random.Random(20251120)
    cases = _damages(data, rng)
    detected, restored = 0, 0
    for number, (what, damaged) in enumerate(cases):
        path = _copy(source, tmp_path / f"case-{number}")
        path.write_bytes(damaged)
        with pytest.raises(DamagedDatabaseError) as caught:
            open_database(resolve_target(str(path))).close()
        error = caught.value
        assert error.backup is not None, what
        assert error.backup.path.parent == path.parent / "backups"
        assert f'restore "{error.backup.path}"' in error.message and "已损坏" in error.message, what
        detected += 1
        if number % 4 == 0:  # restore a share of them (each restore checks, copies and opens: slower)
            result = backups.restore(resolve_target(str(path)), error.backup.path, "测试员", datetime.now(UTC))
            if damaged:  # the damaged file is kept as it was (an empty one has nothing to keep)
                assert result.current_was_damaged and result.saved_current.read_bytes() == damaged
            else:
                assert result.saved_current is None
            assert integrity(path) == ["ok"] and _status_count(path) == backed_up
            database = open_database(resolve_target(str(path)))
            try:
                assert maintenance.check(make_context(database)).ok
            finally:
                database.close()
            restored += 1

    random_seen = 0
    probe = tmp_path / "probe.sqlite3"
    for _ in range(RANDOM_FLIPS):
        flipped = bytearray(data)
        flipped[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        probe.write_bytes(bytes(flipped))
        try:
            connection = sqlite3.connect(f"{probe.as_uri()}?mode=ro", uri=True)
            random_seen += [row[0] for row in connection.execute("PRAGMA quick_check")] != ["ok"]
            connection.close()
        except sqlite3.DatabaseError:
            random_seen += 1
    show_figures(capsys, f"damaged database: {len(cases)} cases ({len(cases) - FLIPS} truncations or header "
                         f"flips, {FLIPS} bit flips in page headers and cell pointers): {detected} detected at "
                         f"open with the newest good backup named, {restored} restored and checked (rows back to "
                         f"the backup's {backed_up}); random single-bit flips anywhere in the file: "
                         f"{random_seen}/{RANDOM_FLIPS} visible to quick_check (no page checksums in SQLite)")
    assert detected == len(cases)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_names_the_backup_and_the_restore_command_that_fixes_it(pristine, tmp_path: Path, capsys):
    source, backed_up = pristine
    path = _copy(source, tmp_path / "cli")
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])

    code, out, err = run_cli(capsys, "--db", str(path), "check")
    assert code == 1 and "已损坏" in err
    command = err.split("恢复请运行：", 1)[1].split("（", 1)[0]
    backup = command.split("restore ", 1)[1].strip('"')
    assert command == f'zzdesk --db "{path}" restore "{backup}"' and Path(backup).is_file()

    code, out, err = run_cli(capsys, "--db", str(path), "restore", backup)
    assert code == 0, err
    assert "已从" in out and "已损坏的数据库文件已移到" in out
    code, out, err = run_cli(capsys, "--db", str(path), "check")
    assert code == 0, err
    assert "检查通过" in out and _status_count(path) == backed_up
