"""The closed lists of the field, each with a stable identifier and its Chinese label.

Identifiers are stored in the database; labels are what users read and type. A label or the
identifier both parse, so ``--status 正常推进`` and ``--status on_track`` mean the same.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from zzdesk.domain.errors import ValidationError


class Status(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    LAGGING = "lagging"
    COMPLETED = "completed"
    ONGOING = "ongoing"


class ReviewState(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class Cycle(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    ONCE = "once"


class DepartmentKind(StrEnum):
    MUNICIPAL = "municipal"
    ZONE = "zone"
    DISTRICT = "district"
    OTHER = "other"


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    DONE = "done"
    NONE = "none"


class ReportKind(StrEnum):
    BULLETIN = "bulletin"
    DEPARTMENT = "department"
    URGE = "urge"
    BRIEF = "brief"


REPORT_LABELS: Mapping[ReportKind, str] = {
    ReportKind.BULLETIN: "督查通报",
    ReportKind.DEPARTMENT: "部门督办单",
    ReportKind.URGE: "催办通知",
    ReportKind.BRIEF: "领导简报",
}

STATUS_LABELS: Mapping[Status, str] = {
    Status.NOT_STARTED: "未启动",
    Status.ON_TRACK: "正常推进",
    Status.LAGGING: "进度滞后",
    Status.COMPLETED: "已完成",
    Status.ONGOING: "持续推进",
}
REVIEW_LABELS: Mapping[ReviewState, str] = {
    ReviewState.SUBMITTED: "待审核",
    ReviewState.ACCEPTED: "已采纳",
    ReviewState.RETURNED: "已退回",
}
CYCLE_LABELS: Mapping[Cycle, str] = {
    Cycle.MONTHLY: "每月",
    Cycle.QUARTERLY: "每季度",
    Cycle.HALF_YEARLY: "每半年",
    Cycle.ONCE: "一次性",
}
KIND_LABELS: Mapping[DepartmentKind, str] = {
    DepartmentKind.MUNICIPAL: "市直部门",
    DepartmentKind.ZONE: "开发区",
    DepartmentKind.DISTRICT: "区县(市)",
    DepartmentKind.OTHER: "其他",
}
LIGHT_LABELS: Mapping[Light, str] = {
    Light.GREEN: "绿灯",
    Light.YELLOW: "黄灯",
    Light.RED: "红灯",
    Light.DONE: "已完成",
    Light.NONE: "未分配",
}

_CYCLE_ALIASES = {"月": Cycle.MONTHLY, "月度": Cycle.MONTHLY, "季度": Cycle.QUARTERLY, "季": Cycle.QUARTERLY,
                  "半年": Cycle.HALF_YEARLY, "一次": Cycle.ONCE}
_KIND_ALIASES = {"区县": DepartmentKind.DISTRICT, "区县（市）": DepartmentKind.DISTRICT,
                 "县(市)": DepartmentKind.DISTRICT, "区": DepartmentKind.DISTRICT}


E = TypeVar("E", bound=StrEnum)


def _parse(text: str, labels: Mapping[E, str], what: str,
           aliases: Mapping[str, E] | None = None) -> E:
    cleaned = (text or "").strip()
    for value, label in labels.items():
        if cleaned in (value.value, label):
            return value
    if aliases and cleaned in aliases:
        return aliases[cleaned]
    choices = "、".join(labels.values())
    raise ValidationError(f"{what}“{text}”无法识别，可选：{choices}")


def parse_status(text: str) -> Status:
    return _parse(text, STATUS_LABELS, "状态")


def parse_cycle(text: str) -> Cycle:
    return _parse(text, CYCLE_LABELS, "报送周期", _CYCLE_ALIASES)


def parse_department_kind(text: str) -> DepartmentKind:
    return _parse(text, KIND_LABELS, "单位类别", _KIND_ALIASES)
