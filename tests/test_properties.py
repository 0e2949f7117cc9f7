"""Property-based tests: whatever a user types, a service either does the job or refuses with a DomainError.

Never any other exception (that would be a crash in front of the clerk), and a refusal leaves every table as it
was (no partial write). A success must read back as the cleaned input. Each test gets one database; every example
starts from the same snapshot (SQLite's backup API; on PostgreSQL a database cloned from a copy), so examples never
leak into each other. Both engines get the same examples: that is how text with NUL was found to crash PostgreSQL.
"""

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from postgres_server import PostgresServer
from zzdesk.domain import codes, dates, vocabulary
from zzdesk.domain.dates import Deadline, Period
from zzdesk.domain.errors import DomainError
from zzdesk.domain.vocabulary import Cycle, DepartmentKind, Status
from zzdesk.services import assignments, departments, extensions, ledger, office_settings, updates, work_items
from zzdesk.services.assignments import AssignmentChange
from zzdesk.services.context import ServiceContext
from zzdesk.services.updates import UpdateInput

# ZZDESK_PROPERTY_EXAMPLES=2000 for a long bug hunt; the default keeps the file at a few seconds.
EXAMPLES = int(os.environ.get("ZZDESK_PROPERTY_EXAMPLES", "100"))

SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SKIPPED_TABLES = {"audit_entry", "audit_head"}

# Text people paste by accident or on purpose: full-width digits, control characters, emoji, SQL, huge text.
ADVERSARIAL = st.sampled_from([
    "", " ", "\u3000", "\t\n\r", "\x00", "\x1b[31m", "\u200b", "\ufeff", "１．２", "１２３４５６７８９０", "８０％",
    "１", "1.2", "1.2.3", "0", "-1", "101", "9" * 40, "1e9", "NaN", "inf", "🙂🚀", "𠀋𡈽", "'; DROP TABLE task; --",
    "\" OR 1=1 --", "%", "_", "NULL", "None", "a" * 5001, "长" * 1001, "市" * 201, "2025-02-30", "2025-13-01",
    "0000-01-01", "9999-12-31", "2025年2月29日", "２０２５－１２－３１", "长期", "ONGOING", "市财政局", "财政局",
    "市政府督查室", "1.99", "99.1", "1.1.999", "1..2", ".1", "1.", "\ud7ff", "٣", "½", "²",
])
# Plausible input is drawn as often as hostile input, so that successes are checked too.
PLAIN = st.text(alphabet=st.sampled_from("推进项目建设完成审批工作专班 　\n\t0123456789０１２ABCabc，。、（）%🙂"),
                min_size=1, max_size=40)
TEXT = st.one_of(PLAIN, PLAIN, ADVERSARIAL, st.text(max_size=60),
                 st.builds(lambda n, part: (part * n)[:n], st.integers(4995, 5005),
                           st.sampled_from(["字", " 字\n", "🙂"])))
VALID_CODES = st.sampled_from(["1.1", "1.1.1", "１．１", " 1.1 ", "1．1．1", "2.1", "8.1"])
CODES = st.one_of(VALID_CODES, VALID_CODES, st.sampled_from(["２.１", "3", "9.9", "1.100", "0.1", "1.1.2"]),
                  ADVERSARIAL, st.text(max_size=12))
NAMES = st.sampled_from(["市委组织部", "组织部", " 市委 宣传部 ", "宣传部", "市委网信办", "编办"])
DEPARTMENTS = st.one_of(NAMES, NAMES, st.just("不存在的局"), ADVERSARIAL, st.text(max_size=12))
DATES = st.one_of(st.none(), st.dates(), st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31)))
SMALL_INTS = st.one_of(st.integers(-5, 40), st.integers(-(2**70), 2**70))


def _dump(ctx: ServiceContext) -> dict[str, list[tuple]]:
    """Every row of every table except the audit trail, in a stable order."""
    with ctx.engine.connect() as connection:
        tables = [t for t in inspect(connection).get_table_names() if t not in SKIPPED_TABLES]
        return {t: sorted((tuple(row) for row in connection.execute(text(f'SELECT * FROM "{t}"'))), key=repr)
                for t in tables}


