"""Stable codes: task groups ``G``, measures ``G.M``, work items ``G.M.K``.

Codes appear in the UI, reports, Excel forms and the CLI and never change once given.
"""

import re
from dataclasses import dataclass

from zzdesk.domain.errors import ValidationError

_CODE_RE = re.compile(r"^[1-9]\d*(\.[1-9]\d*){0,2}$")


@dataclass(frozen=True, order=True)
class Code:
    parts: tuple[int, ...]

    @property
    def level(self) -> str:
        return ("group", "measure", "work_item")[len(self.parts) - 1]

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)


def parse_code(text: str) -> Code:
    """Parse ``1``, ``1.2`` or ``1.2.3``; full-width digits and dots are accepted."""
    cleaned = (text or "").strip().translate(_FULLWIDTH)
    if not _CODE_RE.match(cleaned):
        raise ValidationError(f"编号“{text}”格式不对：任务组写作 1，举措写作 1.2，具体任务写作 1.2.3")
    return Code(tuple(int(p) for p in cleaned.split(".")))


def sort_key(code: str) -> tuple[int, ...]:
    """Numeric order, so that 1.10 follows 1.9."""
    return tuple(int(p) for p in code.split("."))


_FULLWIDTH = str.maketrans("０１２３４５６７８９．。", "0123456789..")
