"""The services as the GUI and the CLI use them: assignments, updates, lights, work items, departments,
the demo data, maintenance and plan import — each checked through what a user would look at."""

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from conftest import SEED_PLAN, TODAY, make_context
from zzdesk.domain.dates import Deadline, Period
from zzdesk.domain.errors import DomainError, NotFoundError, PlanFormatError, StorageError, ValidationError
from zzdesk.domain.vocabulary import Cycle, DepartmentKind, Light, ReviewState, Status
from zzdesk.services import assignments, demo, departments, ledger, maintenance, plan, updates, work_items
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.updates import UpdateInput
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import AuditEntry, Department, StatusUpdate, Task, TaskCoDepartment

LEAD = "市发展改革委"
FULL_ASSIGNMENT = AssignmentChange(lead=LEAD, co=["市财政局", "市科技局"], leader="张三（副市长）",
                                   start=date(2025, 1, 1), deadline=Deadline(date(2026, 12, 31)),
                                   cycle=Cycle.MONTHLY, due_day=10)


# ----------------------------------------------------------------------------------------------- helpers

def _count(ctx, table) -> int:  # type: ignore[no-untyped-def]
    with read_session(ctx.engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def _state(ctx):  # type: ignore[no-untyped-def]
    """Everything a user could see change: the whole ledger and the size of every table written to."""
    counts = tuple(_count(ctx, table) for table in (AuditEntry, StatusUpdate, Task, TaskCoDepartment, Department))
    return ledger.plan_view(ctx), counts


def _audit_rows(ctx, action: str, key: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with read_session(ctx.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action, AuditEntry.entity_key == key)
                                 .order_by(AuditEntry.id)))