class Snapshot:
    """The database as it was after setup, restored before each example."""

    def __init__(self, ctx: ServiceContext, server: PostgresServer | None) -> None:
        self.ctx, self.server = ctx, server
        self.initial = _dump(ctx)
        ctx.engine.dispose()
        if server is not None:
            self.copy = server.copy_of(ctx.database.target.url)
        else:
            self.memory = sqlite3.connect(":memory:")
            with closing(sqlite3.connect(str(ctx.database.target.sqlite_path))) as source:
                source.backup(self.memory)

    def restore(self) -> dict[str, list[tuple]]:
        self.ctx.engine.dispose()
        if self.server is not None:
            self.server.reset_to(self.ctx.database.target.url, self.copy)
        else:
            target = sqlite3.connect(str(self.ctx.database.target.sqlite_path))
            try:
                self.memory.backup(target)
            finally:
                target.close()
        restored = _dump(self.ctx)
        assert restored == self.initial, "the previous example leaked into this one"
        return restored

    def close(self) -> None:
        if self.server is not None:
            self.server.drop(self.copy)
        else:
            self.memory.close()


def _server(backend: str, request: pytest.FixtureRequest) -> PostgresServer | None:
    return request.getfixturevalue("postgres_server") if backend == "postgresql" else None


@pytest.fixture
def snap(ctx: ServiceContext, backend: str, request: pytest.FixtureRequest) -> Iterator[Snapshot]:
    """The plain ledger (plan loaded, nothing assigned) as every example's starting point."""
    snapshot = Snapshot(ctx, _server(backend, request))
    yield snapshot
    snapshot.close()


@pytest.fixture
def prepared(ctx: ServiceContext, backend: str, request: pytest.FixtureRequest) -> Iterator[Snapshot]:
    """1.1 assigned with a deadline and a monthly cycle, work item 1.1.1 created: then the snapshot."""
    assignments.assign(ctx, "1.1", AssignmentChange(lead="市委组织部", co=["宣传部"], leader="张三",
                                                    start=date(2025, 1, 1), deadline=Deadline(date(2026, 6, 30)),
                                                    cycle=Cycle.MONTHLY, due_day=5))
    work_items.add_work_item(ctx, "1.1", "建立工作台账")
    snapshot = Snapshot(ctx, _server(backend, request))
    yield snapshot
    snapshot.close()


def attempt(snap: Snapshot, before: dict[str, list[tuple]], call: Callable[[], object]) -> object | None:
    """Run the call; a refusal must be a DomainError with a message and must leave the tables unchanged."""
    try:
        result = call()
    except DomainError as error:
        event(f"refused: {type(error).__name__}")
        assert error.message.strip()
        assert _dump(snap.ctx) == before, f"partial write after refusal: {error.message}"
        return None
    event("accepted")
    return result


def _clean(text: str) -> str:
    return " ".join(text.split())


# --- domain parsers ---------------------------------------------------------------------------------------------

PARSERS = [dates.parse_date, dates.parse_deadline, dates.parse_period, codes.parse_code, updates.parse_progress,
           vocabulary.parse_status, vocabulary.parse_cycle, vocabulary.parse_department_kind]


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(text=st.one_of(ADVERSARIAL, st.text(max_size=30), st.from_regex(r"\A\d{1,5}[-/.年]\d{1,3}([-/.月]\d{1,3})?\Z")))
def test_parsers_refuse_with_domain_error_only(parser: Callable[[str], object], text: str) -> None:
    try:
        parser(text)
    except DomainError as error:
        assert error.message.strip()


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=date(1000, 1, 1)), sep=st.sampled_from(["-", "/", ".", "年"]),
       fullwidth=st.booleans())
def test_any_real_date_parses_back_to_itself(day: date, sep: str, fullwidth: bool) -> None:
    text = f"{day.year:04d}{sep}{day.month}{'月' if sep == '年' else sep}{day.day}{'日' if sep == '年' else ''}"
    if fullwidth:
        text = text.translate(str.maketrans("0123456789-/.", "０１２３４５６７８９－／．"))
    assert dates.parse_date(text) == day
    assert dates.parse_deadline(text) == Deadline(on=day)


