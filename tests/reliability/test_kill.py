"""Kill test: a writer logging updates through the services is SIGKILLed at random moments, again and again.

Counted: 0 damaged databases (``integrity_check`` after every kill), 0 partial updates (every status update has
its audit row; every attachment row its complete file), 0 acknowledged updates missing. The number of kills is
``ZZDESK_KILL_COUNT`` (default 200), the longest wait before a kill ``ZZDESK_KILL_MAX_DELAY`` seconds (default
0.25), and ``ZZDESK_KILL_SEED`` repeats a run; the figures are printed.
"""

import hashlib
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from reliability_support import integrity, show_figures
from sqlmodel import select

from conftest import make_context
from zzdesk.services import attachments, audit_log, maintenance, plan
from zzdesk.store.backup import inspect_sqlite, list_backups
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.store.session import read_session
from zzdesk.store.tables import Attachment, AuditEntry, StatusUpdate

WRITER = Path(__file__).with_name("kill_writer.py")
KILLS = int(os.environ.get("ZZDESK_KILL_COUNT", "200"))
MAX_DELAY = float(os.environ.get("ZZDESK_KILL_MAX_DELAY", "0.25"))
EARLY_KILL_SHARE = 0.1  # killed as soon as it exists: while it imports nothing, opens and checks the database
LINE_TIMEOUT = 60.0


class Writer:
    """The pre-loaded writer process and the lines it and its children print."""

    def __init__(self, database: Path, scratch: Path, log: Path) -> None:
        self._log = log.open("wb")
        self.process = subprocess.Popen([sys.executable, str(WRITER), str(database), str(scratch)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self.lines.put(raw.decode("utf-8").rstrip("\n"))

    def start(self, run: int, seed: int) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"go {run} {seed}\n".encode())
        self.process.stdin.flush()

    def next_line(self) -> str:
        try:
            return self.lines.get(timeout=LINE_TIMEOUT)
        except queue.Empty:
            pytest.fail(f"the writer printed nothing for {LINE_TIMEOUT:.0f} s")

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        self._log.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.timeout(1800)
def test_sigkilled_writers_lose_no_acknowledged_update(tmp_path: Path, capsys):
    seed = int(os.environ.get("ZZDESK_KILL_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    database_path = tmp_path / "kill.sqlite3"
    database = open_database(resolve_target(str(database_path)))
    plan.init_database(make_context(database))
    database.close()
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    started = time.monotonic()
    acknowledged: dict[int, str] = {}
    damaged: list[tuple[int, list[str]]] = []
    early_kills = 0
    writer = Writer(database_path, scratch, tmp_path / "writer.log")
    try:
        for run in range(KILLS):
            writer.start(run, rng.randrange(1 << 30))
            early = rng.random() < EARLY_KILL_SHARE
            early_kills += early
            pid, ready = None, False
            while pid is None or not (ready or early):
                words = writer.next_line().split(" ", 2)
                if words[0] == "error":
                    pytest.fail(f"the writer failed by itself: {' '.join(words[1:])}")
                if words[0] in ("child", "ready"):
                    pid = int(words[1])
                    ready = ready or words[0] == "ready"
                elif words[0] == "ack":
                    acknowledged[int(words[1])] = words[2]
            if not early:
                time.sleep(rng.uniform(0, MAX_DELAY))
            os.kill(pid, signal.SIGKILL)
            while True:
                words = writer.next_line().split(" ", 2)
                if words[0] == "ack":
                    acknowledged[int(words[1])] = words[2]
                elif words[0] == "error":
                    pytest.fail(f"the writer failed by itself: {' '.join(words[1:])}")
                elif words[0] == "exit" and int(words[1]) == pid:
                    status = int(words[2])
                    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
                    break
            result = integrity(database_path)
            if result != ["ok"]:
                damaged.append((run, result))
    finally:
        writer.close()
    elapsed = time.monotonic() - started

    database = open_database(resolve_target(str(database_path)))  # passes the quick check at open
    ctx = make_context(database)
    try:
        with read_session(ctx.engine) as session:
            texts = {row.id: row.progress_text for row in session.exec(select(StatusUpdate))}
            audited = {(row.action, row.entity_key.rsplit("#", 1)[-1])
                       for row in session.exec(select(AuditEntry).where(AuditEntry.entity == "status_update"))}
            files = list(session.exec(select(Attachment)))
        chain = audit_log.verify_chain(ctx)
        report = maintenance.check(ctx)
    finally:
        database.close()

    lost = {i: token for i, token in acknowledged.items() if texts.get(i) != token}
    unaudited = [i for i in texts if ("update.submit", str(i)) not in audited]
    with_files = {f.status_update_id for f in files}
    unaudited_files = [i for i in with_files if ("update.attach", str(i)) not in audited]
    folder = attachments.attachments_dir()
    broken_files = [f.stored_name for f in files if not (folder / f.stored_name).is_file()
                    or (folder / f.stored_name).stat().st_size != f.size_bytes
                    or _sha256(folder / f.stored_name) != f.sha256]
    referenced = {f.stored_name for f in files}
    leftovers = [p.name for p in folder.iterdir() if p.name not in referenced] if folder.exists() else []
    backup_files = list_backups(database_path)
    unsound_backups = [b.path.name for b in backup_files if not inspect_sqlite(b.path).ok]

    show_figures(capsys, f"kill test: {KILLS} SIGKILLs (seed {seed}, {early_kills} while opening), "
            f"{len(acknowledged)} updates acknowledged, {len(texts)} in the database, lost {len(lost)}, "
            f"committed but killed before the acknowledgement {len(set(texts) - set(acknowledged))}, "
            f"partial {len(unaudited) + len(unaudited_files) + len(broken_files)}, "
            f"damaged {len(damaged)} of {KILLS} integrity checks, {len(files)} evidence files sound, "
            f"{len(leftovers)} uncommitted evidence copies left over, "
            f"{len(backup_files)} backups kept (unsound {len(unsound_backups)}), {elapsed:.1f} s")
    assert len(acknowledged) >= KILLS // 2, "the writer hardly wrote anything before being killed"
    assert damaged == []
    assert lost == {}
    assert unaudited == [] and unaudited_files == [] and broken_files == []
    assert chain.ok, chain.message
    assert report.ok, report.problems
    assert unsound_backups == []