def _deactivate(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    with write_session(ctx.engine) as session:
        row = session.exec(select(Department).where(Department.name == name)).one()
        row.active = False
        session.add(row)


def _report(ctx, code: str, status: Status = Status.ON_TRACK, progress: int = 40,  # type: ignore[no-untyped-def]
            period: Period | None = None, text: str = "召开推进会，完成阶段目标。"):
    return updates.log_update(ctx, code, UpdateInput(status=status, progress=progress, text=text, period=period))


SMALL_PLAN = """《测试市国民经济和社会发展规划纲要》实施评估报告

一、总体情况
总体进展良好。

二、重点任务举措
（一）建设创新高地。加快推进创新。一是培育创新主体。支持企业研发；扩大高新技术企业数量。二是建设创新平台。建设实验室。
（二）扩大对外开放。坚持开放发展。一是发展口岸经济。建设口岸体系。

三、保障措施
加强组织领导。
"""


# ----------------------------------------------------------------------------------------------- assign

def test_assign_stores_every_field_and_shows_in_the_ledger(ctx):
    view = assign(ctx, "1.1", FULL_ASSIGNMENT)
    assert view == ledger.task_view(ctx, "1.1")
    assert view.lead == LEAD
    assert set(view.co) == {"市财政局", "市科技局"}
    assert view.leader == "张三（副市长）"
    assert view.start == date(2025, 1, 1)
    assert view.deadline == date(2026, 12, 31)
    assert view.deadline_text == "2026-12-31"
    assert not view.ongoing
    assert view.cycle is Cycle.MONTHLY
    assert view.due_day == 10
    # Only 1.1 was touched.
    assert ledger.task_view(ctx, "1.2").lead is None


def test_partial_change_keeps_the_other_fields(ctx):
    assign(ctx, "1.1", FULL_ASSIGNMENT)
    view = assign(ctx, "1.1", AssignmentChange(leader="李四（副市长）"))
    assert view.leader == "李四（副市长）"
    assert view.lead == LEAD
    assert set(view.co) == {"市财政局", "市科技局"}
    assert (view.start, view.deadline, view.cycle, view.due_day) == (
        date(2025, 1, 1), date(2026, 12, 31), Cycle.MONTHLY, 10)

    view = assign(ctx, "1.1", AssignmentChange(deadline=Deadline(date(2027, 6, 30))))
    assert view.deadline == date(2027, 6, 30)
    assert view.leader == "李四（副市长）"
    assert view.lead == LEAD


def test_co_replaces_the_whole_list(ctx):
    assign(ctx, "1.1", FULL_ASSIGNMENT)
    assert ledger.task_view(ctx, "1.1").co == ("市科技局", "市财政局")  # directory order
    view = assign(ctx, "1.1", AssignmentChange(co=["市商务局"]))
    assert view.co == ("市商务局",)
    view = assign(ctx, "1.1", AssignmentChange(co=[]))
    assert view.co == ()
    assert view.lead == LEAD


def test_ongoing_deadline_shows_changqi(ctx):
    view = assign(ctx, "1.1", AssignmentChange(lead=LEAD, start=date(2025, 1, 1),
                                               deadline=Deadline(None, ongoing=True)))
    assert view.ongoing
    assert view.deadline is None
    assert view.deadline_text == "长期"
    assert view.expected_progress is None
    # Back to a dated deadline: no longer ongoing.
    view = assign(ctx, "1.1", AssignmentChange(deadline=Deadline(date(2026, 6, 30))))
    assert not view.ongoing
    assert view.deadline_text == "2026-06-30"


def test_assign_writes_an_audit_row_with_old_and_new_values(ctx):
    assign(ctx, "1.1", FULL_ASSIGNMENT)
    rows = _audit_rows(ctx, "task.assign", "1.1")
    assert len(rows) == 1
    assert rows[0].actor == ctx.actor
    assert rows[0].entity == "task"
    changes = json.loads(rows[0].changes)
    assert changes == {
        "lead": [None, LEAD],
        "co": [[], ["市科技局", "市财政局"]],
        "leader": ["", "张三（副市长）"],
        "start": [None, "2025-01-01"],
        "deadline": [None, "2026-12-31"],
        "cycle": [None, "monthly"],
        "due_day": [None, 10],
    }

    assign(ctx, "1.1", AssignmentChange(leader="李四", deadline=Deadline(None, ongoing=True)))
    rows = _audit_rows(ctx, "task.assign", "1.1")
    assert len(rows) == 2
    assert json.loads(rows[1].changes) == {"leader": ["张三（副市长）", "李四"], "deadline": ["2026-12-31", "长期"]}


def test_assign_with_nothing_changed_writes_no_audit_row(ctx):
    assign(ctx, "1.1", FULL_ASSIGNMENT)
    before = _count(ctx, AuditEntry)
    assign(ctx, "1.1", AssignmentChange(lead=LEAD))
    assert _count(ctx, AuditEntry) == before


@pytest.mark.parametrize(("code", "change", "error", "words"), [
    ("9.9", AssignmentChange(lead=LEAD), NotFoundError, ["9.9", "不存在"]),
    ("1", AssignmentChange(lead=LEAD), ValidationError, ["任务组"]),
    ("1.1", AssignmentChange(lead="市不存在局"), NotFoundError, ["市不存在局", "不在单位名录"]),
    ("1.1", AssignmentChange(lead=LEAD, co=["市财政局", LEAD]), ValidationError, [LEAD, "牵头单位", "配合单位"]),
    ("1.1", AssignmentChange(lead="发改委", co=[LEAD]), ValidationError, [LEAD, "牵头单位"]),
    ("1.1", AssignmentChange(lead=LEAD, co=["市财政局", "市财政局"]), ValidationError, ["市财政局", "重复"]),
    ("1.1", AssignmentChange(lead=LEAD, co=["市财政局", "财政局"]), ValidationError, ["市财政局", "重复"]),
    ("1.1", AssignmentChange(lead=LEAD, start=date(2026, 1, 1), deadline=Deadline(date(2025, 12, 31))),
     ValidationError, ["2025-12-31", "早于", "2026-01-01"]),
    ("1.1", AssignmentChange(lead=LEAD, due_day=0), ValidationError, ["报送日", "1 到 31"]),
    ("1.1", AssignmentChange(lead=LEAD, due_day=32), ValidationError, ["报送日", "1 到 31"]),
    ("1.1", AssignmentChange(co=["市财政局"]), ValidationError, ["牵头单位"]),
    ("1.1", AssignmentChange(lead="   "), ValidationError, ["牵头单位", "不能为空"]),
], ids=["unknown-code", "group-code", "unknown-department", "lead-also-co", "lead-short-name-also-co",
        "co-twice", "co-twice-by-short-name", "deadline-before-start", "due-day-0", "due-day-32", "co-without-lead",
        "blank-lead"])
def test_bad_assignment_is_refused_and_nothing_is_written(ctx, code, change, error, words):
    before = _state(ctx)
    with pytest.raises(error) as caught:
        assign(ctx, code, change)
    for word in words:
        assert word in caught.value.message
    assert _state(ctx) == before


def test_bad_change_to_an_existing_assignment_keeps_it(ctx):
    assign(ctx, "1.1", FULL_ASSIGNMENT)
    before = _state(ctx)
    with pytest.raises(ValidationError, match="早于开始日期"):
        assign(ctx, "1.1", AssignmentChange(start=date(2027, 1, 1)))
    with pytest.raises(ValidationError, match="已是牵头单位"):
        assign(ctx, "1.1", AssignmentChange(lead="市财政局"))  # currently a co-operating department
    assert _state(ctx) == before


@pytest.mark.parametrize("role", ["lead", "co"])
def test_inactive_department_cannot_be_assigned(ctx, role):
    _deactivate(ctx, "市商务局")
    before = _state(ctx)
    change = AssignmentChange(lead="市商务局") if role == "lead" else AssignmentChange(lead=LEAD, co=["市商务局"])
    with pytest.raises(ValidationError) as caught:
        assign(ctx, "1.1", change)
    assert "市商务局" in caught.value.message
    assert "停用" in caught.value.message
    assert _state(ctx) == before


# ----------------------------------------------------------------------------------------------- updates

@pytest.mark.parametrize(("update", "words"), [
    (UpdateInput(status=Status.ON_TRACK, progress=40, text=""), ["进展情况", "不能为空"]),
    (UpdateInput(status=Status.ON_TRACK, progress=40, text="  \n\t 　"), ["进展情况", "不能为空"]),
    (UpdateInput(status=Status.ON_TRACK, progress=-1, text="有进展"), ["-1", "0 到 100"]),
    (UpdateInput(status=Status.ON_TRACK, progress=101, text="有进展"), ["101", "0 到 100"]),
    (UpdateInput(status=Status.COMPLETED, progress=90, text="基本完成"), ["已完成", "100", "90"]),
    (UpdateInput(status=Status.NOT_STARTED, progress=10, text="尚未开始"), ["未启动", "0"]),
    (UpdateInput(status=Status.ON_TRACK, progress=40, text="有进展", period=Period(2025, 12)), ["2025-12", "还没到"]),
    (UpdateInput(status=Status.ON_TRACK, progress=40, text="有进展", period=Period(2026, 11)), ["2026-11", "还没到"]),
    (UpdateInput(status=Status.ON_TRACK, progress=40, text="长" * 5001), ["进展情况", "过长"]),
], ids=["empty-text", "whitespace-text", "progress-minus-1", "progress-101", "completed-below-100",
        "not-started-above-0", "next-month", "next-year", "text-too-long"])
def test_bad_update_is_refused_and_nothing_is_written(ctx, update, words):
    assign(ctx, "1.1", FULL_ASSIGNMENT)
    before = _state(ctx)
    with pytest.raises(ValidationError) as caught:
        updates.log_update(ctx, "1.1", update)
    for word in words:
        assert word in caught.value.message
    assert _state(ctx) == before
    assert updates.history(ctx, "1.1") == []


def test_update_for_unknown_code_is_refused(ctx):
    before = _state(ctx)
    with pytest.raises(NotFoundError, match=r"9\.9"):
        _report(ctx, "9.9")
    assert _state(ctx) == before


@pytest.mark.parametrize(("value", "words"), [
    (-1, ["-1", "0 到 100"]), (101, ["101", "0 到 100"]), ("abc", ["abc", "不是数字"]), ("12.5", ["12.5", "不是数字"]),
    ("-1", ["-1"]), ("", ["进度"]), (True, ["进度"]),
])
def test_parse_progress_refuses_bad_values(value, words):
    with pytest.raises(ValidationError) as caught:
        updates.parse_progress(value)
    for word in words:
        assert word in caught.value.message


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (100, 100), ("80", 80), (" 80% ", 80), ("８０", 80)])
def test_parse_progress_accepts_what_people_type(value, expected):
    assert updates.parse_progress(value) == expected