@settings(max_examples=60, deadline=None)
@given(number=st.integers(-1000, 1000), style=st.sampled_from(["int", "str", "pct", "full"]))
def test_progress_accepts_exactly_0_to_100(number: int, style: str) -> None:
    value: int | str = {"int": number, "str": str(number), "pct": f"{number}%",
                        "full": str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))}[style]
    if 0 <= number <= 100:
        assert updates.parse_progress(value) == number
    else:
        with pytest.raises(DomainError):
            updates.parse_progress(value)


# --- services -----------------------------------------------------------------------------------------------------

@SETTINGS
@given(code=CODES, status=st.sampled_from(list(Status)),
       progress=st.one_of(st.integers(0, 100), st.sampled_from([0, 100, "100%", "１００", " 50 "]), SMALL_INTS,
                          ADVERSARIAL),
       text=TEXT, problems=TEXT, next_steps=TEXT,
       period=st.one_of(st.none(), st.builds(Period, st.integers(2020, 2026), st.integers(1, 12)),
                        st.builds(Period, st.integers(1, 9999), st.integers(1, 12))))
def test_log_update(ctx: ServiceContext, prepared: Snapshot, code, status, progress, text, problems, next_steps,
                    period) -> None:
    snap = prepared
    before = snap.restore()
    update = UpdateInput(status=status, progress=progress, text=text, problems=problems, next_steps=next_steps,
                         period=period)
    view = attempt(snap, before, lambda: updates.log_update(ctx, code, update))
    if view is not None:
        stored = next(v for v in updates.history(ctx, code) if v.id == view.id)
        assert (stored.status, stored.progress) == (status, updates.parse_progress(progress))
        assert (stored.text, stored.problems, stored.next_steps) == (text.strip(), problems.strip(),
                                                                      next_steps.strip())
        assert stored.period == str(period or Period.of(ctx.today()))
        assert stored.reporter == ctx.actor


@SETTINGS
@given(code=CODES, lead=st.one_of(st.none(), DEPARTMENTS), co=st.one_of(st.none(), st.lists(DEPARTMENTS, max_size=3)),
       leader=st.one_of(st.none(), TEXT), start=DATES,
       deadline=st.one_of(st.none(), st.just(Deadline(None, ongoing=True)), st.builds(Deadline, DATES)),
       cycle=st.one_of(st.none(), st.sampled_from(list(Cycle))), due_day=st.one_of(st.none(), SMALL_INTS))
def test_assign(ctx: ServiceContext, prepared: Snapshot, code, lead, co, leader, start, deadline, cycle,
                due_day) -> None:
    before = prepared.restore()
    old = attempt(prepared, before, lambda: ledger.task_view(ctx, code))
    change = AssignmentChange(lead=lead, co=co, leader=leader, start=start, deadline=deadline, cycle=cycle,
                              due_day=due_day)
    view = attempt(prepared, before, lambda: assignments.assign(ctx, code, change))
    if view is not None:
        stored = ledger.task_view(ctx, code)
        assert stored == view
        if lead is not None:
            assert _clean(lead) in (stored.lead, _short_name_of(ctx, stored.lead))
        else:
            assert stored.lead == old.lead
        assert len(stored.co) == (len(co) if co is not None else len(old.co))
        assert stored.leader == (_clean(leader) if leader is not None else old.leader)
        assert stored.start == (start if start is not None else old.start)
        if deadline is not None:
            assert (stored.deadline, stored.ongoing) == (deadline.on, deadline.ongoing)
        assert stored.cycle == (cycle if cycle is not None else old.cycle)
        assert stored.due_day == (due_day if due_day is not None else old.due_day)


def _short_name_of(ctx: ServiceContext, name: str | None) -> str | None:
    return next((d.short_name for d in departments.list_departments(ctx) if d.name == name), None)


@SETTINGS
@given(code=CODES, title=TEXT)
def test_add_work_item(ctx: ServiceContext, prepared: Snapshot, code, title) -> None:
    before = prepared.restore()
    new_code = attempt(prepared, before, lambda: work_items.add_work_item(ctx, code, title))
    if new_code is not None:
        stored = ledger.task_view(ctx, new_code)
        assert (stored.kind, stored.title, stored.text) == ("work_item", _clean(title), _clean(title))
        assert new_code.startswith(str(codes.parse_code(code)) + ".")


