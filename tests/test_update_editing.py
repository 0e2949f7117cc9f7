"""修改报送: a liaison corrects an update while it awaits review, within their department's tasks only; a reviewed
update stays as it was reviewed; two desks editing the same update cannot silently undo each other; and the
command line ``zzdesk update-edit``."""

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import select

from zzdesk.cli import login, main
from zzdesk.cli.parser import build_parser
from zzdesk.domain.dates import Deadline, Period, parse_date
from zzdesk.domain.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import ReviewState, Status
from zzdesk.services import assignments, closing, departments, updates
from zzdesk.services.assignments import AssignmentChange
from zzdesk.services.context import ServiceContext
from zzdesk.services.updates import UpdateInput
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry

LEAD, CO, OTHER = "市发展改革委", "市财政局", "市教育局"
FIRST = UpdateInput(status=Status.ON_TRACK, progress=40, text="已召开项目推进会。", problems="资金未到位",
                    next_steps="加快资金拨付", period=Period(2025, 10))
CORRECTED = UpdateInput(status=Status.ON_TRACK, progress=45, text="已召开项目推进会，印发工作方案。",
                        problems="资金未到位", next_steps="加快资金拨付")


def _liaison(ctx: ServiceContext, name: str, department: str) -> ServiceContext:
    department_id = next(d.id for d in departments.list_departments(ctx) if d.name == department)
    return dataclasses.replace(ctx, actor=name, user=CurrentUser(name, Role.LIAISON, department_id, department))


@pytest.fixture
def office(ctx: ServiceContext) -> dict[str, ServiceContext]:
    """1.1 led by 市发展改革委 with 市财政局 co-operating; a clerk and three liaisons."""
    assignments.assign(ctx, "1.1", AssignmentChange(lead=LEAD, co=[CO], deadline=Deadline(parse_date("2026-06-30"))))
    return {"clerk": dataclasses.replace(ctx, actor="李督查", user=CurrentUser("李督查", Role.CLERK)),
            "lead": _liaison(ctx, "发改委联络员", LEAD), "co": _liaison(ctx, "财政局联络员", CO),
            "other": _liaison(ctx, "教育局联络员", OTHER)}


def _trail(ctx: ServiceContext, action: str | None = None) -> list[AuditEntry]:
    with read_session(ctx.engine) as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(session.exec(query))


def test_a_liaison_corrects_an_update_awaiting_review(office):
    lead = office["lead"]
    logged = updates.log_update(lead, "1.1", FIRST)
    edited = updates.edit_update(lead, logged.id, CORRECTED)

    (shown,) = updates.history(office["clerk"], "1.1")
    assert (shown.id, shown.period, shown.progress, shown.text) == (logged.id, "2025-10", 45, CORRECTED.text)
    assert (shown.problems, shown.next_steps) == ("资金未到位", "加快资金拨付")
    assert shown.review is ReviewState.SUBMITTED  # still waits for the clerk
    assert shown.reporter == "发改委联络员"
    assert edited.version_id > logged.version_id
    (row,) = _trail(lead, "update.edit")
    assert (row.actor, row.entity_key, row.outcome) == ("发改委联络员", f"1.1@2025-10#{logged.id}", "ok")
    assert json.loads(row.changes) == {"progress": [40, 45], "text": [FIRST.text, CORRECTED.text]}


def test_the_co_operating_department_may_correct_it_too_and_then_the_clerk_reviews_the_corrected_text(office):
    logged = updates.log_update(office["lead"], "1.1", FIRST)
    updates.edit_update(office["co"], logged.id, dataclasses.replace(FIRST, problems="", progress=50))
    reviewed = updates.review_update(office["clerk"], logged.id, accept=True)
    assert (reviewed.progress, reviewed.problems, reviewed.review) == (50, "", ReviewState.ACCEPTED)


def test_an_edit_that_changes_nothing_writes_nothing(office):
    logged = updates.log_update(office["lead"], "1.1", FIRST)
    again = updates.edit_update(office["lead"], logged.id, FIRST)
    assert again == logged
    assert _trail(office["lead"], "update.edit") == []