def test_current_month_is_a_valid_period(ctx):
    view = _report(ctx, "1.1", period=Period(2025, 11))
    assert view.period == "2025-11"
    assert _report(ctx, "1.1").period == "2025-11"  # default is the current month of the fixed clock


def test_log_update_then_history_newest_first(ctx):
    first = _report(ctx, "1.1", progress=20, period=Period(2025, 9), text="九月进展")
    third = _report(ctx, "1.1", progress=40, period=Period(2025, 11), text="十一月进展")
    second = _report(ctx, "1.1", progress=30, period=Period(2025, 10), text="十月进展")
    again = _report(ctx, "1.1", progress=45, period=Period(2025, 11), text="十一月补充")
    rows = updates.history(ctx, "1.1")
    assert [r.id for r in rows] == [again.id, third.id, second.id, first.id]
    assert [r.text for r in rows] == ["十一月补充", "十一月进展", "十月进展", "九月进展"]
    assert all(r.reporter == ctx.actor for r in rows)
    assert all(r.review is ReviewState.SUBMITTED for r in rows)
    assert all(r.code == "1.1" for r in rows)
    assert rows[0].status is Status.ON_TRACK
    assert rows[0].progress == 45
    assert updates.history(ctx, "1.2") == []
    # The update and its audit row were written together.
    assert len(_audit_rows(ctx, "update.submit", f"1.1@2025-09#{first.id}")) == 1


def test_update_keeps_problems_and_next_steps(ctx):
    updates.log_update(ctx, "1.1", UpdateInput(status=Status.LAGGING, progress=30, text="  推进中  ",
                                               problems="资金不到位", next_steps="加快拨付"))
    (row,) = updates.history(ctx, "1.1")
    assert (row.text, row.problems, row.next_steps) == ("推进中", "资金不到位", "加快拨付")
    assert row.status is Status.LAGGING


def test_review_accept(ctx):
    view = _report(ctx, "1.1")
    reviewed = updates.review_update(ctx, view.id, accept=True)
    assert reviewed.review is ReviewState.ACCEPTED
    assert updates.history(ctx, "1.1")[0].review is ReviewState.ACCEPTED
    with read_session(ctx.engine) as session:
        row = session.get(StatusUpdate, view.id)
        assert row.reviewed_by == ctx.actor
    assert len(_audit_rows(ctx, "update.review", f"1.1@2025-11#{view.id}")) == 1


def test_review_return_needs_a_note(ctx):
    view = _report(ctx, "1.1")
    before = _state(ctx)
    with pytest.raises(ValidationError, match="退回原因"):
        updates.review_update(ctx, view.id, accept=False, note="   ")
    assert _state(ctx) == before
    assert updates.history(ctx, "1.1")[0].review is ReviewState.SUBMITTED

    returned = updates.review_update(ctx, view.id, accept=False, note="请补充数据")
    assert returned.review is ReviewState.RETURNED
    row = updates.history(ctx, "1.1")[0]
    assert row.review is ReviewState.RETURNED
    assert row.review_note == "请补充数据"


@pytest.mark.parametrize("first_accept", [True, False])
def test_reviewing_twice_is_refused(ctx, first_accept):
    view = _report(ctx, "1.1")
    updates.review_update(ctx, view.id, accept=first_accept, note="" if first_accept else "请补充")
    before = _state(ctx)
    for accept in (True, False):
        with pytest.raises(ValidationError, match="不能重复审核"):
            updates.review_update(ctx, view.id, accept=accept, note="再次审核")
    assert _state(ctx) == before


def test_review_of_unknown_update_is_refused(ctx):
    with pytest.raises(NotFoundError, match="#999"):
        updates.review_update(ctx, 999, accept=True)


