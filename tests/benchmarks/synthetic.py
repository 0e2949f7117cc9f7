"""A synthetic ledger at 1×, 10× or 100× the real plan, to measure zzdesk on the data volumes a city office reaches.

**Scale.** 1× is the real plan as ``zzdesk init --demo`` gives it: the bundled plan (8 groups, 33 measures), the
demo's 9 work items (42 ledger rows), the 72 bundled departments and the demo's ~400 status updates, plus the demo
accounts. N× multiplies the ledger rows: N × 42 rows, the added ones work items spread unevenly over the measures.
Departments grow sub-linearly (3 more per scale step: ~100 at 10×, ~370 at 100×), and every added work item carries
monthly (some quarterly) 进展报送 over up to five years, with the demo's mix of review states. So 100× is "thousands of
items, hundreds of departments, hundreds of thousands of updates" (about 4,200 rows and 200,000 updates); see
``scale_plan`` for the exact figures of any scale without building it.

The database is created the normal way (migrations, bundled plan, 演示数据, demo accounts), so its schema and its
first rows are exactly what the app writes; the bulk is then added with plain ``sqlite3.executemany``, which is two
orders of magnitude faster than going through the services. Everything is drawn from seeded ``random.Random``s: the
same scale and day give the same database.

Run on its own: ``python tests/benchmarks/synthetic.py PATH --scale 100``.
"""

from __future__ import annotations

import argparse
import calendar
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from zzdesk.domain.dates import Period
from zzdesk.services.context import ServiceContext
from zzdesk.services.demo import create_demo_accounts, populate_demo
from zzdesk.services.plan import init_database
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

# What ``zzdesk init --demo`` gives (tests/test_benchmark_suite.py checks these against a built 1× database).
DEMO_LEDGER_ROWS = 42  # 33 measures + 9 work items
DEMO_DEPARTMENTS = 72
DEPARTMENTS_PER_SCALE = 3  # added per scale step beyond 1×
MONTHS_OF_UPDATES = 60  # the history an added work item's updates span at most
UNASSIGNED_SHARE = 0.05
CO_SHARE = 0.3
QUARTERLY_SHARE = 0.1

# (profile, weight), as in the demo data: how a work item is going.
PROFILES = (("done", 8), ("overdue", 5), ("due_soon", 5), ("on_track", 40), ("behind", 10),
            ("missing", 7), ("ongoing", 10))

_PLACES = ("金水区", "二七区", "中原区", "管城回族区", "惠济区", "上街区", "郑东新区", "航空港区", "经开区", "高新区",
           "巩义市", "荥阳市", "新密市", "新郑市", "登封市", "中牟县", "全市", "主城区")
_VERBS = ("推进", "加快", "完成", "实施", "开展", "建设", "优化", "提升", "落实", "组织", "启动", "深化")
_OBJECTS = ("轨道交通", "城市更新", "老旧小区改造", "污水处理厂", "智慧城市", "数字政府", "营商环境", "科技创新平台",
            "产业园区", "物流枢纽", "乡村振兴", "生态廊道", "中小学校", "医疗服务", "养老服务", "就业创业",
            "文化旅游", "黄河流域生态保护", "新能源汽车", "人工智能", "电子信息产业", "5G基站", "雨污分流",
            "海绵城市", "保障性住房", "农村公路", "高标准农田", "职业教育", "社区食堂", "外贸进出口")
_SUFFIXES = ("项目", "工程", "专项行动", "试点", "一期工程", "二期工程", "年度任务", "三年行动计划", "提质工程")
_SENTENCES = (
    "按照市委市政府部署，{place}牵头制定实施方案，明确责任分工和时间节点。",
    "年内完成{object}{suffix}主体建设，同步推进配套设施。",
    "建立周调度、月通报工作机制，对{object}进展实行清单化管理。",
    "统筹安排专项资金，保障{place}{object}用地、用能等要素需求。",
    "会同相关部门开展联合督导，确保{object}按期见效。",
    "总结{place}试点经验，形成可复制推广的做法。",
)
_LEADERS = ("王建国（副市长）", "李志强（副市长）", "张丽华（副市长）", "刘卫东（副市长）", "陈晓明（市政府秘书长）",
            "杨光辉（副市长）", "赵文静（副市长）", "周海涛（市政府副秘书长）")
