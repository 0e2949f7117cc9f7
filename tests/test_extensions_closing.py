"""延期申请 and 办结 as a liaison and a clerk go through them: rules, who may, what the ledger, the audit trail, the
printed bulletin and the command line show afterwards."""

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from sqlmodel import select

from zzdesk.cli import main
from zzdesk.domain.dates import Deadline, Period
from zzdesk.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import Light, ReportKind, Status
from zzdesk.services import assignments, closing, departments, extensions, ledger, reports, updates, work_items
from zzdesk.services.extensions import ExtensionState
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry

LEAD, OTHER = "市发展改革委", "市财政局"
FIRST, LATER, LATEST = date(2026, 6, 30), date(2026, 12, 31), date(2027, 3, 31)


def _as(ctx, name: str, role: Role, department: str | None = None):  # type: ignore[no-untyped-def]
    dept_id = next(d.id for d in departments.list_departments(ctx) if d.name == department) if department else None
    return replace(ctx, actor=name, user=CurrentUser(name, role, dept_id, department))


@pytest.fixture
def people(ctx):  # type: ignore[no-untyped-def]
    """1.1 led by 市发展改革委, due 2026-06-30; its liaison, another department's liaison, a clerk, a leader."""
    assignments.assign(ctx, "1.1", assignments.AssignmentChange(lead=LEAD, deadline=Deadline(FIRST)))
    return {"liaison": _as(ctx, "李联络", Role.LIAISON, LEAD), "stranger": _as(ctx, "钱联络", Role.LIAISON, OTHER),
            "clerk": _as(ctx, "王督查", Role.CLERK), "leader": _as(ctx, "赵领导", Role.LEADER)}


