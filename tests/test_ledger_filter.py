"""The ledger filter bar: which rows a clerk sees for each setting, alone and combined."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import Light, Status
from zzdesk.services import ledger
from zzdesk.services.demo import populate_demo
from zzdesk.services.ledger_filter import LedgerFilter, filter_tasks, matches
from zzdesk.services.views import TaskView

TODAY = date(2025, 11, 20)


def row(code: str = "1.1", *, title: str = "紧盯项目扩投资", text: str = "强化要素保障，扩大有效投资。",
        lead: str | None = "市发展改革委", co: tuple[str, ...] = ("市财政局",),
        leader: str = "张建国（常务副市长）", deadline: date | None = date(2026, 6, 30),
        status: Status | None = Status.ON_TRACK, light: Light = Light.GREEN,
        reasons: tuple[str, ...] = (), missing: bool = False) -> TaskView:
    return TaskView(code=code, kind="work_item" if code.count(".") == 2 else "measure", title=title, text=text,
                    lead=lead, co=co, leader=leader, start=date(2025, 1, 1), deadline=deadline,
                    ongoing=deadline is None, cycle=None, due_day=None, status=status, progress=50,
                    expected_progress=50, light=light, light_reasons=reasons, days_overdue=0, last_period=None,
                    report_missing=missing)


def codes(tasks: list[TaskView], flt: LedgerFilter, today: date = TODAY) -> list[str]:
    return [t.code for t in filter_tasks(tasks, flt, today)]


# --- empty filter ------------------------------------------------------------------------


def test_an_empty_filter_shows_every_row_in_the_given_order():
    tasks = [row("3.1"), row("1.2"), row("1.2.1"), row("2.5")]
    flt = LedgerFilter()
    assert flt.is_empty()
    assert codes(tasks, flt) == ["3.1", "1.2", "1.2.1", "2.5"]
    assert LedgerFilter(text="  \u3000 ", department="  ").is_empty()


@pytest.mark.parametrize("flt", [
    LedgerFilter(text="投资"), LedgerFilter(department="市财政局"), LedgerFilter(statuses=frozenset({Status.LAGGING})),
    LedgerFilter(lights=frozenset({Light.RED})), LedgerFilter(group="1"), LedgerFilter(measure="1.2"),
    LedgerFilter(due_within_days=0), LedgerFilter(overdue_only=True), LedgerFilter(report_missing_only=True),
])
def test_any_criterion_makes_the_filter_non_empty(flt):
    assert not flt.is_empty()


def test_matching_rows_keep_their_order():
    tasks = [row("2.1", title="乙"), row("1.1", title="甲"), row("1.3", title="丙"), row("1.2", title="丁")]
    assert codes(tasks, LedgerFilter(text="投资")) == ["2.1", "1.1", "1.3", "1.2"]
    assert codes(tasks, LedgerFilter(text="丁")) == ["1.2"]
    assert codes([row("2.1", lead="市财政局"), *tasks], LedgerFilter(department="市发展改革委")) == [
        "2.1", "1.1", "1.3", "1.2"]


# --- free text ----------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "field"), [
    ("4.2.1", {"code": "4.2.1"}), ("数字经济", {"title": "发展数字经济"}),
    ("算力中心", {"text": "建设城市算力中心。"}), ("市科技局", {"lead": "市科技局"}),
    ("市数据局", {"co": ("市财政局", "市数据局")}), ("李华", {"leader": "李华（副市长）"}),
])
def test_text_is_found_in_code_title_text_lead_co_and_leader(word, field):
    hit = row("4.2.1" if "code" in field else "9.9", **{k: v for k, v in field.items() if k != "code"})
    miss = row("9.8")
    assert codes([miss, hit], LedgerFilter(text=word)) == [hit.code]


def test_every_word_must_be_found_each_anywhere():
    both = row("1.1", title="紧盯项目扩投资", co=("市财政局",))
    only_title = row("1.2", title="紧盯项目扩投资", co=("市商务局",))
    assert codes([both, only_title], LedgerFilter(text=" 投资   市财政局 ")) == ["1.1"]
    # A full-width space (全角空格) separates words too.
    assert codes([both, only_title], LedgerFilter(text="投资\u3000市财政局")) == ["1.1"]


def test_a_word_does_not_match_across_two_fields():
    task = row(lead="市发展改革委", co=("市财政局",))
    assert not matches(task, LedgerFilter(text="改革委市财政"), TODAY)


def test_text_ignores_case_and_full_width_letters_and_digits():
    gdp = row("2.3", text="全市GDP增长6%。")
    ppp = row("2.4", text="推广ＰＰＰ模式，２０２５年底前完成。")
    other = row("2.5", text="优化营商环境。")
    tasks = [gdp, ppp, other]
    assert codes(tasks, LedgerFilter(text="gdp")) == ["2.3"]
    assert codes(tasks, LedgerFilter(text="ｇｄｐ")) == ["2.3"]
    assert codes(tasks, LedgerFilter(text="Ppp 2025")) == ["2.4"]
    assert codes(tasks, LedgerFilter(text="２．３")) == ["2.3"]
    assert codes(tasks, LedgerFilter(text="模式 ppp")) == ["2.4"]
    assert codes(tasks, LedgerFilter(text="模式 gdp")) == []
    assert codes(tasks, LedgerFilter(text="增长 GDP")) == ["2.3"]


def test_text_with_other_cased_letters_still_matches_as_typed():
    water = row("5.2", text="国控断面水质稳定达到地表水Ⅲ类标准。")
    assert codes([water, row("5.3")], LedgerFilter(text="Ⅲ类")) == ["5.2"]
    assert codes([water, row("5.3")], LedgerFilter(text="ⅲ类 水质")) == ["5.2"]


# --- department, status, light ------------------------------------------------------------


def test_department_is_the_lead_or_a_co_department_by_exact_name():
    leads = row("1.1", lead="市财政局", co=())
    helps = row("1.2", lead="市商务局", co=("市交通运输局", "市财政局"))
    neither = row("1.3", lead="市商务局", co=("市财政局驻郑办",))
    unassigned = row("1.4", lead=None, co=())
    tasks = [leads, helps, neither, unassigned]
    assert codes(tasks, LedgerFilter(department="市财政局")) == ["1.1", "1.2"]
    assert codes(tasks, LedgerFilter(department=" 市财政局 ")) == ["1.1", "1.2"]
    assert codes(tasks, LedgerFilter(department="财政局")) == []


def test_statuses_keep_rows_with_any_chosen_status_and_never_unreported_ones():
    tasks = [row("1.1", status=Status.ON_TRACK), row("1.2", status=Status.LAGGING),
             row("1.3", status=None), row("1.4", status=Status.NOT_STARTED)]
    flt = LedgerFilter(statuses=frozenset({Status.LAGGING, Status.NOT_STARTED}))
    assert codes(tasks, flt) == ["1.2", "1.4"]
    assert codes(tasks, LedgerFilter(statuses={Status.ON_TRACK})) == ["1.1"]  # a plain set is accepted


def test_lights_keep_rows_with_any_chosen_light():
    tasks = [row("1.1", light=Light.GREEN), row("1.2", light=Light.RED), row("1.3", light=Light.YELLOW),
             row("1.4", light=Light.NONE)]
    assert codes(tasks, LedgerFilter(lights=frozenset({Light.RED, Light.YELLOW}))) == ["1.2", "1.3"]
    assert codes(tasks, LedgerFilter(lights=frozenset({Light.NONE}))) == ["1.4"]


# --- group and measure --------------------------------------------------------------------


def test_group_holds_its_measures_and_items_but_not_a_group_sharing_its_first_digit():
    tasks = [row("1.2"), row("1.2.3"), row("10.1"), row("10.1.1"), row("2.1"), row("1.10")]
    assert codes(tasks, LedgerFilter(group="1")) == ["1.2", "1.2.3", "1.10"]
    assert codes(tasks, LedgerFilter(group="10")) == ["10.1", "10.1.1"]
    assert codes(tasks, LedgerFilter(group="１")) == ["1.2", "1.2.3", "1.10"]


def test_measure_holds_itself_and_its_work_items_only():
    tasks = [row("1.2"), row("1.2.1"), row("1.2.12"), row("1.20"), row("1.20.1"), row("11.2"), row("1.3")]
    assert codes(tasks, LedgerFilter(measure="1.2")) == ["1.2", "1.2.1", "1.2.12"]
    assert codes(tasks, LedgerFilter(measure="１．２")) == ["1.2", "1.2.1", "1.2.12"]
    # The navigation tree passes a work item's code the same way: then just that item.
    assert codes(tasks, LedgerFilter(measure="1.2.1")) == ["1.2.1"]


@pytest.mark.parametrize("kwargs", [{"group": "1.2"}, {"group": "甲"}, {"measure": "1"}, {"measure": "1.2.3.4"},
                                    {"measure": "0.1"}, {"due_within_days": -1}])
def test_impossible_settings_are_refused_with_a_message(kwargs):
    with pytest.raises(ValidationError):
        LedgerFilter(**kwargs)


# --- dates ---------------------------------------------------------------------------------


def test_due_within_days_counts_today_through_the_last_day_for_open_dated_tasks():
    tasks = [row("1.1", deadline=TODAY), row("1.2", deadline=TODAY + timedelta(days=30)),
             row("1.3", deadline=TODAY + timedelta(days=31)), row("1.4", deadline=TODAY - timedelta(days=1)),
             row("1.5", deadline=None), row("1.6", deadline=TODAY + timedelta(days=3), status=None)]
    assert codes(tasks, LedgerFilter(due_within_days=30)) == ["1.1", "1.2", "1.6"]
    assert codes(tasks, LedgerFilter(due_within_days=0)) == ["1.1"]


def test_overdue_is_past_the_deadline_even_without_a_lead():
    tasks = [row("1.1", deadline=TODAY - timedelta(days=1), light=Light.RED),
             row("1.2", deadline=TODAY), row("1.3", deadline=None),
             row("1.4", lead=None, status=None, deadline=TODAY - timedelta(days=40), light=Light.NONE)]
    assert codes(tasks, LedgerFilter(overdue_only=True)) == ["1.1", "1.4"]


def test_a_completed_task_past_its_deadline_is_neither_overdue_nor_due_soon():
    for deadline in (TODAY - timedelta(days=10), TODAY, TODAY + timedelta(days=5)):
        done = row("1.1", status=Status.COMPLETED, light=Light.DONE, deadline=deadline)
        assert not matches(done, LedgerFilter(overdue_only=True), TODAY)
        assert not matches(done, LedgerFilter(due_within_days=30), TODAY)


def test_the_today_given_decides_not_the_day_the_row_was_built():
    task = row(deadline=date(2025, 12, 1))
    assert matches(task, LedgerFilter(due_within_days=10), date(2025, 11, 25))
    assert not matches(task, LedgerFilter(due_within_days=10), TODAY)
    assert matches(task, LedgerFilter(overdue_only=True), date(2025, 12, 2))


# --- missing report -------------------------------------------------------------------------


def test_report_missing_keeps_rows_whose_report_is_missing_whatever_their_light():
    missing = row("1.1", light=Light.YELLOW, reasons=("距完成时限不足30天", "本期进展未报送"), missing=True)
    red_and_missing = row("1.4", light=Light.RED, reasons=("已超期3天",), missing=True)
    reported = row("1.2", light=Light.YELLOW, reasons=("距完成时限不足30天",))
    green = row("1.3")
    assert codes([missing, reported, green, red_and_missing], LedgerFilter(report_missing_only=True)) == ["1.1", "1.4"]


# --- all together ----------------------------------------------------------------------------


def test_every_criterion_must_hold():
    flt = LedgerFilter(text="投资 张建国", department="市财政局", statuses=frozenset({Status.ON_TRACK}),
                       lights=frozenset({Light.YELLOW}), group="1", measure="1.1", due_within_days=30,
                       report_missing_only=True)
    good = row("1.1.2", co=("市财政局",), deadline=TODAY + timedelta(days=20), light=Light.YELLOW,
               reasons=("距完成时限不足30天", "本期进展未报送"), missing=True)
    spoilt = {
        "text": replace(good, title="稳住外贸", text="外贸"),
        "department": replace(good, co=("市商务局",)),
        "status": replace(good, status=Status.LAGGING),
        "light": replace(good, light=Light.GREEN),
        "measure": replace(good, code="1.3.2"),
        "group": replace(good, code="2.1.2"),
        "due": replace(good, deadline=TODAY + timedelta(days=45)),
        "report": replace(good, report_missing=False),
    }
    assert matches(good, flt, TODAY)
    for what, task in spoilt.items():
        assert not matches(task, flt, TODAY), what
    assert filter_tasks([*spoilt.values(), good], flt, TODAY) == [good]

    overdue = replace(good, deadline=TODAY - timedelta(days=2), light=Light.RED)
    assert matches(overdue, replace(flt, due_within_days=None, overdue_only=True, lights=frozenset({Light.RED})), TODAY)
    assert not matches(overdue, flt, TODAY)


# --- on the real ledger ------------------------------------------------------------------------


def _all_rows(ctx) -> list[TaskView]:
    return [row for group in ledger.plan_view(ctx).groups for measure in group.measures
            for row in (measure, *measure.items)]


def test_on_the_demo_ledger_department_and_red_light_pick_the_same_rows_as_counting_by_hand(ctx):
    populate_demo(ctx)
    rows = _all_rows(ctx)
    today = ctx.today()

    ndrc = [r.code for r in rows if r.lead == "市发展改革委" or "市发展改革委" in r.co]
    assert len(ndrc) >= 3
    assert [r.code for r in filter_tasks(rows, LedgerFilter(department="市发展改革委"), today)] == ndrc

    red = [r.code for r in rows if r.light is Light.RED]
    assert 0 < len(red) < len(rows)
    assert [r.code for r in filter_tasks(rows, LedgerFilter(lights=frozenset({Light.RED})), today)] == red


def test_a_phrase_copied_from_the_screen_finds_the_plan_text():
    stored = row("1.1", text="着力扩需求稳增长,力争完成规划主要目标指标")
    assert codes([stored], LedgerFilter(text="稳增长，力争")) == ["1.1"]
    assert codes([stored], LedgerFilter(text="稳增长,力争")) == ["1.1"]
