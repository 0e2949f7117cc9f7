"""保存冲突: two people edit the same record; the second save is refused with the first person's change shown, an
explicit overwrite is audited as such, and concurrent writers lose nothing."""

import json
import os
import subprocess
import sys
import uuid
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from conftest import make_context
from zzdesk.domain.dates import Deadline, parse_date
from zzdesk.domain.errors import ConflictError
from zzdesk.domain.vocabulary import DepartmentKind, ReviewState, Status
from zzdesk.services import assignments, departments, ledger, plan, updates, work_items
from zzdesk.services.assignments import AssignmentChange
from zzdesk.store import session as store_session
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import AuditEntry, Task


@pytest.fixture
def desks(ctx):  # type: ignore[no-untyped-def]
    """Two clerks at two desks on the same database; 1.1 already assigned."""
    assignments.assign(ctx, "1.1", AssignmentChange(lead="市发展改革委", leader="张建国（副市长）",
                                                    deadline=Deadline(parse_date("2026-06-30"))))
    return make_context(ctx.database, actor="张三"), make_context(ctx.database, actor="李四")


def _audit_rows(ctx, action: str, key: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with read_session(ctx.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action, AuditEntry.entity_key == key)
                                 .order_by(AuditEntry.id)))


def test_the_second_save_is_refused_with_the_first_persons_change(desks):
    zhang, li = desks
    zhang_form, li_form = ledger.task_view(zhang, "1.1"), ledger.task_view(li, "1.1")  # both open the editor
    assignments.assign(zhang, "1.1", AssignmentChange(leader="王强（副市长）", co=["市财政局"]),
                       expected_version=zhang_form.version_id)

    with pytest.raises(ConflictError) as refused:
        assignments.assign(li, "1.1", AssignmentChange(leader="赵六（副市长）"), expected_version=li_form.version_id)
    error = refused.value
    assert (error.changed_by, error.record) == ("张三", "任务 1.1")
    assert set(error.changes) == {("责任领导", "张建国（副市长）", "王强（副市长）"),
                                  ("配合单位", "（空）", "市财政局")}
    assert ("责任领导", "王强（副市长）") in error.current
    assert error.message.startswith("保存冲突：张三于") and "责任领导" in error.message
    view = ledger.task_view(li, "1.1")  # 李四's leader was not written
    assert (view.leader, view.co) == ("王强（副市长）", ("市财政局",))
    assert [row.actor for row in _audit_rows(li, "task.assign", "1.1")] == ["测试员", "张三"]


def test_reload_then_save_goes_through(desks):
    zhang, li = desks
    stale = ledger.task_view(li, "1.1")
    assignments.assign(zhang, "1.1", AssignmentChange(leader="王强"))
    with pytest.raises(ConflictError):
        assignments.assign(li, "1.1", AssignmentChange(leader="赵六"), expected_version=stale.version_id)
    reloaded = ledger.task_view(li, "1.1")  # 重新载入
    saved = assignments.assign(li, "1.1", AssignmentChange(leader="赵六"), expected_version=reloaded.version_id)
    assert saved.leader == "赵六" and saved.version_id > reloaded.version_id
    # The version handed back is the one to save over next (no conflict with oneself).
    assert assignments.assign(li, "1.1", AssignmentChange(leader="赵七"), expected_version=saved.version_id).leader \
        == "赵七"


def test_keeping_mine_overwrites_and_is_audited_as_an_overwrite(desks):
    zhang, li = desks
    stale = ledger.task_view(li, "1.1")
    theirs = assignments.assign(zhang, "1.1", AssignmentChange(leader="王强"))
    mine = assignments.assign(li, "1.1", AssignmentChange(leader="赵六"), expected_version=stale.version_id,
                              force=True)
    assert mine.leader == "赵六"
    row = _audit_rows(li, "task.assign", "1.1")[-1]
    changes = json.loads(row.changes)
    assert row.actor == "李四"
    assert changes["leader"] == ["王强", "赵六"]
    assert changes["overwrite"] == [theirs.version_id, stale.version_id]  # overwritten version ← form's version


def test_changing_only_the_co_operating_departments_is_a_new_version(desks):
    zhang, li = desks
    stale = ledger.task_view(li, "1.1")
    after = assignments.assign(zhang, "1.1", AssignmentChange(co=["市财政局"]))
    assert after.version_id > stale.version_id
    with pytest.raises(ConflictError, match="配合单位"):
        assignments.assign(li, "1.1", AssignmentChange(co=["市商务局"]), expected_version=stale.version_id)


