"""红黄绿灯: the warning light of a task, with the reasons a clerk can read.

Defaults follow DESIGN.md §2 and are parameters (``LightRules``) so an office can tune them.
"""

from dataclasses import dataclass, field
from datetime import date

from zzdesk.domain.vocabulary import Light, Status


@dataclass(frozen=True)
class LightRules:
    behind_points: int = 10
    due_soon_days: int = 30


@dataclass(frozen=True)
class TaskState:
    assigned: bool
    status: Status | None
    progress: int | None
    expected: int | None
    deadline: date | None
    report_missing: bool = False


@dataclass(frozen=True)
class Assessment:
    light: Light
    reasons: tuple[str, ...] = field(default=())
    days_overdue: int = 0


def assess(state: TaskState, today: date, rules: LightRules | None = None) -> Assessment:
    rules = rules or LightRules()
    if state.status is Status.COMPLETED:
        return Assessment(Light.DONE, ("已完成",))
    if not state.assigned:
        return Assessment(Light.NONE, ("尚未分配牵头单位",))

    red: list[str] = []
    days_overdue = 0
    if state.deadline is not None and today > state.deadline:
        days_overdue = (today - state.deadline).days
        red.append(f"已超期{days_overdue}天")
    if state.status is Status.LAGGING:
        red.append("报送状态为进度滞后")
    if red:
        return Assessment(Light.RED, tuple(red), days_overdue)

    yellow: list[str] = []
    progress = state.progress or 0
    if state.expected is not None and progress < state.expected - rules.behind_points:
        yellow.append(f"进度{progress}%落后序时进度{state.expected}%")
    if state.deadline is not None and (state.deadline - today).days <= rules.due_soon_days:
        yellow.append(f"距完成时限不足{rules.due_soon_days}天")
    if state.report_missing:
        yellow.append("本期进展未报送")
    if yellow:
        return Assessment(Light.YELLOW, tuple(yellow))
    return Assessment(Light.GREEN)