_PROGRESS = ("已制定年度工作方案，明确责任分工和时间节点，各项工作按计划推进。",
             "召开专题推进会，梳理重点事项清单，逐项明确推进措施。",
             "重点项目完成阶段性目标，协调解决要素保障问题。",
             "会同配合单位开展实地调研，形成问题清单并建立台账。",
             "相关政策文件已印发实施，配套细则同步制定。",
             "按月调度工作进展，对滞后事项实行挂牌督办。")
_PROBLEMS = ("部分项目要素保障不到位，推进速度不及预期。", "资金拨付进度偏慢，影响项目实施。",
             "跨部门协调事项较多，审批环节耗时较长。")
_NEXT_STEPS = ("下步将加大调度力度，确保按期完成年度目标。", "继续跟踪重点事项，及时协调解决存在问题。",
               "加强与配合单位沟通衔接，形成工作合力。")
_RETURN_NOTE = "进展情况过于笼统，请补充具体数据和佐证材料。"
_KINDS = ("municipal", "zone", "district", "other")


@dataclass(frozen=True)
class ScalePlan:
    """What a scale's database holds, computed without building it."""

    scale: int
    ledger_rows: int
    departments: int
    work_items_added: int
    status_updates_at_least: int  # the demo's plus one per added item's period (退回 and sent again add more)


@dataclass(frozen=True)
class _Schedule:
    """How an added work item runs: drawn before anything else, so ``scale_plan`` can count without a database."""

    assigned: bool
    profile: str
    start: date
    deadline: date | None
    quarterly: bool


@dataclass
class _Item:
    """What the update generator needs to know about one inserted work item."""

    id: int
    lead: str
    schedule: _Schedule


