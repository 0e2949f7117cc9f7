"""Office-wide settings stored in the database, each declared once with its default and Chinese label.

Numbers tune the lights; texts fill the reports (the office's name, the signature, who receives the bulletin).
Every desktop on the database shares them.
"""

from dataclasses import dataclass

from sqlmodel import Session, select

from zzdesk.domain.errors import NotFoundError, ValidationError
from zzdesk.domain.lights import LightRules
from zzdesk.domain.permissions import Action
from zzdesk.services import audit
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import OfficeSetting

Value = int | str


@dataclass(frozen=True)
class IntSetting:
    key: str
    label: str
    default: int
    minimum: int
    maximum: int

    def parse(self, value: Value) -> int:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or not self.minimum <= int(text) <= self.maximum:
            raise ValidationError(f"“{self.label}”应为 {self.minimum} 到 {self.maximum} 之间的整数")
        return int(text)


@dataclass(frozen=True)
class TextSetting:
    key: str
    label: str
    default: str
    max_length: int
    multiline: bool = False

    def parse(self, value: Value) -> str:
        lines = [" ".join(line.split()) for line in str(value).replace("\r\n", "\n").split("\n")]
        text = "\n".join(line for line in lines if line) if self.multiline else " ".join(line for line in lines if line)
        if not text:
            raise ValidationError(f"“{self.label}”不能为空")
        if len(text) > self.max_length:
            raise ValidationError(f"“{self.label}”最多 {self.max_length} 个字，现有 {len(text)} 个字")
        return text


Setting = IntSetting | TextSetting

SETTINGS: dict[str, Setting] = {s.key: s for s in (
    IntSetting("light.behind_points", "进度落后序时进度超过多少个百分点亮黄灯", 10, 1, 100),
    IntSetting("light.due_soon_days", "距完成时限多少天以内亮黄灯", 30, 1, 365),
    TextSetting("report.office_name", "发文机关（督查通报版头和落款）", "市政府督查室", 40),
    TextSetting("report.signature", "落款（通报末尾的署名）", "市政府督查室", 40),
    TextSetting("report.send_to", "报送（版记）", "市委、市政府领导同志", 200),
    TextSetting("report.copy_to", "抄送（版记）", "各县（市、区）人民政府，市人民政府各部门，各有关单位", 200),
    TextSetting("report.requirements", "通报的下步工作要求", (
        "请各牵头单位对照本通报点名事项，逐项查找原因，明确整改措施和完成时限，于下期报送截止日前将整改情况"
        "随月度进展一并报送；各配合单位要主动对接、协同推进。市政府督查室将持续跟踪问效，对连续两期滞后的事项"
        "进行专项督办。"), 1000, multiline=True),
    IntSetting("backup.interval_minutes", "自动备份间隔（分钟；只在有修改时备份）", 60, 5, 1440),
)}


def _stored(session: Session) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for row in session.exec(select(OfficeSetting)):
        setting = SETTINGS.get(row.key)
        if setting is not None:
            values[row.key] = int(row.value) if isinstance(setting, IntSetting) else row.value
    return values


def current_values(ctx: ServiceContext) -> dict[str, Value]:
    with read_session(ctx.engine) as session:
        return values_in(session)


def values_in(session: Session) -> dict[str, Value]:
    stored = _stored(session)
    return {key: stored.get(key, setting.default) for key, setting in SETTINGS.items()}


def light_rules(session: Session) -> LightRules:
    values = values_in(session)
    return LightRules(behind_points=int(values["light.behind_points"]),
                      due_soon_days=int(values["light.due_soon_days"]))


def set_value(ctx: ServiceContext, key: str, value: Value) -> Value:
    return set_values(ctx, {key: value})[key]


def set_values(ctx: ServiceContext, values: dict[str, Value]) -> dict[str, Value]:
    """Change several settings at once: all are checked first, then written in one transaction (all or none).
    Only values that differ from the current ones are written and audited."""
    authorize(ctx, Action.CHANGE_SETTINGS, ",".join(values) or "*")
    parsed: dict[str, Value] = {}
    for key, value in values.items():
        setting = SETTINGS.get(key)
        if setting is None:
            raise NotFoundError(f"没有设置项“{key}”，可用的有：{'、'.join(SETTINGS)}")
        parsed[key] = setting.parse(value)
    with write_session(ctx.engine) as session:
        current = values_in(session)
        for key, new in parsed.items():
            if new == current[key]:
                continue
            row = session.get(OfficeSetting, key) or OfficeSetting(key=key, value="")
            row.value = str(new)
            session.add(row)
            audit.record(session, ctx, "setting.set", "office_setting", key, {"value": (current[key], new)})
    return parsed
