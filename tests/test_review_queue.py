"""The review queue (审核) and the department services it and the 单位 dialog rely on."""

import json

import pytest
from sqlalchemy import event
from sqlmodel import select

from zzdesk.domain.dates import Period
from zzdesk.domain.errors import NotFoundError, ValidationError
from zzdesk.domain.vocabulary import DepartmentKind, ReviewState, Status
from zzdesk.services import demo, departments, ledger, review_queue, updates
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.updates import UpdateInput
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry


def _all_codes(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.code for g in ledger.plan_view(ctx).groups for m in g.measures for t in (m, *m.items)]


def _log(ctx, code: str, period: str, progress: int, text: str = "按计划推进"):  # type: ignore[no-untyped-def]
    year, month = (int(p) for p in period.split("-"))
    return updates.log_update(ctx, code, UpdateInput(status=Status.ON_TRACK, progress=progress, text=text,
                                                     problems="资金到位偏慢", next_steps="加快推进",
                                                     period=Period(year, month)))


@pytest.fixture
def demo_ctx(ctx):  # type: ignore[no-untyped-def]
    demo.populate_demo(ctx)
    return ctx


@pytest.fixture
def built(ctx):  # type: ignore[no-untyped-def]
    """Hand-built: 1.1 led by 市科技局 (市财政局 co-operates), 1.2 led by 市商务局."""
    assign(ctx, "1.1", AssignmentChange(lead="市科技局", co=["市财政局"]))
    assign(ctx, "1.2", AssignmentChange(lead="市商务局"))
    return ctx


def test_demo_pending_list_is_every_submitted_update_oldest_first(demo_ctx):
    expected = {}
    for code in _all_codes(demo_ctx):
        for update in updates.history(demo_ctx, code):
            if update.review is ReviewState.SUBMITTED:
                expected[update.id] = update
    pending = review_queue.pending_updates(demo_ctx)
    assert expected and {p.id for p in pending} == set(expected)
    assert [p.created_at for p in pending] == sorted(p.created_at for p in pending)
    for item in pending:
        source, task = expected[item.id], ledger.task_view(demo_ctx, item.code)
        assert (item.code, item.period, item.progress, item.text, item.reporter) == (
            source.code, source.period, source.progress, source.text, source.reporter)
        assert item.title == task.title and item.lead == task.lead
        assert item.created_at.tzinfo is not None


def test_demo_previous_progress_is_the_last_accepted_before_the_report(demo_ctx):
    for item in review_queue.pending_updates(demo_ctx):
        accepted = [u for u in updates.history(demo_ctx, item.code)
                    if u.review is ReviewState.ACCEPTED and (u.period, u.id) < (item.period, item.id)]
        expected = max(accepted, key=lambda u: (u.period, u.id)).progress if accepted else None
        assert item.previous_progress == expected


def test_demo_returned_list_follows_returns_and_resubmissions(demo_ctx):
    assert review_queue.returned_updates(demo_ctx) == []  # the demo's returned reports were all sent again
    first = review_queue.pending_updates(demo_ctx)[0]
    updates.review_update(demo_ctx, first.id, accept=False, note="请补充佐证材料")
    returned = review_queue.returned_updates(demo_ctx)
    assert [(r.id, r.code, r.review_note, r.reviewed_by) for r in returned] == [
        (first.id, first.code, "请补充佐证材料", "测试员")]
    assert first.id not in {p.id for p in review_queue.pending_updates(demo_ctx)}
    _log(demo_ctx, first.code, first.period, first.progress, "已补充具体数据")
    assert review_queue.returned_updates(demo_ctx) == []


def test_previous_progress_skips_returned_and_later_reports(built):
    for period, progress in (("2025-08", 30), ("2025-09", 45)):
        updates.review_update(built, _log(built, "1.1", period, progress).id, accept=True)
    sent_back = _log(built, "1.1", "2025-10", 70)
    updates.review_update(built, sent_back.id, accept=False, note="进度与进展情况不符")
    again = _log(built, "1.1", "2025-10", 60, "新开工项目 12 个")
    fresh = _log(built, "1.2", "2025-10", 20)
    pending = review_queue.pending_updates(built)
    assert [(p.code, p.period, p.previous_progress, p.progress) for p in pending] == [
        ("1.1", "2025-10", 45, 60), ("1.2", "2025-10", None, 20)]
    assert pending[0].id == again.id and pending[1].id == fresh.id
    assert pending[0].text == "新开工项目 12 个" and pending[0].problems == "资金到位偏慢"
    assert pending[0].next_steps == "加快推进" and pending[0].lead == "市科技局"
    assert pending[0].status is Status.ON_TRACK and pending[0].status_label == "正常推进"
    assert review_queue.returned_updates(built) == []  # 2025-10 was reported again