def test_approved_extensions_and_closing_also_conflict_with_an_open_form(desks):
    from zzdesk.services import closing, extensions

    zhang, li = desks
    stale = ledger.task_view(li, "1.1")
    request = extensions.request_extension(zhang, "1.1", parse_date("2026-12-31"), "资金未到位")
    extensions.decide_extension(zhang, request.id, approve=True)
    with pytest.raises(ConflictError) as refused:
        assignments.assign(li, "1.1", AssignmentChange(leader="赵六"), expected_version=stale.version_id)
    assert ("完成时限", "2026-06-30", "2026-12-31") in refused.value.changes
    final = updates.log_update(zhang, "1.1", updates.UpdateInput(status=Status.COMPLETED, progress=100, text="完成"))
    updates.review_update(zhang, final.id, accept=True)
    before_close = ledger.task_view(li, "1.1")
    closing.close_task(zhang, "1.1")
    with pytest.raises(ConflictError, match="张三"):
        assignments.assign(li, "1.1", AssignmentChange(leader="赵六"), expected_version=before_close.version_id)


def test_work_item_rename_conflicts(desks):
    zhang, li = desks
    code = work_items.add_work_item(zhang, "1.1", "建立重点项目库")
    item = ledger.task_view(li, code)
    work_items.rename_work_item(zhang, code, "建立市级重点项目库", expected_version=item.version_id)
    with pytest.raises(ConflictError) as refused:
        work_items.rename_work_item(li, code, "建立项目储备库", expected_version=item.version_id)
    assert refused.value.changes == (("内容", "建立重点项目库", "建立市级重点项目库"),)
    assert ledger.task_view(li, code).title == "建立市级重点项目库"
    work_items.rename_work_item(li, code, "建立项目储备库", expected_version=item.version_id, force=True)
    assert ledger.task_view(li, code).title == "建立项目储备库"
    assert "overwrite" in json.loads(_audit_rows(li, "work_item.rename", code)[-1].changes)


def test_department_edits_conflict(desks):
    zhang, li = desks
    form = next(d for d in departments.list_departments(li) if d.name == "市财政局")
    saved = departments.set_contact(zhang, "市财政局", "王芳 0371-67180000", expected_version=form.version_id)
    assert saved.version_id > form.version_id
    for edit in (lambda: departments.set_contact(li, "市财政局", "李静", expected_version=form.version_id),
                 lambda: departments.set_kind(li, "市财政局", DepartmentKind.OTHER, expected_version=form.version_id),
                 lambda: departments.rename_department(li, "市财政局", "郑州市财政局",
                                                       expected_version=form.version_id)):
        with pytest.raises(ConflictError) as refused:
            edit()
        assert refused.value.changed_by == "张三"
        assert refused.value.changes == (("联络人", "（空）", "王芳 0371-67180000"),)
    now = next(d for d in departments.list_departments(li) if d.name == "市财政局")
    assert (now.contact, now.kind) == ("王芳 0371-67180000", DepartmentKind.MUNICIPAL)
    # The dialog's chain of saves: each step hands the next the version it left.
    renamed = departments.rename_department(li, "市财政局", "市财政局", "财政局", expected_version=now.version_id)
    kind = departments.set_kind(li, renamed.name, DepartmentKind.MUNICIPAL, expected_version=renamed.version_id)
    assert departments.set_contact(li, kind.name, "李静", expected_version=kind.version_id).contact == "李静"


def test_a_review_of_an_update_a_colleague_already_reviewed_names_them(desks):
    zhang, li = desks
    update = updates.log_update(zhang, "1.1", updates.UpdateInput(status=Status.ON_TRACK, progress=40, text="推进"))
    updates.review_update(zhang, update.id, accept=True, expected_version=update.version_id)
    with pytest.raises(ConflictError) as refused:
        updates.review_update(li, update.id, accept=False, note="请补充", expected_version=update.version_id)
    assert refused.value.changed_by == "张三"
    assert ("审核", "待审核", "已采纳") in refused.value.changes
    assert updates.history(li, "1.1")[0].review is ReviewState.ACCEPTED


def test_a_race_caught_by_the_version_column_is_a_conflict_too(desks, monkeypatch):
    """On PostgreSQL another desk can commit between our read and our write; the version column's WHERE then
    matches nothing (StaleDataError). Simulated here by bumping the row behind the ORM's back mid-transaction."""
    zhang, li = desks
    real_find = assignments.find_task
    raced = []

    def find_then_someone_saves(session, code):  # type: ignore[no-untyped-def]
        task = real_find(session, code)
        if not raced:
            raced.append(code)
            session.connection().execute(text("UPDATE task SET leader = '王强', version_id = version_id + 1 "
                                              "WHERE id = :id"), {"id": task.id})
            from zzdesk.services import audit
            audit.record(session, zhang, "task.assign", "task", task.code, {"leader": ("张建国（副市长）", "王强")})
        return task

    monkeypatch.setattr(assignments, "find_task", find_then_someone_saves)
    with pytest.raises(ConflictError) as refused:
        assignments.assign(li, "1.1", AssignmentChange(leader="赵六"))
    # The whole transaction rolled back (the simulated save with it); the refusal still says whose change it was
    # as far as the audit trail knows, and the message is the conflict's, not a crash.
    assert refused.value.message.startswith("保存冲突")
    assert refused.value.changed_by == "测试员"  # the last committed change of 1.1, looked up after the rollback
    assert ledger.task_view(li, "1.1").leader == "张建国（副市长）"


