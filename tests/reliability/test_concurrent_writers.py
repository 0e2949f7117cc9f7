"""Several processes logging hundreds of updates at once: none lost, none doubled, the audit chain intact.

SQLite serialises the writers with BEGIN IMMEDIATE and a busy timeout; PostgreSQL with the lock on the audit
chain's head row. Prints its figures. ``ZZDESK_CONCURRENT_WRITERS`` / ``ZZDESK_CONCURRENT_UPDATES`` change the size.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import select

from zzdesk.domain.audit_chain import ChainedRow, first_break
from zzdesk.services import plan
from zzdesk.services.context import ServiceContext
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry, StatusUpdate

WRITERS = int(os.environ.get("ZZDESK_CONCURRENT_WRITERS", "4"))
UPDATES = int(os.environ.get("ZZDESK_CONCURRENT_UPDATES", "150"))
WRITER = Path(__file__).with_name("concurrent_writer.py")


def _run_writers(target: str) -> tuple[dict[int, str], float]:
    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, str(WRITER), target, str(n), str(UPDATES)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n in range(WRITERS)]
    acknowledged: dict[int, str] = {}
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        for line in out.splitlines():
            _, update_id, token = line.split()
            acknowledged[int(update_id)] = token
    return acknowledged, time.perf_counter() - started


def _check(target: str) -> None:
    database = open_database(resolve_target(target))
    try:
        plan.init_database(ServiceContext(database=database, actor="并发测试"))
    finally:
        database.close()
    acknowledged, seconds = _run_writers(target)
    database = open_database(resolve_target(target))
    try:
        with read_session(database.engine) as session:
            stored = {row.id: row.progress_text for row in session.exec(select(StatusUpdate))}
            audit = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    finally:
        database.close()
    chain = [(ChainedRow(id=a.id, at=a.at, actor=a.actor, action=a.action, entity=a.entity, entity_key=a.entity_key,
                         changes=a.changes, outcome=a.outcome, prev_hash=a.prev_hash), a.row_hash) for a in audit]
    lost = [i for i, token in acknowledged.items() if stored.get(i) != token]
    print(f"\n[reliability] {WRITERS} writers × {UPDATES} updates at once: acknowledged {len(acknowledged)}, "
          f"stored {len(stored)}, lost {len(lost)}, audit rows {len(audit)}, {seconds:.1f} s")
    assert len(acknowledged) == WRITERS * UPDATES
    assert lost == [] and len(stored) == len(acknowledged)
    assert sum(1 for a in audit if a.action == "update.submit") == len(acknowledged)
    assert first_break(chain) is None


def test_several_writers_lose_nothing(db_target):
    """On an SQLite file and on a PostgreSQL server (``db_target`` runs the test on each)."""
    _check(db_target)