def test_returned_update_is_not_the_latest_status(ctx):
    assign(ctx, "1.1", FULL_ASSIGNMENT)
    _report(ctx, "1.1", status=Status.ON_TRACK, progress=40, period=Period(2025, 10))
    bad = _report(ctx, "1.1", status=Status.LAGGING, progress=20, period=Period(2025, 11))
    view = ledger.task_view(ctx, "1.1")
    assert (view.status, view.progress, view.last_period, view.light) == (Status.LAGGING, 20, "2025-11", Light.RED)

    updates.review_update(ctx, bad.id, accept=False, note="数据有误")
    view = ledger.task_view(ctx, "1.1")
    assert view.status is Status.ON_TRACK
    assert view.progress == 40
    assert view.last_period == "2025-10"
    assert view.light is not Light.RED
    # The same in the whole-ledger view.
    plan_row = next(m for m in ledger.plan_view(ctx).groups[0].measures if m.code == "1.1")
    assert (plan_row.status, plan_row.progress) == (Status.ON_TRACK, 40)


def test_only_returned_updates_means_no_status(ctx):
    assign(ctx, "1.1", FULL_ASSIGNMENT)
    bad = _report(ctx, "1.1", status=Status.COMPLETED, progress=100)
    assert ledger.task_view(ctx, "1.1").light is Light.DONE
    updates.review_update(ctx, bad.id, accept=False, note="尚未完成")
    view = ledger.task_view(ctx, "1.1")
    assert view.status is None
    assert view.progress is None
    assert view.light is not Light.DONE


# ----------------------------------------------------------------------------------------------- lights

def _assign_dates(ctx, start: date, deadline: date | None, cycle: Cycle | None = None,  # type: ignore[no-untyped-def]
                  ongoing: bool = False):
    return assign(ctx, "1.1", AssignmentChange(lead=LEAD, start=start, deadline=Deadline(deadline, ongoing=ongoing),
                                               cycle=cycle, due_day=5 if cycle else None))


def test_light_unassigned_is_none(ctx):
    view = ledger.task_view(ctx, "1.1")
    assert view.light is Light.NONE
    assert view.lead is None
    # An update alone does not make it assigned.
    _report(ctx, "1.1", progress=10)
    assert ledger.task_view(ctx, "1.1").light is Light.NONE


def test_light_completed_is_done(ctx):
    _assign_dates(ctx, date(2024, 1, 1), date(2025, 6, 30))  # even past its deadline
    _report(ctx, "1.1", status=Status.COMPLETED, progress=100)
    view = ledger.task_view(ctx, "1.1")
    assert view.light is Light.DONE
    assert view.days_overdue == 0


def test_light_past_deadline_is_red_with_days_overdue(ctx):
    _assign_dates(ctx, date(2025, 1, 1), TODAY - timedelta(days=10))
    _report(ctx, "1.1", progress=100 - 1)
    view = ledger.task_view(ctx, "1.1")
    assert view.light is Light.RED
    assert view.days_overdue == 10
    assert any("超期10天" in reason for reason in view.light_reasons)


def test_light_lagging_status_is_red(ctx):
    _assign_dates(ctx, date(2025, 1, 1), date(2027, 12, 31))
    _report(ctx, "1.1", status=Status.LAGGING, progress=50)
    view = ledger.task_view(ctx, "1.1")
    assert view.light is Light.RED
    assert view.days_overdue == 0
    assert any("进度滞后" in reason for reason in view.light_reasons)


@pytest.mark.parametrize("days_left", [0, 1, 30])
def test_light_deadline_within_30_days_is_yellow(ctx, days_left):
    _assign_dates(ctx, date(2025, 1, 1), TODAY + timedelta(days=days_left))
    _report(ctx, "1.1", progress=99)
    view = ledger.task_view(ctx, "1.1")
    assert view.light is Light.YELLOW
    assert any("30" in reason for reason in view.light_reasons)


def test_light_deadline_31_days_away_is_green(ctx):
    _assign_dates(ctx, date(2025, 1, 1), TODAY + timedelta(days=31))
    _report(ctx, "1.1", progress=99)
    assert ledger.task_view(ctx, "1.1").light is Light.GREEN


def test_light_behind_expected_progress_is_yellow(ctx):
    view = _assign_dates(ctx, date(2025, 1, 1), date(2026, 12, 31))
    expected = view.expected_progress
    assert expected == 44  # 324 of 730 days elapsed on 2025-11-20
    _report(ctx, "1.1", progress=expected - 15)
    view = ledger.task_view(ctx, "1.1")
    assert view.light is Light.YELLOW
    assert any("落后序时进度" in reason for reason in view.light_reasons)

    _report(ctx, "1.1", progress=expected - 5)  # a later entry for the same period wins
    assert ledger.task_view(ctx, "1.1").light is Light.GREEN


def test_light_missing_monthly_report_is_yellow(ctx):
    _assign_dates(ctx, date(2025, 1, 1), date(2026, 12, 31), cycle=Cycle.MONTHLY)
    # September was reported, October (due 2025-11-05) was not.
    _report(ctx, "1.1", progress=44, period=Period(2025, 9))
    view = ledger.task_view(ctx, "1.1")
    assert view.light is Light.YELLOW
    assert any("未报送" in reason for reason in view.light_reasons)

    _report(ctx, "1.1", progress=45, period=Period(2025, 10))
    view = ledger.task_view(ctx, "1.1")
    assert view.light is Light.GREEN
    assert view.light_reasons == ()


def test_light_report_not_yet_due_is_not_missing(ctx):
    # Due on the 25th: on 2025-11-20 the October report is not due yet, September's was reported.
    assign(ctx, "1.1", AssignmentChange(lead=LEAD, start=date(2025, 1, 1), deadline=Deadline(date(2026, 12, 31)),
                                        cycle=Cycle.MONTHLY, due_day=25))
    _report(ctx, "1.1", progress=44, period=Period(2025, 9))
    assert ledger.task_view(ctx, "1.1").light is Light.GREEN