def test_stale_data_becomes_a_conflict_error_in_any_write_session(ctx):
    with pytest.raises(ConflictError, match=store_session.STALE_MESSAGE), write_session(ctx.engine) as session:
        task = session.exec(select(Task).where(Task.code == "1.2")).one()
        session.connection().execute(text("UPDATE task SET version_id = version_id + 1 WHERE id = :id"),
                                     {"id": task.id})
        task.leader = "赵六"
        session.add(task)


WORKER = r"""
import sys, time
from zzdesk.domain.errors import ConflictError
from zzdesk.services import assignments, ledger
from zzdesk.services.context import ServiceContext
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

db = open_database(resolve_target(sys.argv[1]))
name, count = sys.argv[2], int(sys.argv[3])
ctx = ServiceContext(database=db, actor=name)
conflicts = 0
for i in range(count):
    value = f"{name}-{i}"
    while True:
        form = ledger.task_view(ctx, "1.1")  # what the user's form was loaded with
        time.sleep(0.002)  # the user types
        try:
            assignments.assign(ctx, "1.1", assignments.AssignmentChange(leader=value),
                               expected_version=form.version_id)
        except ConflictError:
            conflicts += 1  # 保存冲突 → 重新载入, then try again
            continue
        print("ACK", value, flush=True)
        break
print("CONFLICTS", conflicts, flush=True)
db.close()
"""


def _run_workers(target: str, count: int) -> tuple[list[str], int]:
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, target, name, str(count)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name in ("甲", "乙")]
    outputs = [worker.communicate(timeout=300) for worker in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    acknowledged = [line.split()[1] for out, _ in outputs for line in out.splitlines() if line.startswith("ACK")]
    conflicts = sum(int(line.split()[1]) for out, _ in outputs for line in out.splitlines()
                    if line.startswith("CONFLICTS"))
    return acknowledged, conflicts


def _assert_nothing_lost(ctx, acknowledged: list[str]) -> None:  # type: ignore[no-untyped-def]
    rows = [json.loads(row.changes)["leader"] for row in _audit_rows(ctx, "task.assign", "1.1")
            if row.actor in ("甲", "乙")]
    assert sorted(new for _, new in rows) == sorted(acknowledged)  # every acknowledged change is on record
    for (_, previous), (old, _) in pairwise(rows):
        assert old == previous  # each save was made over the one before it: nothing was silently overwritten
    final = ledger.task_view(ctx, "1.1")
    assert final.leader == rows[-1][1] and final.leader in acknowledged


def test_concurrent_processes_lose_no_acknowledged_change(ctx, desks, db_path: Path):
    count = 40
    acknowledged, conflicts = _run_workers(str(db_path), count)
    assert len(acknowledged) == 2 * count
    assert conflicts > 0  # the two desks did get in each other's way, and each time the user was told
    _assert_nothing_lost(ctx, acknowledged)
    print(f"SQLite: {2 * count} saves acknowledged, {conflicts} conflicts reloaded and retried")


POSTGRES_URL = os.environ.get("ZZDESK_TEST_POSTGRES_URL", "")


@pytest.mark.skipif(not POSTGRES_URL, reason="no PostgreSQL server configured: set ZZDESK_TEST_POSTGRES_URL "
                                             "(CI sets it to the server at 127.0.0.1:5432)")
def test_concurrent_processes_on_postgresql_lose_nothing():
    """On PostgreSQL writers are not serialised: here a save can also lose the race between its version check and
    its UPDATE, which the version column catches (StaleDataError → ConflictError)."""
    name = f"zzdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        database = open_database(resolve_target(url))
        try:
            ctx = make_context(database)
            plan.init_database(ctx)
            assignments.assign(ctx, "1.1", AssignmentChange(lead="市发展改革委", leader="张建国（副市长）"))
            count = 40
            acknowledged, conflicts = _run_workers(url, count)
            assert len(acknowledged) == 2 * count and conflicts > 0
            _assert_nothing_lost(ctx, acknowledged)
            print(f"PostgreSQL: {2 * count} saves acknowledged, {conflicts} conflicts reloaded and retried")
        finally:
            database.close()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