@pytest.mark.parametrize(("accept", "note", "words"), [(True, "", "已采纳"), (False, "请补充项目清单", "重新报送")])
def test_a_reviewed_update_cannot_be_edited(office, accept, note, words):
    logged = updates.log_update(office["lead"], "1.1", FIRST)
    reviewed = updates.review_update(office["clerk"], logged.id, accept=accept, note=note)
    for who in ("lead", "clerk"):
        with pytest.raises(ValidationError) as refused:
            updates.edit_update(office[who], logged.id, CORRECTED)
        assert words in refused.value.message
    assert updates.history(office["clerk"], "1.1") == [reviewed]
    assert _trail(office["lead"], "update.edit") == []


def test_a_closed_task_refuses_edits(office):
    clerk = office["clerk"]
    final = updates.log_update(office["lead"], "1.1", UpdateInput(status=Status.COMPLETED, progress=100,
                                                                  text="全部完成。"))
    updates.review_update(clerk, final.id, accept=True)
    closing.close_task(clerk, "1.1")
    with pytest.raises(ValidationError, match="已办结"):
        updates.edit_update(clerk, final.id, dataclasses.replace(CORRECTED, status=Status.COMPLETED, progress=100))


def test_a_liaison_of_another_department_is_refused_and_the_attempt_audited(office):
    logged = updates.log_update(office["lead"], "1.1", FIRST)
    other = office["other"]
    with pytest.raises(PermissionDeniedError) as refused:
        updates.edit_update(other, logged.id, CORRECTED)
    assert refused.value.message == (f"联络员只能修改本单位牵头或配合任务的报送（1.1 由{LEAD}牵头，{CO}配合；"
                                     f"您的单位是{OTHER}）")
    assert updates.history(other, "1.1") == [logged]
    (denied,) = _trail(other, "permission.denied")
    assert (denied.actor, denied.outcome, denied.entity, denied.entity_key) == (
        "教育局联络员", "denied", "status_update", f"#{logged.id}")
    assert json.loads(denied.changes)["action"] == [None, "修改进展报送"]
    for leader in (CurrentUser("赵领导", Role.LEADER), CurrentUser("王管理", Role.ADMIN)):
        with pytest.raises(PermissionDeniedError):
            updates.edit_update(dataclasses.replace(other, user=leader, actor=leader.name), logged.id, CORRECTED)
    assert updates.history(other, "1.1") == [logged]


def test_two_desks_editing_the_same_update(office):
    lead, co = office["lead"], office["co"]
    logged = updates.log_update(lead, "1.1", FIRST)
    lead_form, co_form = updates.get_update(lead, logged.id), updates.get_update(co, logged.id)  # both open it
    updates.edit_update(lead, logged.id, CORRECTED, expected_version=lead_form.version_id)

    mine = dataclasses.replace(FIRST, progress=60, text="项目清单已报市政府。", period=None)
    with pytest.raises(ConflictError) as refused:
        updates.edit_update(co, logged.id, mine, expected_version=co_form.version_id)
    error = refused.value
    assert error.changed_by == "发改委联络员"
    assert ("进度", "40%", "45%") in error.changes
    assert ("进展情况", CORRECTED.text) in error.current
    assert updates.get_update(co, logged.id).progress == 45  # the first desk's correction stands

    kept = updates.edit_update(co, logged.id, mine, expected_version=co_form.version_id, force=True)
    assert (kept.progress, kept.text) == (60, "项目清单已报市政府。")
    last = _trail(co, "update.edit")[-1]
    assert last.actor == "财政局联络员"
    assert json.loads(last.changes)["overwrite"] == [lead_form.version_id + 1, co_form.version_id]


def test_a_review_after_the_form_was_loaded_is_a_conflict_not_a_silent_edit(office):
    logged = updates.log_update(office["lead"], "1.1", FIRST)
    updates.review_update(office["clerk"], logged.id, accept=False, note="请补充数据")
    with pytest.raises(ConflictError) as refused:
        updates.edit_update(office["lead"], logged.id, CORRECTED, expected_version=logged.version_id)
    assert ("审核", "待审核", "已退回") in refused.value.changes


