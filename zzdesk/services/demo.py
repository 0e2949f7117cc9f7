"""演示数据: deterministic, believable assignments and months of updates, so lights and reports show variety.

Assignments come from ``db/seed/demo_assignments.json`` (topic-appropriate departments per measure).
Dates are placed around the day the demo is built, so that the mix of lights holds whenever it is run;
the same day gives the same data.
"""

import calendar
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, func, select

from zzdesk.domain.dates import Deadline, Period
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.domain.plan_parser import suggest_work_items
from zzdesk.domain.roles import Role
from zzdesk.domain.vocabulary import Cycle, Status
from zzdesk.locations import seed_dir
from zzdesk.services import accounts
from zzdesk.services.assignments import AssignmentChange, apply_assignment
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.updates import UpdateInput, apply_review, insert_update
from zzdesk.services.work_items import insert_work_item
from zzdesk.store.session import write_session
from zzdesk.store.tables import Department, StatusUpdate, Task

# (profile, how many of the 33 measures): how each measure is going in the demo. Dealt like a shuffled deck, so
# every day's demo has the same mix. "just_done" finished last month and "slipping" fell behind last month:
# what a bulletin reports as 本期变化.
PROFILES = (("done", 5), ("just_done", 2), ("overdue", 4), ("due_soon", 4), ("on_track", 7), ("slipping", 2),
            ("behind", 3), ("missing", 3), ("ongoing", 3))
SPLIT_MEASURES = ("2.4", "4.1", "7.3")
MAX_MONTHS_OF_UPDATES = 12


@dataclass(frozen=True)
class DemoAccount:
    name: str
    role: Role
    password: str
    department: str | None = None


# The demo's accounts, with passwords everybody can read (README「账号与登录」). Only ``init --demo`` creates them:
# a real database gets its administrator from the person who runs ``zzdesk init``. The liaisons belong to the two
# departments that lead the most demo measures, and carry the names the demo's updates were reported under.
DEMO_ACCOUNTS = (
    DemoAccount("管理员", Role.ADMIN, "Demo-admin-2025"),
    DemoAccount("督查员", Role.CLERK, "Demo-clerk-2025"),
    DemoAccount("领导", Role.LEADER, "Demo-leader-2025"),
    DemoAccount("市发展改革委联络员", Role.LIAISON, "Demo-fgw-2025", "市发展改革委"),
    DemoAccount("市科技局联络员", Role.LIAISON, "Demo-kjj-2025", "市科技局"),
)


def create_demo_accounts(ctx: ServiceContext) -> int:
    """The documented demo accounts, on a database that has none yet; returns how many were created."""
    if accounts.accounts_exist(ctx):
        return 0
    for account in DEMO_ACCOUNTS:
        accounts.add_user(ctx, account.name, account.role, password=account.password, department=account.department)
    return len(DEMO_ACCOUNTS)


_PROGRESS_PHRASES = (
    "已制定年度工作方案，明确责任分工和时间节点，各项工作按计划推进。",
    "召开专题推进会，梳理重点事项清单，逐项明确推进措施。",
    "重点项目完成阶段性目标，协调解决要素保障问题。",
    "会同配合单位开展实地调研，形成问题清单并建立台账。",
    "相关政策文件已印发实施，配套细则同步制定。",
    "按月调度工作进展，对滞后事项实行挂牌督办。",
)
_PROBLEMS = ("部分项目要素保障不到位，推进速度不及预期。", "资金拨付进度偏慢，影响项目实施。",
             "跨部门协调事项较多，审批环节耗时较长。")
_NEXT_STEPS = ("下步将加大调度力度，确保按期完成年度目标。", "继续跟踪重点事项，及时协调解决存在问题。",
               "加强与配合单位沟通衔接，形成工作合力。")


def populate_demo(ctx: ServiceContext) -> int:
    """Fill a freshly initialised database; returns the number of updates written."""
    authorize(ctx, Action.LOAD_DEMO)
    today = ctx.today()
    rng = random.Random(f"zzdesk-demo-{today.isoformat()}")
    assignments = json.loads((seed_dir() / "demo_assignments.json").read_text(encoding="utf-8"))
    with write_session(ctx.engine) as session:
        if session.exec(select(func.count()).select_from(StatusUpdate)).one() or session.exec(
                select(func.count()).select_from(Task).where(Task.lead_department_id.is_not(None))).one():
            raise ValidationError("数据库中已有分工或报送，演示数据只能装入新数据库；请用 --db 指定一个新文件")
        measures = session.exec(select(Task).where(Task.kind == "measure")).all()
        written = 0
        deck = _profile_deck(rng, len(measures))
        for measure in sorted(measures, key=lambda t: tuple(int(p) for p in t.code.split("."))):
            spec = assignments.get(measure.code)
            if spec is None:
                continue
            profile = deck.pop()
            _assign(session, ctx, measure, spec["lead"], spec["co"], spec["leader"], profile, today, rng)
            written += _updates(session, ctx, measure, spec["lead"], profile, today, rng)
            if measure.code in SPLIT_MEASURES:
                written += _split(session, ctx, measure, spec["lead"], profile, today, rng)
        return written


def _profile_deck(rng: random.Random, measures: int) -> list[str]:
    deck = [name for name, count in PROFILES for _ in range(count)]
    while len(deck) < measures:
        deck += deck
    rng.shuffle(deck)
    return deck


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _months_from(today: date, months: int) -> date:
    period = Period.of(today).shifted(months)
    return _month_end(period.first_day)