def test_light_returned_report_counts_as_missing(ctx):
    _assign_dates(ctx, date(2025, 1, 1), date(2026, 12, 31), cycle=Cycle.MONTHLY)
    _report(ctx, "1.1", progress=44, period=Period(2025, 9))
    october = _report(ctx, "1.1", progress=45, period=Period(2025, 10))
    assert ledger.task_view(ctx, "1.1").light is Light.GREEN
    updates.review_update(ctx, october.id, accept=False, note="请重新报送")
    assert ledger.task_view(ctx, "1.1").light is Light.YELLOW


def test_light_on_track_is_green(ctx):
    view = _assign_dates(ctx, date(2025, 1, 1), date(2026, 12, 31), cycle=Cycle.MONTHLY)
    _report(ctx, "1.1", progress=view.expected_progress, period=Period(2025, 10))
    view = ledger.task_view(ctx, "1.1")
    assert view.light is Light.GREEN
    assert view.light_reasons == ()
    assert view.days_overdue == 0


def test_light_ongoing_task_is_green(ctx):
    _assign_dates(ctx, date(2025, 1, 1), None, ongoing=True)
    _report(ctx, "1.1", status=Status.ONGOING, progress=30)
    view = ledger.task_view(ctx, "1.1")
    assert view.light is Light.GREEN
    assert view.deadline_text == "长期"


def test_lights_follow_the_clock(database):
    """The same ledger read on another day: the deadline of 2025-12-31 is yellow in December, red in January."""
    ctx = make_context(database)
    plan.init_database(ctx)
    _assign_dates(ctx, date(2025, 1, 1), date(2025, 12, 31))
    _report(ctx, "1.1", progress=95)
    assert ledger.task_view(ctx, "1.1").light is Light.GREEN
    assert ledger.task_view(make_context(database, date(2025, 12, 15)), "1.1").light is Light.YELLOW
    later = ledger.task_view(make_context(database, date(2026, 1, 5)), "1.1")
    assert later.light is Light.RED
    assert later.days_overdue == 5


# ----------------------------------------------------------------------------------------------- work items

def test_accept_suggestions_creates_coded_work_items(ctx):
    suggestions = plan.suggested_work_items(ctx, "1.1")
    assert len(suggestions) >= 2
    codes = work_items.accept_suggestions(ctx, "1.1", [1, 2])
    assert codes == ["1.1.1", "1.1.2"]
    view = ledger.task_view(ctx, "1.1")
    assert [item.code for item in view.items] == ["1.1.1", "1.1.2"]
    assert [item.title for item in view.items] == suggestions[:2]
    assert all(item.kind == "work_item" for item in view.items)
    assert ledger.task_view(ctx, "1.1.2").title == suggestions[1]
    # Also visible in the whole ledger.
    measure = next(m for m in ledger.plan_view(ctx).groups[0].measures if m.code == "1.1")
    assert [item.code for item in measure.items] == ["1.1.1", "1.1.2"]


def test_removed_work_item_code_is_never_reused(ctx):
    work_items.accept_suggestions(ctx, "1.1", [1, 2])
    work_items.remove_work_item(ctx, "1.1.2")
    assert [item.code for item in ledger.task_view(ctx, "1.1").items] == ["1.1.1"]
    with pytest.raises(NotFoundError):
        ledger.task_view(ctx, "1.1.2")
    assert work_items.add_work_item(ctx, "1.1", "新增的具体任务") == "1.1.3"
    assert [item.code for item in ledger.task_view(ctx, "1.1").items] == ["1.1.1", "1.1.3"]
    # Other measures number from 1.
    assert work_items.add_work_item(ctx, "1.2", "另一项任务") == "1.2.1"


def test_removing_every_work_item_still_does_not_reuse_codes(ctx):
    work_items.add_work_item(ctx, "1.1", "甲")
    work_items.add_work_item(ctx, "1.1", "乙")
    work_items.remove_work_item(ctx, "1.1.2")
    work_items.remove_work_item(ctx, "1.1.1")
    assert ledger.task_view(ctx, "1.1").items == ()
    assert work_items.add_work_item(ctx, "1.1", "丙") == "1.1.3"


def test_work_item_with_updates_cannot_be_removed(ctx):
    work_items.accept_suggestions(ctx, "1.1", [1])
    _report(ctx, "1.1.1")
    before = _state(ctx)
    with pytest.raises(ValidationError) as caught:
        work_items.remove_work_item(ctx, "1.1.1")
    assert "1.1.1" in caught.value.message
    assert "进展报送" in caught.value.message
    assert _state(ctx) == before
    assert ledger.task_view(ctx, "1.1.1").code == "1.1.1"


def test_a_measure_cannot_be_removed(ctx):
    before = _state(ctx)
    with pytest.raises(ValidationError, match="举措"):
        work_items.remove_work_item(ctx, "1.1")
    assert _state(ctx) == before


def test_a_work_item_cannot_have_work_items(ctx):
    work_items.add_work_item(ctx, "1.1", "开展项目谋划储备")
    before = _state(ctx)
    with pytest.raises(ValidationError) as caught:
        work_items.add_work_item(ctx, "1.1.1", "再分解一层")
    assert "1.1.1" in caught.value.message
    assert "具体任务" in caught.value.message
    with pytest.raises(ValidationError, match="具体任务"):
        plan.suggested_work_items(ctx, "1.1.1")
    with pytest.raises(DomainError):
        work_items.accept_suggestions(ctx, "1.1.1", [1])
    assert _state(ctx) == before


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_work_item_title_cannot_be_empty(ctx, title):
    before = _state(ctx)
    with pytest.raises(ValidationError, match="不能为空"):
        work_items.add_work_item(ctx, "1.1", title)
    assert _state(ctx) == before