def test_a_report_for_another_period_does_not_settle_a_return(built):
    old = _log(built, "1.1", "2025-09", 40)
    updates.review_update(built, old.id, accept=False, note="请说明资金使用情况")
    _log(built, "1.1", "2025-10", 50)
    returned = review_queue.returned_updates(built)
    assert [(r.id, r.period, r.review_note, r.progress) for r in returned] == [
        (old.id, "2025-09", "请说明资金使用情况", 40)]
    assert returned[0].reviewed_at is not None and returned[0].lead == "市科技局"


def test_department_filter_keeps_only_what_it_leads(built):
    _log(built, "1.1", "2025-10", 50)
    _log(built, "1.2", "2025-10", 20)
    assert [p.code for p in review_queue.pending_updates(built, "市科技局")] == ["1.1"]
    assert [p.code for p in review_queue.pending_updates(built, "商务局")] == ["1.2"]  # short name
    assert review_queue.pending_updates(built, "市财政局") == []  # only co-operates on 1.1
    assert len(review_queue.pending_updates(built, "  ")) == 2
    with pytest.raises(NotFoundError, match="不在单位名录"):
        review_queue.pending_updates(built, "市不存在局")
    returned = _log(built, "1.2", "2025-09", 10)
    updates.review_update(built, returned.id, accept=False, note="请补充")
    assert [r.code for r in review_queue.returned_updates(built, "市商务局")] == ["1.2"]
    assert review_queue.returned_updates(built, "市科技局") == []


def test_the_queue_costs_the_same_few_queries_however_long_it_is(demo_ctx):
    statements: list[str] = []

    def count(*args) -> None:  # type: ignore[no-untyped-def]
        statements.append(args[2])

    event.listen(demo_ctx.engine, "before_cursor_execute", count)
    try:
        pending = review_queue.pending_updates(demo_ctx)
        pending_queries = len(statements)
        statements.clear()
        review_queue.returned_updates(demo_ctx)
        returned_queries = len(statements)
    finally:
        event.remove(demo_ctx.engine, "before_cursor_execute", count)
    assert len(pending) > 5
    assert pending_queries <= 3 and returned_queries <= 2


# --- departments: contact, kind, usage --------------------------------------------------------------

def _audit(ctx, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with read_session(ctx.engine) as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()
        return [{"key": r.entity_key, "actor": r.actor, "changes": json.loads(r.changes)} for r in rows]


def test_set_contact_cleans_and_audits(ctx):
    view = departments.set_contact(ctx, "科技局", "  王芳   0371-67180000 ")
    assert view.name == "市科技局" and view.contact == "王芳 0371-67180000"
    listed = {d.name: d.contact for d in departments.list_departments(ctx)}
    assert listed["市科技局"] == "王芳 0371-67180000"
    assert _audit(ctx, "department.contact") == [
        {"key": "市科技局", "actor": "测试员", "changes": {"contact": ["", "王芳 0371-67180000"]}}]
    departments.set_contact(ctx, "市科技局", "王芳 0371-67180000")
    assert len(_audit(ctx, "department.contact")) == 1  # unchanged: nothing to record
    with pytest.raises(ValidationError, match="最多 200 字"):
        departments.set_contact(ctx, "市科技局", "电" * 201)
    with pytest.raises(NotFoundError):
        departments.set_contact(ctx, "市不存在局", "张三")


def test_set_kind_audits_the_change(ctx):
    view = departments.set_kind(ctx, "市科技局", DepartmentKind.OTHER)
    assert view.kind is DepartmentKind.OTHER and view.kind_label == "其他"
    assert {d.name: d.kind for d in departments.list_departments(ctx)}["市科技局"] is DepartmentKind.OTHER
    assert _audit(ctx, "department.kind") == [
        {"key": "市科技局", "actor": "测试员", "changes": {"kind": ["municipal", "other"]}}]


def test_department_usage_counts_lead_and_co_tasks(built):
    assign(built, "2.1", AssignmentChange(lead="市财政局", co=["市科技局"]))
    usage = departments.department_usage(built)
    assert (usage["市科技局"].lead, usage["市科技局"].co) == (1, 1)
    assert (usage["市财政局"].lead, usage["市财政局"].co) == (1, 1)
    assert (usage["市商务局"].lead, usage["市商务局"].co) == (1, 0)
    assert (usage["市教育局"].lead, usage["市教育局"].co) == (0, 0)
    assert set(usage) == {d.name for d in departments.list_departments(built)}