def _deadline_for(profile: str, today: date, rng: random.Random) -> Deadline:
    if profile == "ongoing":
        return Deadline(None, ongoing=True)
    if profile == "done":
        return Deadline(_months_from(today, -rng.randint(2, 10)))
    if profile == "just_done":
        return Deadline(_months_from(today, -1))
    if profile == "overdue":
        return Deadline(today - timedelta(days=rng.randint(8, 80)))
    if profile == "due_soon":
        return Deadline(today + timedelta(days=rng.randint(6, 27)))
    return Deadline(_months_from(today, rng.randint(4, 14)))


def _assign(session: Session, ctx: ServiceContext, task: Task, lead: str, co: list[str], leader: str,
            profile: str, today: date, rng: random.Random, within: Task | None = None) -> None:
    deadline = _deadline_for(profile, today, rng)
    if within is not None and (within.ongoing or (within.deadline and deadline.on and deadline.on > within.deadline)):
        deadline = Deadline(within.deadline, ongoing=within.ongoing)
    start = Period.of(today).shifted(-rng.randint(12, 20)).first_day
    if deadline.on is not None and deadline.on - start < timedelta(days=120):
        start = Period.of(deadline.on).shifted(-8).first_day
    quarterly = rng.random() < 0.25
    apply_assignment(session, ctx, task, AssignmentChange(
        lead=lead, co=co, leader=leader, start=start, deadline=deadline,
        cycle=Cycle.QUARTERLY if quarterly else Cycle.MONTHLY, due_day=10 if quarterly else 5))


def _updates(session: Session, ctx: ServiceContext, task: Task, lead: str, profile: str, today: date,
             rng: random.Random) -> int:
    profile = "done" if profile == "just_done" else profile
    current = Period.of(today)
    first = max(Period.of(task.start_date), current.shifted(-MAX_MONTHS_OF_UPDATES))
    last = current.shifted(-2 if profile == "missing" else -1)
    if task.deadline is not None and profile == "done":
        last = min(last, Period.of(task.deadline))
    quarterly = task.cycle == Cycle.QUARTERLY.value
    periods = [p for p in _periods(first, last) if not quarterly or p.month % 3 == 0]
    final = {"done": 100, "overdue": rng.randint(60, 85), "due_soon": rng.randint(85, 95),
             "behind": rng.randint(20, 40), "ongoing": rng.randint(50, 80)}.get(profile, 0)
    written = 0
    for index, period in enumerate(periods):
        share = (index + 1) / len(periods)
        if profile in ("on_track", "missing", "slipping"):
            expected = _expected_at(task, period)
            progress = min(95, max(5, expected + rng.randint(-4, 6)))
            if profile == "slipping" and share >= 1:
                progress = max(5, expected - rng.randint(12, 20))
        else:
            progress = max(5, round(final * share) - rng.randint(0, 3)) if share < 1 else final
        status = _status_for(profile, progress, share)
        update = UpdateInput(
            status=status, progress=100 if status is Status.COMPLETED else progress, period=period,
            text=rng.choice(_PROGRESS_PHRASES),
            problems=rng.choice(_PROBLEMS) if status is Status.LAGGING or rng.random() < 0.2 else "",
            next_steps=rng.choice(_NEXT_STEPS))
        row = insert_update(session, ctx, task, update, f"{lead}联络员")
        row.created_at = min(_reported_at(period, rng), ctx.now())
        latest = index == len(periods) - 1
        if not latest or rng.random() < 0.6:
            apply_review(session, ctx, row, task, accept=True, note="")
        elif rng.random() < 0.3:
            apply_review(session, ctx, row, task, accept=False, note="进展情况过于笼统，请补充具体数据和佐证材料。")
            resubmitted = insert_update(session, ctx, task, update, f"{lead}联络员")
            resubmitted.created_at = min(row.created_at + timedelta(days=2), ctx.now())
            written += 1
        written += 1
    return written


def _status_for(profile: str, progress: int, share: float) -> Status:
    if profile == "done" and share >= 1:
        return Status.COMPLETED
    if profile == "ongoing":
        return Status.ONGOING
    if (profile in ("overdue", "behind") and share > 0.5) or (profile == "slipping" and share >= 1):
        return Status.LAGGING
    return Status.ON_TRACK if progress > 0 else Status.NOT_STARTED


def _expected_at(task: Task, period: Period) -> int:
    if task.deadline is None or task.start_date is None:
        return 50
    end = _month_end(period.first_day)
    span = max(1, (task.deadline - task.start_date).days)
    return max(0, min(100, round((end - task.start_date).days * 100 / span)))


def _periods(first: Period, last: Period) -> list[Period]:
    periods = []
    period = first
    while period <= last:
        periods.append(period)
        period = period.shifted(1)
    return periods


def _reported_at(period: Period, rng: random.Random) -> datetime:
    after = period.shifted(1)
    return datetime.combine(date(after.year, after.month, rng.randint(1, 8)), time(1 + rng.randint(0, 8)), UTC)


def _split(session: Session, ctx: ServiceContext, measure: Task, lead: str, measure_profile: str, today: date,
           rng: random.Random) -> int:
    """Break a measure into its first suggested work items, each assigned and reported on."""
    written = 0
    lead_row = session.exec(select(Department).where(Department.name == lead)).one()
    for suggestion in suggest_work_items(measure.text)[:3]:
        code = insert_work_item(session, ctx, measure, suggestion)
        item = session.exec(select(Task).where(Task.code == code)).one()
        # Items of a finished or ongoing measure share its fate; others vary.
        profile = measure_profile if measure_profile in ("done", "ongoing") else rng.choice(
            ("on_track", "behind", "due_soon"))
        _assign(session, ctx, item, lead_row.name, [], measure.leader, profile, today, rng, within=measure)
        written += _updates(session, ctx, item, lead_row.name, profile, today, rng)
    return written
