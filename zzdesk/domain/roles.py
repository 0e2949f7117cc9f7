"""Who may do what: the four roles of the office and the person acting in a service call.

The rules themselves (which role may perform which action, and a liaison only for their own department) live in
``domain/permissions.py``; this module only names the roles and carries the acting user.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from zzdesk.domain.errors import ValidationError


class Role(StrEnum):
    ADMIN = "admin"  # 系统管理员: accounts and settings
    CLERK = "clerk"  # 督查室: the whole ledger, reviews, reports
    LIAISON = "liaison"  # 联络员: bound to one department
    LEADER = "leader"  # 领导: reads and reports only


ROLE_LABELS: Mapping[Role, str] = {
    Role.ADMIN: "系统管理员",
    Role.CLERK: "督查室",
    Role.LIAISON: "联络员",
    Role.LEADER: "领导",
}


def parse_role(text: str) -> Role:
    cleaned = (text or "").strip()
    for role, label in ROLE_LABELS.items():
        if cleaned in (role.value, label):
            return role
    raise ValidationError(f"角色“{text}”无法识别，可选：{'、'.join(r.value for r in Role)}"
                          f"（{'、'.join(ROLE_LABELS.values())}）")


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in person a service acts for; a liaison carries the department they are bound to."""

    name: str
    role: Role
    department_id: int | None = None
    department: str | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]