@pytest.mark.parametrize("numbers", [[], [0], [999]])
def test_accept_suggestions_refuses_bad_numbers(ctx, numbers):
    before = _state(ctx)
    with pytest.raises(ValidationError, match="建议序号"):
        work_items.accept_suggestions(ctx, "1.1", numbers)
    assert _state(ctx) == before


def test_work_item_can_be_assigned_and_reported(ctx):
    work_items.add_work_item(ctx, "1.1", "开展项目谋划储备")
    view = assign(ctx, "1.1.1", AssignmentChange(lead="市财政局", deadline=Deadline(date(2026, 6, 30))))
    assert view.lead == "市财政局"
    _report(ctx, "1.1.1", progress=50)
    assert ledger.task_view(ctx, "1.1").items[0].progress == 50


# ----------------------------------------------------------------------------------------------- departments

def test_add_department_appears_in_the_list(ctx):
    count = len(departments.list_departments(ctx))
    row = departments.add_department(ctx, " 市低空经济  发展中心 ", DepartmentKind.OTHER, short_name="低空中心")
    assert row.name == "市低空经济 发展中心"
    rows = departments.list_departments(ctx)
    assert len(rows) == count + 1
    added = rows[-1]
    assert (added.name, added.short_name, added.kind, added.active) == (
        "市低空经济 发展中心", "低空中心", DepartmentKind.OTHER, True)
    assert len(_audit_rows(ctx, "department.add", "市低空经济 发展中心")) == 1


@pytest.mark.parametrize("name", ["市财政局", " 市财政局 ", "财政局"])
def test_duplicate_department_is_refused(ctx, name):
    before = _state(ctx)
    with pytest.raises(ValidationError, match="已存在"):
        departments.add_department(ctx, name)
    assert _state(ctx) == before


def test_short_name_already_used_by_another_department_is_refused(ctx):
    # "财政局" already resolves to 市财政局: a second department with that short name could never be picked by it,
    # and `assign --lead 财政局` would silently keep choosing 市财政局.
    before = _state(ctx)
    with pytest.raises(ValidationError) as caught:
        departments.add_department(ctx, "市低空经济发展中心", DepartmentKind.OTHER, short_name="财政局")
    assert "财政局" in caught.value.message
    assert _state(ctx) == before


@pytest.mark.parametrize(("name", "words"), [("", "不能为空"), ("  ", "不能为空"), ("局" * 101, "过长")])
def test_bad_department_name_is_refused(ctx, name, words):
    before = _state(ctx)
    with pytest.raises(ValidationError, match=words):
        departments.add_department(ctx, name)
    assert _state(ctx) == before


def test_assign_resolves_short_names(ctx):
    view = assign(ctx, "1.1", AssignmentChange(lead="发改委", co=["财政局", "科技局"]))
    assert view.lead == LEAD
    assert view.co == ("市科技局", "市财政局")


def test_new_department_can_be_assigned_by_its_short_name(ctx):
    departments.add_department(ctx, "市低空经济发展中心", DepartmentKind.OTHER, short_name="低空中心")
    assert assign(ctx, "1.1", AssignmentChange(lead="低空中心")).lead == "市低空经济发展中心"


def test_inactive_departments_are_listed_but_can_be_filtered(ctx):
    _deactivate(ctx, "市商务局")
    every = departments.list_departments(ctx)
    active = departments.list_departments(ctx, include_inactive=False)
    assert next(d for d in every if d.name == "市商务局").active is False
    assert "市商务局" not in {d.name for d in active}
    assert len(active) == len(every) - 1


# ----------------------------------------------------------------------------------------------- demo

def _demo_ctx(tmp_path: Path, name: str):  # type: ignore[no-untyped-def]
    database = open_database(resolve_target(str(tmp_path / name)))
    ctx = make_context(database)
    plan.init_database(ctx)
    return ctx


def test_demo_assigns_every_measure_with_a_mix_of_lights(ctx):
    written = demo.populate_demo(ctx)
    assert written > 0
    assert _count(ctx, StatusUpdate) == written
    view = ledger.plan_view(ctx)
    measures = [m for g in view.groups for m in g.measures]
    assert len(measures) == 33
    assert all(m.lead for m in measures)
    assert all(m.lead not in m.co for m in measures)
    lights = {m.light for m in measures}
    assert {Light.GREEN, Light.YELLOW, Light.RED, Light.DONE} <= lights
    assert Light.NONE not in lights
    # Some measures are split into work items that are themselves assigned.
    items = [item for m in measures for item in m.items]
    assert items
    assert all(item.lead for item in items)
    assert maintenance.check(ctx).ok


def test_demo_is_deterministic_for_the_same_day(tmp_path):
    first, second = _demo_ctx(tmp_path, "a.sqlite3"), _demo_ctx(tmp_path, "b.sqlite3")
    try:
        assert demo.populate_demo(first) == demo.populate_demo(second)
        assert ledger.plan_view(first) == ledger.plan_view(second)
        assert updates.history(first, "1.1") == updates.history(second, "1.1")
    finally:
        first.database.close()
        second.database.close()