def _audit(ctx, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with read_session(ctx.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _changes(row: AuditEntry) -> dict:
    return json.loads(row.changes)


# ------------------------------------------------------------------------------------------------ 延期申请

def test_a_liaison_requests_and_the_clerk_approves_keeping_the_first_deadline(ctx, people):
    request = extensions.request_extension(people["liaison"], "1.1", LATER, "  用地手续尚在报批  ")
    assert (request.state, request.old_deadline, request.new_deadline) == (ExtensionState.PENDING, FIRST, LATER)
    assert request.reason == "用地手续尚在报批" and request.requested_by == "李联络"
    assert [r.id for r in extensions.pending_extensions(people["clerk"])] == [request.id]
    assert ledger.task_view(ctx, "1.1").deadline == FIRST  # nothing moves before the decision

    decided = extensions.decide_extension(people["clerk"], request.id, approve=True, note="同意")
    assert (decided.state_label, decided.decided_by, decided.decision_note) == ("已批准", "王督查", "同意")
    view = ledger.task_view(ctx, "1.1")
    assert (view.deadline, view.original_deadline, view.extended) == (LATER, FIRST, True)
    assert extensions.pending_extensions(ctx) == []

    # A second extension moves the deadline again; the first deadline stays the original.
    again = extensions.request_extension(people["liaison"], "1.1", LATEST, "配套资金下达推迟")
    assert again.old_deadline == LATER
    extensions.decide_extension(people["clerk"], again.id, approve=True)
    view = ledger.task_view(ctx, "1.1")
    assert (view.deadline, view.original_deadline) == (LATEST, FIRST)
    assert [r.new_deadline for r in extensions.extensions_of(ctx, "1.1")] == [LATEST, LATER]  # newest first

    approvals = _audit(ctx, "extension.approve")
    assert [(row.actor, row.entity_key) for row in approvals] == [("王督查", "1.1"), ("王督查", "1.1")]
    assert _changes(approvals[0])["deadline"] == [FIRST.isoformat(), LATER.isoformat()]
    assert _changes(approvals[0])["original_deadline"] == [None, FIRST.isoformat()]
    assert "original_deadline" not in _changes(approvals[1])  # set once, never overwritten
    requests = _audit(ctx, "extension.request")
    assert [row.actor for row in requests] == ["李联络", "李联络"]
    assert _changes(requests[0])["reason"] == [None, "用地手续尚在报批"]


def test_a_rejection_needs_a_reason_and_leaves_the_deadline(ctx, people):
    request = extensions.request_extension(people["liaison"], "1.1", LATER, "人手不足")
    with pytest.raises(ValidationError, match="写明理由"):
        extensions.decide_extension(people["clerk"], request.id, approve=False, note=" ")
    rejected = extensions.decide_extension(people["clerk"], request.id, approve=False, note="理由不充分")
    assert (rejected.state, rejected.decision_note) == (ExtensionState.REJECTED, "理由不充分")
    view = ledger.task_view(ctx, "1.1")
    assert (view.deadline, view.original_deadline, view.extended) == (FIRST, None, False)
    with pytest.raises(ValidationError, match="已驳回"):
        extensions.decide_extension(people["clerk"], request.id, approve=True)
    row = _audit(ctx, "extension.reject")[-1]
    assert (row.entity, row.entity_key, _changes(row)["note"]) == ("extension_request", f"1.1#{request.id}",
                                                                   ["", "理由不充分"])
    # Once decided, the department may ask again.
    assert extensions.request_extension(people["liaison"], "1.1", LATEST, "补充了理由").state is ExtensionState.PENDING


@pytest.mark.parametrize(("new_deadline", "reason", "words"), [
    (LATER, "", "延期理由"),
    (FIRST, "来不及", "应晚于当前完成时限 2026-06-30"),
    (date(2026, 1, 1), "来不及", "应晚于"),
])
def test_a_request_without_reason_or_with_an_earlier_date_is_refused(ctx, people, new_deadline, reason, words):
    with pytest.raises(ValidationError, match=words):
        extensions.request_extension(people["liaison"], "1.1", new_deadline, reason)
    assert extensions.extensions_of(ctx, "1.1") == []


def test_one_pending_request_per_task(ctx, people):
    first = extensions.request_extension(people["liaison"], "1.1", LATER, "原因一")
    with pytest.raises(ValidationError, match=f"待审批的延期申请（#{first.id}"):
        extensions.request_extension(people["clerk"], "1.1", LATEST, "原因二")
    assert len(extensions.extensions_of(ctx, "1.1")) == 1


def test_tasks_without_a_date_cannot_be_extended(ctx, people):
    with pytest.raises(ValidationError, match="尚未设定完成时限"):
        extensions.request_extension(ctx, "1.2", LATER, "原因")
    assignments.assign(ctx, "1.2", assignments.AssignmentChange(lead=LEAD, deadline=Deadline(None, ongoing=True)))
    with pytest.raises(ValidationError, match="长期"):
        extensions.request_extension(ctx, "1.2", LATER, "原因")


def test_approving_after_the_deadline_was_reassigned_is_refused(ctx, people):
    request = extensions.request_extension(people["liaison"], "1.1", LATER, "原因")
    assignments.assign(ctx, "1.1", assignments.AssignmentChange(deadline=Deadline(LATEST)))
    with pytest.raises(ValidationError, match="已改为 2027-03-31"):
        extensions.decide_extension(people["clerk"], request.id, approve=True)
    assert ledger.task_view(ctx, "1.1").deadline == LATEST


def test_who_may_request_and_decide(ctx, people):
    with pytest.raises(PermissionDeniedError, match="联络员只能为本单位牵头或配合的任务申请延期"):
        extensions.request_extension(people["stranger"], "1.1", LATER, "原因")
    with pytest.raises(PermissionDeniedError):
        extensions.request_extension(people["leader"], "1.1", LATER, "原因")
    request = extensions.request_extension(people["liaison"], "1.1", LATER, "原因")
    for person in ("liaison", "leader"):
        with pytest.raises(PermissionDeniedError, match="审批延期申请只能由督查室办理"):
            extensions.decide_extension(people[person], request.id, approve=True)
    assert extensions.extensions_of(ctx, "1.1")[0].state is ExtensionState.PENDING
    with read_session(ctx.engine) as session:  # refused attempts are on record too
        denied = session.exec(select(AuditEntry.actor).where(AuditEntry.outcome == "denied",
                                                              AuditEntry.entity_key == f"#{request.id}")).all()
    assert denied == ["李联络", "赵领导"]
    with pytest.raises(NotFoundError):
        extensions.decide_extension(people["clerk"], 999, approve=True)


# ------------------------------------------------------------------------------------------------ 办结

def _final_update(ctx, code: str, accept: bool = True):  # type: ignore[no-untyped-def]
    update = updates.log_update(ctx, code, updates.UpdateInput(status=Status.COMPLETED, progress=100, text="全部完成"))
    if accept:
        updates.review_update(ctx, update.id, accept=True)
    return update


def test_closing_needs_an_accepted_final_update(ctx, people):
    clerk = people["clerk"]
    with pytest.raises(ValidationError, match="还没有已采纳的进展报送"):
        closing.close_task(clerk, "1.1")
    on_track = updates.log_update(ctx, "1.1", updates.UpdateInput(status=Status.ON_TRACK, progress=80, text="推进"))
    updates.review_update(ctx, on_track.id, accept=True)
    with pytest.raises(ValidationError, match="“正常推进”80%"):
        closing.close_task(clerk, "1.1")
    final = _final_update(ctx, "1.1", accept=False)
    with pytest.raises(ValidationError, match=f"待审核的进展报送（#{final.id}）"):
        closing.close_task(clerk, "1.1")
    updates.review_update(ctx, final.id, accept=True)
    assert ledger.task_view(ctx, "1.1").closed is False

    view = closing.close_task(clerk, "1.1", "验收合格")
    assert (view.closed, view.closed_by, view.status_label, view.light) == (True, "王督查", "已办结", Light.DONE)
    assert view.light_reasons == ("已办结",)
    row = _audit(ctx, "task.close")[-1]
    assert (row.actor, row.entity_key, _changes(row)["note"]) == ("王督查", "1.1", ["", "验收合格"])
    with pytest.raises(ValidationError, match="已于"):
        closing.close_task(clerk, "1.1")


def test_a_closed_task_takes_no_updates_or_extensions_until_reopened(ctx, people):
    _final_update(ctx, "1.1")
    closing.close_task(people["clerk"], "1.1")
    with pytest.raises(ValidationError, match="已办结，不再接收进展报送"):
        updates.log_update(people["liaison"], "1.1", updates.UpdateInput(status=Status.ON_TRACK, progress=90,
                                                                          text="补报"))
    with pytest.raises(ValidationError, match="已办结，不能再申请延期"):
        extensions.request_extension(people["liaison"], "1.1", LATER, "原因")
    with pytest.raises(ValidationError, match="理由"):
        closing.reopen_task(people["clerk"], "1.1", "")
    with pytest.raises(PermissionDeniedError):
        closing.reopen_task(people["liaison"], "1.1", "发现问题")
    view = closing.reopen_task(people["clerk"], "1.1", "复核发现问题")
    assert (view.closed, view.status_label) == (False, "已完成")
    assert _changes(_audit(ctx, "task.reopen")[-1])["reason"] == [None, "复核发现问题"]
    assert updates.log_update(people["liaison"], "1.1", updates.UpdateInput(
        status=Status.ON_TRACK, progress=90, text="整改中")).status is Status.ON_TRACK


def test_only_a_clerk_closes(ctx, people):
    _final_update(ctx, "1.1")
    for person in ("liaison", "leader"):
        with pytest.raises(PermissionDeniedError, match="办结确认只能由督查室办理"):
            closing.close_task(people[person], "1.1")
    assert ledger.task_view(ctx, "1.1").closed is False


def test_a_pending_extension_blocks_closing(ctx, people):
    request = extensions.request_extension(people["liaison"], "1.1", LATER, "原因")
    _final_update(ctx, "1.1")
    with pytest.raises(ValidationError, match=f"待审批的延期申请（#{request.id}）"):
        closing.close_task(people["clerk"], "1.1")


def test_a_measure_split_into_items_closes_once_every_item_is_closed(ctx, people):
    codes = [work_items.add_work_item(ctx, "1.1", text) for text in ("建立项目库", "组织集中开工")]
    for code in codes:
        assignments.assign(ctx, code, assignments.AssignmentChange(lead=LEAD, deadline=Deadline(FIRST)))
        _final_update(ctx, code)
    closing.close_task(people["clerk"], codes[0])
    with pytest.raises(ValidationError, match=f"具体任务 {codes[1]} 尚未办结"):
        closing.close_task(people["clerk"], "1.1")
    closing.close_task(people["clerk"], codes[1])
    measure = closing.close_task(people["clerk"], "1.1")
    assert measure.closed and [item.status_label for item in measure.items] == ["已办结", "已办结"]


# ------------------------------------------------------------------------------------------------ where it shows

def test_the_bulletin_appendix_prints_the_original_deadline(ctx, people, tmp_path: Path):
    request = extensions.request_extension(people["liaison"], "1.1", LATER, "用地报批")
    extensions.decide_extension(people["clerk"], request.id, approve=True)
    assignments.assign(ctx, "1.2", assignments.AssignmentChange(lead=LEAD, deadline=Deadline(LATEST)))
    updates.log_update(ctx, "1.1", updates.UpdateInput(status=Status.ON_TRACK, progress=30, text="推进中",
                                                        period=Period(2025, 10)))
    result = reports.generate_report(ctx, reports.ReportRequest(kind=ReportKind.BULLETIN), tmp_path / "通报.pdf")
    with pdfplumber.open(result.path) as pdf:
        rows = [row for page in pdf.pages for table in page.extract_tables() for row in table
                if table[0][:4] == ["编号", "举措", "牵头单位", "完成时限"]]
    deadlines = {row[0]: row[3] for row in rows}
    assert deadlines["1.1"] == "2026.12.31\n原2026.06.30"  # the new deadline, the original under it
    assert deadlines["1.2"] == "2027.03.31"  # never extended: the deadline stands alone
    assert sum("原" in cell for cell in deadlines.values()) == 1


PASSWORD = "Test-pass-2025"


def _cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_requests_decides_and_closes(capsys, tmp_path, monkeypatch):
    for name in ("ZZDESK_ADMIN_PASSWORD", "ZZDESK_PASSWORD", "ZZDESK_NEW_PASSWORD"):
        monkeypatch.setenv(name, PASSWORD)
    monkeypatch.setenv("ZZDESK_ADMIN_NAME", "管理员")
    db = str(tmp_path / "台账.sqlite3")
    assert _cli(capsys, "--db", db, "init")[0] == 0
    for account in (("王督查", "--role", "clerk"), ("李联络", "--role", "liaison", "--dept", LEAD)):
        assert _cli(capsys, "--db", db, "--user", "管理员", "user", "add", *account)[0] == 0
    clerk, liaison = ("--db", db, "--user", "王督查"), ("--db", db, "--user", "李联络")
    assert _cli(capsys, *clerk, "assign", "1.1", "--lead", LEAD, "--deadline", "2099-06-30")[0] == 0

    code, out, _ = _cli(capsys, *liaison, "extend", "1.1", "--to", "2099-12-31", "--reason", "用地报批")
    assert code == 0 and "已提交延期申请 #1" in out and "2099-06-30 → 2099-12-31" in out
    code, _, err = _cli(capsys, *liaison, "extension", "decide", "1", "--approve")
    assert code == 1 and err.startswith("错误：审批延期申请只能由督查室办理")
    code, _, err = _cli(capsys, *clerk, "extension", "decide", "1", "--reject")
    assert code == 1 and "驳回延期申请时请写明理由" in err
    code, out, _ = _cli(capsys, *clerk, "extension", "list", "--json")
    assert [(r["id"], r["state"], r["reason"]) for r in json.loads(out)] == [(1, "待审批", "用地报批")]
    code, out, _ = _cli(capsys, *clerk, "extension", "decide", "#1", "--approve", "--note", "同意")
    assert code == 0 and "完成时限改为 2099-12-31（原 2099-06-30）" in out
    code, out, _ = _cli(capsys, "--db", db, "show", "1.1", "--json")
    shown = json.loads(out)
    assert (shown["deadline"], shown["original_deadline"], shown["closed"]) == ("2099-12-31", "2099-06-30", False)
    code, out, _ = _cli(capsys, "--db", db, "show", "1.1")
    assert "完成时限：2099-12-31（原2099-06-30）" in out

    code, _, err = _cli(capsys, *clerk, "close", "1.1")
    assert code == 1 and "已采纳的“已完成”报送" in err
    assert _cli(capsys, *liaison, "update", "1.1", "--status", "已完成", "--progress", "100", "--text", "完成")[0] == 0
    assert _cli(capsys, *clerk, "review", "1", "--accept")[0] == 0
    code, out, _ = _cli(capsys, *clerk, "close", "1.1", "--note", "验收合格")
    assert code == 0 and out.startswith("已办结 1.1")
    code, out, _ = _cli(capsys, "--db", db, "show", "1.1", "--json")
    assert (json.loads(out)["closed"], json.loads(out)["status"], json.loads(out)["light"]) == (True, "已办结", "done")
    code, out, _ = _cli(capsys, *clerk, "reopen", "1.1", "--reason", "复核")
    assert code == 0 and "已撤销 1.1 的办结" in out
