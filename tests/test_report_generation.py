"""Generating the department reports through the one service the GUI and CLI share: the file, the archive, and
the reminder a 催办通知 leaves on record."""

import json
import re

import pypdf
import pytest
from sqlmodel import select

from zzdesk.cli import main
from zzdesk.domain.errors import NotFoundError, ValidationError
from zzdesk.domain.vocabulary import ReportKind
from zzdesk.services import demo, ledger, report_archive
from zzdesk.services.dashboard import is_overdue
from zzdesk.services.reports import ReportRequest, default_file_name, generate_report
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry


@pytest.fixture
def demo_ctx(ctx):
    demo.populate_demo(ctx)
    return ctx


def _rows(ctx):
    plan = ledger.plan_view(ctx)
    return [t for g in plan.groups for m in g.measures for t in (m, *m.items)]


def _text(path) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(path).pages))


def test_urging_notice_is_recorded_as_a_reminder_and_counted(demo_ctx, tmp_path):
    late = [t for t in _rows(demo_ctx) if t.lead and is_overdue(t, demo_ctx.today())]
    department = late[0].lead
    codes = {t.code for t in late if t.lead == department}
    first = generate_report(demo_ctx, ReportRequest(ReportKind.URGE, department=department), tmp_path / "1.pdf")
    assert first.title == f"催办通知 {department}"
    assert "此为第" not in _text(first.path)
    second = generate_report(demo_ctx, ReportRequest(ReportKind.URGE, department=department), tmp_path / "2.pdf")
    assert "此为第2次催办" in _text(second.path)
    entries = report_archive.archive(demo_ctx, ReportKind.URGE)
    assert [(e.department, e.file_name) for e in entries] == [(department, str(second.path)),
                                                               (department, str(first.path))]
    with read_session(demo_ctx.engine) as session:
        sent = session.exec(select(AuditEntry).where(AuditEntry.action == "reminder.sent")).all()
    assert len(sent) == 2
    assert codes <= set(json.loads(sent[0].changes)["items"][1])


def test_nothing_to_urge_is_refused_and_leaves_nothing(demo_ctx, tmp_path):
    rows = _rows(demo_ctx)
    calm = next(t.lead for t in rows if t.lead and not any(
        r.lead == t.lead and (is_overdue(r, demo_ctx.today()) or r.report_missing) for r in rows))
    with pytest.raises(ValidationError, match="无需催办"):
        generate_report(demo_ctx, ReportRequest(ReportKind.URGE, department=calm), tmp_path / "u.pdf")
    assert not (tmp_path / "u.pdf").exists()
    assert report_archive.archive(demo_ctx) == []


def test_department_sheet_and_brief_are_archived(demo_ctx, tmp_path):
    department = _rows(demo_ctx)[0].lead
    sheet = generate_report(demo_ctx, ReportRequest(ReportKind.DEPARTMENT, department=department),
                            tmp_path / "sheet.pdf")
    brief = generate_report(demo_ctx, ReportRequest(ReportKind.BRIEF), tmp_path / "brief.pdf")
    assert department in _text(sheet.path)
    assert brief.pages == 1
    kinds = [(e.kind, e.department) for e in report_archive.archive(demo_ctx)]
    assert kinds == [(ReportKind.BRIEF, None), (ReportKind.DEPARTMENT, department)]


def test_department_reports_need_a_known_department(demo_ctx, tmp_path):
    with pytest.raises(ValidationError, match="需要指定单位"):
        generate_report(demo_ctx, ReportRequest(ReportKind.DEPARTMENT, department="  "), tmp_path / "a.pdf")
    with pytest.raises(NotFoundError, match="不在单位名录中"):
        generate_report(demo_ctx, ReportRequest(ReportKind.DEPARTMENT, department="市不存在局"), tmp_path / "a.pdf")
    with pytest.raises(ValidationError, match=r"应以 \.pdf 结尾"):
        generate_report(demo_ctx, ReportRequest(ReportKind.BRIEF), tmp_path / "brief.docx")
    assert list(tmp_path.glob("*.pdf")) == [] and not (tmp_path / "brief.docx").exists()


def test_default_file_names_say_what_and_when(demo_ctx):
    assert default_file_name(ReportRequest(ReportKind.BULLETIN), demo_ctx) == "督查通报-2025-10.pdf"
    assert default_file_name(ReportRequest(ReportKind.URGE, department="市财政局"), demo_ctx) == \
        "催办通知-市财政局-2025-11-20.pdf"


@pytest.mark.usefixtures("demo_clerk")
def test_cli_department_urge_and_brief(tmp_path, capsys):
    db = str(tmp_path / "cli.sqlite3")
    assert main(["--db", db, "init", "--demo"]) == 0
    for kind, extra in (("department", ["--dept", "发改委"]), ("brief", [])):
        out = tmp_path / f"{kind}.pdf"
        assert main(["--db", db, "report", kind, *extra, "--out", str(out)]) == 0
        assert out.read_bytes().startswith(b"%PDF")
    assert "已生成领导简报" in capsys.readouterr().out


@pytest.mark.usefixtures("demo_clerk")
def test_cli_verifies_an_original_and_rejects_a_modified_copy(tmp_path, capsys):
    db = str(tmp_path / "cli.sqlite3")
    assert main(["--db", db, "init", "--demo"]) == 0
    original = tmp_path / "brief.pdf"
    assert main(["--db", db, "report", "brief", "--out", str(original)]) == 0
    capsys.readouterr()
    assert main(["--db", db, "report", "verify", str(original)]) == 0
    assert "校验通过：与存档中的“领导简报”一致" in capsys.readouterr().out
    copy = tmp_path / "copy.pdf"
    data = bytearray(original.read_bytes())
    data[-10] ^= 1
    copy.write_bytes(bytes(data))
    assert main(["--db", db, "report", "verify", str(copy)]) == 1
    assert "校验未通过" in capsys.readouterr().err
    assert main(["--db", db, "report", "verify", str(tmp_path / "none.pdf")]) == 1
    assert "找不到文件" in capsys.readouterr().err


def test_an_approved_extension_shows_the_original_deadline_in_every_report(demo_ctx, tmp_path):
    from datetime import timedelta

    from zzdesk.services import extensions

    task = next(t for t in _rows(demo_ctx) if t.kind == "measure" and t.lead and t.deadline
                and is_overdue(t, demo_ctx.today()))
    request = extensions.request_extension(demo_ctx, task.code, task.deadline + timedelta(days=3), "汛期施工推迟")
    extensions.decide_extension(demo_ctx, request.id, approve=True, note="同意")
    first = task.deadline
    original = f"原{first.year}.{first.month:02d}.{first.day:02d}"
    sheet = generate_report(demo_ctx, ReportRequest(ReportKind.DEPARTMENT, department=task.lead), tmp_path / "s.pdf")
    urge = generate_report(demo_ctx, ReportRequest(ReportKind.URGE, department=task.lead), tmp_path / "u.pdf")
    bulletin = generate_report(demo_ctx, ReportRequest(ReportKind.BULLETIN), tmp_path / "b.pdf")
    assert original in _text(sheet.path)
    assert original in _text(urge.path)
    text = _text(bulletin.path)
    assert f"原定{first.year}年{first.month}月{first.day}日，已批准延期" in text and original in text