def test_demo_twice_on_the_same_database_is_refused(ctx):
    demo.populate_demo(ctx)
    before = _state(ctx)
    with pytest.raises(ValidationError) as caught:
        demo.populate_demo(ctx)
    assert "演示数据" in caught.value.message
    assert _state(ctx) == before


def test_demo_is_refused_once_something_is_assigned(ctx):
    assign(ctx, "1.1", AssignmentChange(lead=LEAD))
    before = _state(ctx)
    with pytest.raises(ValidationError, match="新数据库"):
        demo.populate_demo(ctx)
    assert _state(ctx) == before


# ----------------------------------------------------------------------------------------------- maintenance

def test_check_is_ok_on_a_fresh_database(ctx):
    report = maintenance.check(ctx)
    assert report.ok
    assert report.problems == []
    assert report.counts == {"任务组": 8, "举措": 33, "具体任务": 0, "单位": 72}
    assert any(line.endswith(": ok") or line.endswith("连接正常") for line in report.storage), report.storage


def test_check_is_ok_on_a_demo_database(ctx):
    demo.populate_demo(ctx)
    report = maintenance.check(ctx)
    assert report.ok, report.problems
    assert report.counts["具体任务"] > 0


def _raw(db_path: Path, sql: str, *params) -> None:  # type: ignore[no-untyped-def]
    connection = sqlite3.connect(db_path)
    try:
        with connection:
            connection.execute(sql, params)
    finally:
        connection.close()


def test_check_reports_lead_listed_as_co(ctx, db_path):
    assign(ctx, "1.1", AssignmentChange(lead=LEAD, co=["市财政局"]))
    _raw(db_path, "INSERT INTO task_co_department (task_id, department_id) "
         "SELECT t.id, t.lead_department_id FROM task t WHERE t.code = '1.1'")
    report = maintenance.check(ctx)
    assert not report.ok
    assert any("1.1" in p and "牵头单位同时被列为配合单位" in p for p in report.problems)


@pytest.mark.parametrize(("sql", "words"), [
    ("UPDATE task SET deadline = '2024-01-01', start_date = '2025-01-01' WHERE code = '1.2'", "早于开始日期"),
    ("UPDATE task SET ongoing = 1, deadline = '2026-01-01' WHERE code = '1.2'", "长期"),
    ("UPDATE task SET code = '1.9' WHERE code = '1.2'", "与其位置不符"),
    ("UPDATE task SET cycle = 'weekly' WHERE code = '1.2'", "报送周期"),
])
def test_check_reports_broken_task_rows(ctx, db_path, sql, words):
    _raw(db_path, sql)
    report = maintenance.check(ctx)
    assert not report.ok
    assert any(words in p for p in report.problems), report.problems


def test_check_reports_bad_update_rows(ctx, db_path):
    _report(ctx, "1.1")
    _raw(db_path, "UPDATE status_update SET progress = 150, period = '2025-13'")
    problems = maintenance.check(ctx).problems
    assert any("150" in p for p in problems)
    assert any("2025-13" in p for p in problems)


@pytest.mark.sqlite_only("a backup is an SQLite copy; a server is backed up with pg_dump")
def test_backup_is_a_complete_sqlite_copy(ctx, tmp_path):
    assign(ctx, "1.1", FULL_ASSIGNMENT)
    work_items.add_work_item(ctx, "1.1", "开展项目谋划储备")
    out = tmp_path / "backups" / "copy.sqlite3"
    assert maintenance.backup(ctx, out) == out.resolve()
    assert out.is_file()
    assert not out.with_name(out.name + ".part").exists()
    connection = sqlite3.connect(out)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*) FROM task").fetchone() == (34,)
        assert connection.execute("SELECT count(*) FROM task_co_department").fetchone() == (2,)
    finally:
        connection.close()
    assert _count(ctx, Task) == 34
    # The backup opens as a zzdesk database with the same ledger.
    copy = open_database(resolve_target(str(out)))
    try:
        assert ledger.task_view(make_context(copy), "1.1") == ledger.task_view(ctx, "1.1")
    finally:
        copy.close()


def test_backup_default_path_is_next_to_the_database(ctx, db_path):
    path = maintenance.backup(ctx)
    assert path.parent == db_path.parent.resolve() / "backups"
    assert path.is_file()


@pytest.mark.sqlite_only("a backup is an SQLite copy; a server is backed up with pg_dump")
def test_backup_onto_an_existing_file_is_refused(ctx, tmp_path):
    out = tmp_path / "existing.sqlite3"
    out.write_bytes(b"keep me")
    with pytest.raises(StorageError) as caught:
        maintenance.backup(ctx, out)
    assert "已存在" in caught.value.message
    assert out.read_bytes() == b"keep me"


# ----------------------------------------------------------------------------------------------- import_plan

def test_import_replaces_an_untouched_plan(ctx, tmp_path):
    source = tmp_path / "small-plan.txt"
    source.write_text(SMALL_PLAN, encoding="utf-8")
    result = plan.import_plan(ctx, source)
    assert result.replaced
    assert (result.groups, result.measures) == (2, 3)
    assert result.departments_added == 0
    view = ledger.plan_view(ctx)
    assert view.title == "《测试市国民经济和社会发展规划纲要》实施评估报告"
    assert view.source_name == "small-plan.txt"
    assert [g.title for g in view.groups] == ["建设创新高地", "扩大对外开放"]
    assert [m.code for g in view.groups for m in g.measures] == ["1.1", "1.2", "2.1"]
    assert view.groups[0].measures[0].title == "培育创新主体"
    with pytest.raises(NotFoundError):
        ledger.task_view(ctx, "3.1")
    assert len(departments.list_departments(ctx)) == 72
    assert maintenance.check(ctx).ok