@SETTINGS
@given(code=st.one_of(st.just("1.1.1"), st.just("１．１．１"), CODES), title=TEXT,
       version=st.one_of(st.none(), SMALL_INTS), force=st.booleans())
def test_rename_work_item(ctx: ServiceContext, prepared: Snapshot, code, title, version, force) -> None:
    before = prepared.restore()
    result = attempt(prepared, before, lambda: work_items.rename_work_item(ctx, code, title, version, force) or "ok")
    if result is not None:
        assert ledger.task_view(ctx, code).title == _clean(title)


@SETTINGS
@given(name=st.one_of(DEPARTMENTS, TEXT), kind=st.sampled_from(list(DepartmentKind)),
       short=st.one_of(DEPARTMENTS, TEXT))
def test_add_department(ctx: ServiceContext, snap: Snapshot, name, kind, short) -> None:
    before = snap.restore()
    view = attempt(snap, before, lambda: departments.add_department(ctx, name, kind, short))
    if view is not None:
        stored = next(d for d in departments.list_departments(ctx) if d.id == view.id)
        assert (stored.name, stored.kind, stored.short_name) == (_clean(name), kind, short.strip())
        assert len(departments.list_departments(ctx)) == len(before["department"]) + 1


@SETTINGS
@given(name=DEPARTMENTS, new_name=st.one_of(DEPARTMENTS, TEXT), short=st.one_of(st.none(), DEPARTMENTS, TEXT),
       version=st.one_of(st.none(), SMALL_INTS), force=st.booleans())
def test_rename_department(ctx: ServiceContext, snap: Snapshot, name, new_name, short, version, force) -> None:
    before = snap.restore()
    view = attempt(snap, before, lambda: departments.rename_department(ctx, name, new_name, short, version, force))
    if view is not None:
        stored = next(d for d in departments.list_departments(ctx) if d.id == view.id)
        assert stored.name == _clean(new_name)
        if short is not None:
            assert stored.short_name == short.strip()


@SETTINGS
@given(name=DEPARTMENTS, contact=TEXT, version=st.one_of(st.none(), SMALL_INTS), force=st.booleans())
def test_set_contact(ctx: ServiceContext, snap: Snapshot, name, contact, version, force) -> None:
    before = snap.restore()
    view = attempt(snap, before, lambda: departments.set_contact(ctx, name, contact, version, force))
    if view is not None:
        stored = next(d for d in departments.list_departments(ctx) if d.id == view.id)
        assert stored.contact == _clean(contact)


@SETTINGS
@given(key=st.one_of(st.sampled_from(list(office_settings.SETTINGS)), st.sampled_from(list(office_settings.SETTINGS)),
                     ADVERSARIAL, st.text(max_size=20)),
       value=st.one_of(SMALL_INTS, TEXT))
def test_set_setting(ctx: ServiceContext, snap: Snapshot, key, value) -> None:
    before = snap.restore()
    stored = attempt(snap, before, lambda: office_settings.set_value(ctx, key, value))
    if stored is not None:
        assert office_settings.current_values(ctx)[key] == stored == office_settings.SETTINGS[key].parse(value)
        if isinstance(stored, str):
            assert stored.strip() and all(line == _clean(line) for line in stored.split("\n"))


@SETTINGS
@given(code=st.one_of(st.just("1.1"), CODES), reason=TEXT,
       new_deadline=st.one_of(st.dates(), st.dates(date(2026, 1, 1), date(2030, 12, 31))))
def test_request_extension(ctx: ServiceContext, prepared: Snapshot, code, new_deadline, reason) -> None:
    before = prepared.restore()
    view = attempt(prepared, before, lambda: extensions.request_extension(ctx, code, new_deadline, reason))
    if view is not None:
        (stored,) = extensions.extensions_of(ctx, code)
        assert stored == view
        assert (stored.new_deadline, stored.reason, stored.state) == (new_deadline, _clean(reason),
                                                                       extensions.ExtensionState.PENDING)
        assert stored.old_deadline == date(2026, 6, 30) < new_deadline
        assert ledger.task_view(ctx, code).deadline == date(2026, 6, 30)  # only a request: nothing moved yet