def _stamp(moment: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _schedules(scale: int, today: date) -> list[_Schedule]:
    """The added work items' schedules, from their own seeded stream."""
    rng = random.Random(f"zzdesk-benchmark-schedule-{scale}-{today.isoformat()}")
    profiles, weights = zip(*PROFILES, strict=True)
    schedules = []
    for _ in range(max(0, DEMO_LEDGER_ROWS * scale - DEMO_LEDGER_ROWS)):
        assigned = rng.random() >= UNASSIGNED_SHARE
        profile = rng.choices(profiles, weights)[0]
        start, deadline = _dates(profile, today, rng)
        schedules.append(_Schedule(assigned, profile, start, deadline, rng.random() < QUARTERLY_SHARE))
    return schedules


def _periods(schedule: _Schedule, today: date) -> list[Period]:
    """The periods an item reports for: monthly (quarterly) from its start to last month, at most five years."""
    current = Period.of(today)
    first = max(Period.of(schedule.start), current.shifted(-MONTHS_OF_UPDATES))
    last = current.shifted(-2 if schedule.profile == "missing" else -1)
    if schedule.profile == "done" and schedule.deadline is not None:
        last = min(last, Period.of(schedule.deadline))
    periods, period = [], first
    while period <= last:
        if not schedule.quarterly or period.month % 3 == 0:
            periods.append(period)
        period = period.shifted(1)
    return periods


def scale_plan(scale: int, today: date, demo_updates: int = 0) -> ScalePlan:
    """The counts ``build_database(path, scale, today)`` produces (``demo_updates``: the demo's own, if known)."""
    schedules = _schedules(scale, today)
    return ScalePlan(scale=scale, ledger_rows=DEMO_LEDGER_ROWS + len(schedules),
                     departments=DEMO_DEPARTMENTS + DEPARTMENTS_PER_SCALE * (scale - 1),
                     work_items_added=len(schedules),
                     status_updates_at_least=demo_updates + sum(len(_periods(s, today)) for s in schedules
                                                                if s.assigned))


def build_database(path: Path, scale: int, today: date) -> dict[str, int]:
    """Create a zzdesk database at ``path`` (which must not exist) at ``scale`` × the demo's ledger rows."""
    if path.exists():
        raise FileExistsError(f"{path} exists; remove it first")
    if scale < 1:
        raise ValueError("scale is 1 (the demo) or more")
    started = time.perf_counter()
    now = datetime.combine(today, datetime.min.time(), UTC).replace(hour=9)
    database = open_database(resolve_target(str(path)))
    try:
        ctx = ServiceContext(database=database, actor="基准测试", today=lambda: today, now=lambda: now)
        init_database(ctx)
        populate_demo(ctx)
        create_demo_accounts(ctx)
    finally:
        database.close()
    _progress(f"scale {scale}: plan, demo data and accounts", started)

    rng = random.Random(f"zzdesk-benchmark-{scale}-{today.isoformat()}")
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous = OFF")  # a throw-away benchmark file: speed over durability
        connection.execute("BEGIN")
        department_ids = _add_departments(connection, scale, rng)
        added, items = _add_work_items(connection, _schedules(scale, today), department_ids, rng)
        _progress(f"scale {scale}: {added:,} work items ({len(items):,} assigned)", started)
        co_links = _add_co_departments(connection, items, department_ids, rng)
        updates = 0
        for chunk in _chunks(_updates(items, today, now, rng), 100_000):
            connection.executemany(
                "INSERT INTO status_update (task_id, period, status, progress, progress_text, problems, next_steps,"
                " reporter, created_at, review_state, review_note, reviewed_by, reviewed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk)
            updates += len(chunk)
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
        counts = {name: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for name, table in (("ledger_rows", "task"), ("departments", "department"),
                                      ("status_updates", "status_update"), ("co_links", "task_co_department"))}
    finally:
        connection.close()
    counts["work_items_added"], counts["updates_added"], counts["co_links_added"] = added, updates, co_links
    counts["seconds"] = round(time.perf_counter() - started)
    _progress(f"scale {scale}: done {counts}", started)
    return counts


def _progress(message: str, started: float) -> None:
    print(f"  [{time.perf_counter() - started:6.1f}s] {message}", flush=True)


def _add_departments(connection: sqlite3.Connection, scale: int, rng: random.Random) -> dict[int, str]:
    first = connection.execute("SELECT coalesce(max(sort_order), 0) FROM department").fetchone()[0] + 1
    count = DEPARTMENTS_PER_SCALE * (scale - 1)
    connection.executemany(
        "INSERT INTO department (name, short_name, kind, active, sort_order, contact) VALUES (?, '', ?, 1, ?, '')",
        [(f"测试单位{n:04d}", rng.choice(_KINDS), first + n - 1) for n in range(1, count + 1)])
    return dict(connection.execute("SELECT id, name FROM department WHERE active"))


def _add_work_items(connection: sqlite3.Connection, schedules: list[_Schedule], department_ids: dict[int, str],
                    rng: random.Random) -> tuple[int, list[_Item]]:
    """Work items spread unevenly over the plan's measures, codes continuing after each measure's own items.

    Returns how many were inserted and the assigned ones (only those receive updates)."""
    measures = connection.execute(
        "SELECT m.id, m.group_id, m.code, m.lead_department_id, m.leader,"
        " (SELECT coalesce(max(seq), 0) FROM task w WHERE w.parent_id = m.id)"
        " FROM task m WHERE m.kind = 'measure' ORDER BY m.id").fetchall()
    wanted = len(schedules)
    weights = [rng.uniform(0.3, 3.0) for _ in measures]
    shares = [int(wanted * w / sum(weights)) for w in weights]
    for index in range(wanted - sum(shares)):  # the rounding's remainder, one each to the first measures
        shares[index % len(shares)] += 1
    next_id = connection.execute("SELECT coalesce(max(id), 0) FROM task").fetchone()[0] + 1
    # A few departments carry much of the load, as the big bureaus do.
    ids = list(department_ids)
    busy = [1.0 / (rank + 1) ** 0.8 for rank in range(len(ids))]
    rng.shuffle(busy)

    items: list[_Item] = []
    rows = []
    drawn = iter(schedules)
    for (measure_id, group_id, code, measure_lead, measure_leader, last_seq), share in zip(
            measures, shares, strict=True):
        for seq in range(last_seq + 1, last_seq + 1 + share):
            schedule = next(drawn)
            place, obj, suffix = rng.choice(_PLACES), rng.choice(_OBJECTS), rng.choice(_SUFFIXES)
            title = f"{rng.choice(_VERBS)}{place}{obj}{suffix}"
            text = "".join(s.format(place=place, object=obj, suffix=suffix)
                           for s in rng.sample(_SENTENCES, rng.randint(1, 3)))
            assigned, quarterly = schedule.assigned, schedule.quarterly
            lead = None
            if assigned:
                lead = measure_lead if measure_lead and rng.random() < 0.3 else rng.choices(ids, busy)[0]
            leader = (measure_leader or rng.choice(_LEADERS)) if rng.random() < 0.5 else rng.choice(_LEADERS)
            rows.append((next_id, group_id, measure_id, "work_item", f"{code}.{seq}", seq, title, text, lead,
                         leader if assigned else "", schedule.start.isoformat() if assigned else None,
                         schedule.deadline.isoformat() if assigned and schedule.deadline else None,
                         int(assigned and schedule.deadline is None),
                         ("quarterly" if quarterly else "monthly") if assigned else None,
                         (10 if quarterly else 5) if assigned else None))
            if lead is not None:
                items.append(_Item(next_id, department_ids[lead], schedule))
            next_id += 1
    connection.executemany(
        "INSERT INTO task (id, group_id, parent_id, kind, code, seq, title, text, lead_department_id, leader,"
        " start_date, deadline, ongoing, cycle, due_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows), items


def _dates(profile: str, today: date, rng: random.Random) -> tuple[date, date | None]:
    """Start and deadline (None = 长期) placed around ``today`` so that the profile shows in the light.

    Most items started four to six years ago (a city's plan carries items over from earlier years)."""
    current = Period.of(today)
    months_ago = rng.randint(48, 72) if rng.random() < 0.8 else rng.randint(3, 47)
    start = current.shifted(-months_ago).first_day
    if profile == "ongoing":
        return start, None
    if profile == "done":
        deadline = _month_end(current.shifted(-rng.randint(0, 2)).first_day)
    elif profile == "overdue":
        deadline = today - timedelta(days=rng.randint(8, 80))
    elif profile == "due_soon":
        deadline = today + timedelta(days=rng.randint(6, 27))
    else:
        deadline = _month_end(current.shifted(rng.randint(4, 14)).first_day)
    return min(start, deadline - timedelta(days=120)), deadline


def _add_co_departments(connection: sqlite3.Connection, items: list[_Item], department_ids: dict[int, str],
                        rng: random.Random) -> int:
    ids = list(department_ids)
    links = []
    for item in items:
        if rng.random() < CO_SHARE:
            links.extend((item.id, department) for department in rng.sample(ids, rng.randint(1, 3)))
    connection.executemany("INSERT OR IGNORE INTO task_co_department (task_id, department_id) VALUES (?, ?)", links)
    return len(links)


def _updates(items: list[_Item], today: date, now: datetime, rng: random.Random) -> Iterator[tuple]:
    """Monthly (or quarterly) 进展报送 over the item's history: progress rising to the profile's level, mostly 采纳,
    the newest period partly 待审核, some 退回 and sent again."""
    finals = {"done": 100, "overdue": 75, "due_soon": 90, "behind": 30, "ongoing": 65, "on_track": 0, "missing": 0}
    for item in items:
        profile = item.schedule.profile
        periods = _periods(item.schedule, today)
        reporter = f"{item.lead}联络员"
        for index, period in enumerate(periods):
            share = (index + 1) / len(periods)
            if profile in ("on_track", "missing"):
                progress = min(95, max(5, round(share * 70) + rng.randint(-4, 6)))
            else:
                progress = max(5, round(finals[profile] * share) - rng.randint(0, 3))
            status = _status(profile, progress, share)
            if status == "completed":
                progress = 100
            after = period.shifted(1)
            created = min(datetime(after.year, after.month, rng.randint(1, 8), rng.randint(1, 9), tzinfo=UTC), now)
            problems = rng.choice(_PROBLEMS) if status == "lagging" or rng.random() < 0.2 else ""
            common = (item.id, str(period), status, progress, rng.choice(_PROGRESS), problems,
                      rng.choice(_NEXT_STEPS), reporter)
            reviewed = _stamp(min(created + timedelta(days=3), now))
            latest = index == len(periods) - 1
            roll = rng.random()
            if latest and roll < 0.25:
                yield (*common, _stamp(created), "submitted", "", "", None)
            elif roll > 0.97 or (latest and roll > 0.85):
                yield (*common, _stamp(created), "returned", _RETURN_NOTE, "督查室", reviewed)
                again = _stamp(min(created + timedelta(days=2), now))
                yield (*common, again, "submitted" if latest else "accepted", "", "" if latest else "督查室",
                       None if latest else reviewed)
            else:
                yield (*common, _stamp(created), "accepted", "", "督查室", reviewed)


def _status(profile: str, progress: int, share: float) -> str:
    if profile == "done" and share >= 1:
        return "completed"
    if profile == "ongoing":
        return "ongoing"
    if profile in ("overdue", "behind") and share > 0.5:
        return "lagging"
    return "on_track" if progress > 0 else "not_started"


def _chunks(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a synthetic zzdesk database for benchmarks.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--scale", type=int, default=1, help="1 = the demo (42 ledger rows), N = N × its rows")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2025, 11, 20))
    args = parser.parse_args(argv)
    print(scale_plan(args.scale, args.today))
    print(build_database(args.path, args.scale, args.today))
    return 0


if __name__ == "__main__":
    sys.exit(main())