@pytest.mark.parametrize(("change", "words"), [
    ({"progress": 120}, "超出范围"),
    ({"text": "   "}, "进展情况不能为空"),
    ({"status": Status.COMPLETED, "progress": 90}, "进度应为 100"),
    ({"period": Period(2025, 9)}, "报送期不能修改"),
])
def test_invalid_corrections_change_nothing(office, change, words):
    lead = office["lead"]
    logged = updates.log_update(lead, "1.1", FIRST)
    trail = _trail(lead)
    with pytest.raises(ValidationError) as refused:
        updates.edit_update(lead, logged.id, dataclasses.replace(CORRECTED, **change))
    assert words in refused.value.message
    assert updates.history(lead, "1.1") == [logged]
    assert _trail(lead) == trail


def test_an_unknown_update_is_not_found(office):
    with pytest.raises(NotFoundError, match="#999"):
        updates.edit_update(office["clerk"], 999, CORRECTED)


# ----------------------------------------------------------------------------------------------- the command line

PASSWORD = "Edit-pass-2025!"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _history(capsys: pytest.CaptureFixture[str], db: str) -> list[dict]:
    code, out, err = _run(capsys, "--db", db, "history", "1.1", "--json")
    assert code == 0, err
    return json.loads(out)


def _dump(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return "\n".join(line for line in connection.iterdump()
                         if not line.startswith(('INSERT INTO "audit_entry"', 'INSERT INTO "audit_head"')))
    finally:
        connection.close()


def test_cli_update_edit(capsys, tmp_path, monkeypatch):
    for name in ("ZZDESK_ADMIN_PASSWORD", "ZZDESK_PASSWORD", "ZZDESK_NEW_PASSWORD"):
        monkeypatch.setenv(name, PASSWORD)
    monkeypatch.setenv("ZZDESK_ADMIN_NAME", "管理员")
    db = str(tmp_path / "台账.sqlite3")
    assert _run(capsys, "--db", db, "init")[0] == 0
    assert _run(capsys, "--db", db, "--user", "管理员", "user", "add", "测试员", "--role", "clerk")[0] == 0
    code, _, err = _run(capsys, "--db", db, "update", "1.1", "--status", "正常推进", "--progress", "40",
                        "--text", "召开推进会", "--problems", "资金不足", "--next", "加快拨付")
    assert code == 0, err
    update_id = _history(capsys, db)[0]["id"]

    code, out, err = _run(capsys, "--db", db, "update-edit", str(update_id), "--progress", "55%",
                          "--text", "召开推进会，印发方案")
    assert code == 0, err
    assert f"已修改报送 #{update_id}" in out and "55%" in out
    (row,) = _history(capsys, db)
    assert (row["status"], row["progress"], row["text"]) == ("正常推进", 55, "召开推进会，印发方案")
    assert (row["problems"], row["next"], row["review"]) == ("资金不足", "加快拨付", "submitted")  # kept

    path = Path(db)
    before = _dump(path)
    code, _, err = _run(capsys, "--db", db, "update-edit", str(update_id))
    assert code == 1 and "没有要修改的内容" in err
    code, _, err = _run(capsys, "--db", db, "update-edit", str(update_id), "--progress", "120")
    assert code == 1 and "超出范围" in err
    assert _dump(path) == before

    assert _run(capsys, "--db", db, "review", str(update_id), "--accept")[0] == 0
    before = _dump(path)
    code, _, err = _run(capsys, "--db", db, "update-edit", f"#{update_id}", "--next", "继续推进")
    assert code == 1 and "已采纳" in err and "Traceback" not in err
    assert _dump(path) == before


def test_cli_update_edit_needs_a_login():
    args = build_parser().parse_args(["update-edit", "7", "--progress", "50"])
    assert "update-edit" not in login.READING_COMMANDS
    assert login.changes_data(args)
