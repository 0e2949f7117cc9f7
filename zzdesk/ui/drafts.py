"""Unsent 进展报送 drafts: what a liaison typed before closing the dialog by mistake.

Per-user local state, not office data, so it lives as one small JSON file per task in the data folder
and never in the database. Attachments are not kept: the files may be gone by the time the draft is reopened.
"""

import json
import logging
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from zzdesk.locations import user_data_dir

log = logging.getLogger(__name__)

_CODE = re.compile(r"^\d{1,3}(\.\d{1,3}){1,3}$")


@dataclass(frozen=True)
class Draft:
    period: str
    status: str
    progress: int
    text: str
    problems: str
    next_steps: str
    saved_at: str  # local time, ISO format, shown when the draft is restored

    @property
    def has_text(self) -> bool:
        return any(part.strip() for part in (self.text, self.problems, self.next_steps))


def drafts_dir() -> Path:
    return user_data_dir() / "drafts"


def _path(code: str) -> Path:
    if not _CODE.match(code):
        raise ValueError(f"not a task code: {code!r}")
    return drafts_dir() / f"{code}.json"


def save_draft(code: str, draft: Draft) -> None:
    """Written to a temporary name and renamed, so a crash never leaves half a draft."""
    path = _path(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(asdict(draft), ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def load_draft(code: str) -> Draft | None:
    """The saved draft, or None; an unreadable draft is logged and ignored rather than blocking the dialog."""
    path = _path(code)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Draft(period=str(data["period"]), status=str(data["status"]), progress=int(data["progress"]),
                     text=str(data["text"]), problems=str(data["problems"]), next_steps=str(data["next_steps"]),
                     saved_at=str(data.get("saved_at", "")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("ignoring unreadable draft %s: %s", path, error)
        return None


def delete_draft(code: str) -> None:
    _path(code).unlink(missing_ok=True)