def test_import_into_a_new_database_loads_plan_and_departments(database, tmp_path):
    ctx = make_context(database)
    source = tmp_path / "small-plan.txt"
    source.write_text(SMALL_PLAN, encoding="utf-8")
    result = plan.import_plan(ctx, source)
    assert not result.replaced
    assert result.departments_added == 72
    assert sum(len(g.measures) for g in ledger.plan_view(ctx).groups) == 3


@pytest.mark.parametrize("touch", ["assigned", "reported", "split"])
def test_import_is_refused_once_the_ledger_is_used(ctx, tmp_path, touch):
    if touch == "assigned":
        assign(ctx, "2.3", AssignmentChange(lead=LEAD))
    elif touch == "reported":
        _report(ctx, "2.3")
    else:
        work_items.add_work_item(ctx, "2.3", "开展调研")
    source = tmp_path / "small-plan.txt"
    source.write_text(SMALL_PLAN, encoding="utf-8")
    before = _state(ctx)
    with pytest.raises(ValidationError) as caught:
        plan.import_plan(ctx, source)
    assert "不能替换" in caught.value.message
    assert _state(ctx) == before


def _write_bad_plan(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"bad-{kind}.txt"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "blank":
        path.write_text(" \r\n\r\n  \n", encoding="utf-8")
    elif kind == "binary":
        path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4)
    elif kind == "no-section":
        path.write_text("《某规划纲要》\n\n一、总体情况\n进展良好。\n\n二、保障措施\n加强领导。\n", encoding="utf-8")
    elif kind == "no-groups":
        path.write_text("《某规划纲要》\n\n一、重点任务举措\n要加快推进各项工作。\n", encoding="utf-8")
    elif kind == "folder":
        path.mkdir()
    # "missing": never created
    return path


@pytest.mark.parametrize(("kind", "error", "words"), [
    ("empty", ValidationError, ["是空的"]),
    ("blank", ValidationError, ["是空的"]),
    ("binary", ValidationError, ["不是文本文件"]),
    ("no-section", PlanFormatError, ["重点任务"]),
    ("no-groups", PlanFormatError, ["任务组"]),
    ("missing", ValidationError, ["找不到文件"]),
    ("folder", ValidationError, ["文件夹"]),
])
def test_malformed_plan_file_is_refused_and_nothing_changes(ctx, tmp_path, kind, error, words):
    path = _write_bad_plan(tmp_path, kind)
    before = _state(ctx)
    with pytest.raises(error) as caught:
        plan.import_plan(ctx, path)
    assert isinstance(caught.value, DomainError)
    for word in words:
        assert word in caught.value.message
    assert _state(ctx) == before


def test_malformed_plan_file_into_an_empty_database_leaves_it_empty(database, tmp_path):
    ctx = make_context(database)
    with pytest.raises(PlanFormatError):
        plan.import_plan(ctx, _write_bad_plan(tmp_path, "no-section"))
    with pytest.raises(NotFoundError, match="还没有规划"):
        ledger.plan_view(ctx)
    assert _count(ctx, Department) == 0
    assert _count(ctx, AuditEntry) == 0


def test_gbk_copy_of_the_real_plan_imports_like_the_original(ctx, tmp_path):
    original = ledger.plan_view(ctx)
    text = SEED_PLAN.read_text(encoding="utf-8")
    # As Notepad's "ANSI" on Chinese Windows saves it: GBK, the one character GBK lacks (•) becomes "?".
    data = text.replace("\n", "\r\n").encode("gbk", errors="replace")
    source = tmp_path / "规划-gbk.txt"
    source.write_bytes(data)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = plan.import_plan(ctx, source)
    assert result.replaced
    assert (result.groups, result.measures) == (8, 33)
    imported = ledger.plan_view(ctx)
    assert imported.title == original.title
    assert imported.section_title == original.section_title
    assert [(g.code, g.title) for g in imported.groups] == [(g.code, g.title) for g in original.groups]
    assert [(m.code, m.title, m.text) for g in imported.groups for m in g.measures] == [
        (m.code, m.title, m.text) for g in original.groups for m in g.measures]
    assert imported.groups[0].measures[0].title == "紧盯项目扩投资"


def test_codes_typed_with_full_width_digits_find_the_task_and_garbage_is_refused(ctx):
    assert ledger.task_view(ctx, "１．２").code == "1.2"
    with pytest.raises(ValidationError, match="格式不对"):
        ledger.task_view(ctx, "第一项")
    with pytest.raises(ValidationError, match="任务组编号"):
        ledger.task_view(ctx, "３")


def test_text_with_a_nul_character_is_refused_alike_on_every_engine(ctx):
    """PostgreSQL cannot store NUL in text, SQLite can: both refuse it with the same message and change nothing."""
    with pytest.raises(ValidationError, match="含有不可见的空字符（NUL"):
        departments.set_contact(ctx, "市科技局", "张三\x00 13800000000")
    assert departments.list_departments(ctx)[0].contact == ""
    assigned = assignments.assign(ctx, "1.1", assignments.AssignmentChange(lead="市发展改革委"))
    with pytest.raises(ValidationError, match="含有不可见的空字符（NUL"):
        updates.log_update(ctx, assigned.code, updates.UpdateInput(status=Status.ON_TRACK, progress=10,
                                                                   text="复制来的\x00文字"))
    assert updates.history(ctx, "1.1") == []
