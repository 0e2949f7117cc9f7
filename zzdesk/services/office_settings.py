"""Office-wide settings stored in the database, each declared once with its default and Chinese label."""

from dataclasses import dataclass

from sqlmodel import Session, select

from zzdesk.domain.errors import NotFoundError, ValidationError
from zzdesk.domain.lights import LightRules
from zzdesk.services import audit
from zzdesk.services.context import ServiceContext
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import OfficeSetting


@dataclass(frozen=True)
class IntSetting:
    key: str
    label: str
    default: int
    minimum: int
    maximum: int


SETTINGS: dict[str, IntSetting] = {s.key: s for s in (
    IntSetting("light.behind_points", "进度落后序时进度超过多少个百分点亮黄灯", 10, 1, 100),
    IntSetting("light.due_soon_days", "距完成时限多少天以内亮黄灯", 30, 1, 365),
)}


def _stored(session: Session) -> dict[str, int]:
    return {row.key: int(row.value) for row in session.exec(select(OfficeSetting)) if row.key in SETTINGS}


def current_values(ctx: ServiceContext) -> dict[str, int]:
    with read_session(ctx.engine) as session:
        stored = _stored(session)
    return {key: stored.get(key, setting.default) for key, setting in SETTINGS.items()}


def light_rules(session: Session) -> LightRules:
    stored = _stored(session)
    return LightRules(
        behind_points=stored.get("light.behind_points", SETTINGS["light.behind_points"].default),
        due_soon_days=stored.get("light.due_soon_days", SETTINGS["light.due_soon_days"].default))


def set_value(ctx: ServiceContext, key: str, value: str | int) -> int:
    setting = SETTINGS.get(key)
    if setting is None:
        raise NotFoundError(f"没有设置项“{key}”，可用的有：{'、'.join(SETTINGS)}")
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not setting.minimum <= int(text) <= setting.maximum:
        raise ValidationError(f"“{setting.label}”应为 {setting.minimum} 到 {setting.maximum} 之间的整数")
    number = int(text)
    with write_session(ctx.engine) as session:
        row = session.get(OfficeSetting, key)
        old = int(row.value) if row else setting.default
        if row is None:
            row = OfficeSetting(key=key, value=str(number))
        row.value = str(number)
        session.add(row)
        audit.record(session, ctx, "setting.set", "office_setting", key, {"value": (old, number)})
    return number
