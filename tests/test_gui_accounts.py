"""Accounts in the GUI, offscreen: first administrator, login and lock-out, forced password change, the user in
the status bar, the idle lock, what each role's window offers, and the administrator's 账号 dialog."""

import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from zzdesk.cli import main
from zzdesk.domain.roles import Role
from zzdesk.services import accounts, demo, ledger
from zzdesk.services.demo import DEMO_ACCOUNTS
from zzdesk.ui.accounts_dialog import AccountsDialog, AddAccountDialog, ResetPasswordDialog
from zzdesk.ui.app import WindowController, create_application, open_context
from zzdesk.ui.login_dialog import ChangePasswordDialog, LoginDialog, SetupAdminDialog
from zzdesk.ui.main_window import MainWindow
from zzdesk.ui.worker import DatabaseWorker

PASSWORDS = {account.name: account.password for account in DEMO_ACCOUNTS}
CLERK, LEADER, ADMIN, LIAISON = "督查员", "领导", "管理员", "市科技局联络员"
LIAISON_DEPARTMENT = "市科技局"


@pytest.fixture
def office(ctx):
    """The demo ledger with the demo's accounts (README「账号与登录」)."""
    demo.populate_demo(ctx)
    demo.create_demo_accounts(ctx)
    return ctx


@pytest.fixture
def settings(qapp, tmp_path: Path) -> QSettings:
    create_application()
    return QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)


def as_user(ctx, name: str):
    user = accounts.authenticate(ctx, name, PASSWORDS.get(name, ""))
    return replace(ctx, user=user, actor=user.name)


@pytest.fixture
def window_for(qtbot, office, settings):
    def make(name: str) -> MainWindow:
        win = MainWindow(as_user(office, name), DatabaseWorker(synchronous=True), settings)
        qtbot.addWidget(win)
        win.show()
        win.reload()
        return win

    return make


def _shown(win: MainWindow) -> list:
    return [win.model.task_at(row) for row in range(win.model.rowCount())]


def _click_ok(dialog) -> int:
    """Click and wait for the answer: the program's own worker (run_gui) checks the password on its thread."""
    dialog.ok_button.click()
    deadline = time.monotonic() + 10
    while not (dialog.result() == QDialog.DialogCode.Accepted or dialog.ok_button.isEnabled()):
        assert time.monotonic() < deadline, "no answer from the worker"
        QTest.qWait(10)
    return dialog.result()


# --- opening a database ----------------------------------------------------------------------------------


def test_a_new_database_asks_for_its_administrator_who_is_then_logged_in(qtbot, settings, tmp_path: Path,
                                                                         monkeypatch):
    ctx = open_context(str(tmp_path / "新台账.sqlite3"), "测试员")
    seen: dict[str, str] = {}

    def fill(dialog: SetupAdminDialog) -> int:
        dialog.name.setText("王芳")
        dialog.password.setText("short")
        seen["policy"] = dialog.hint.text()
        dialog.again.setText("short")
        assert _click_ok(dialog) != QDialog.DialogCode.Accepted
        seen["refused"] = dialog.error_text()
        dialog.password.setText("Wang-Fang-2025")
        dialog.again.setText("Wang-Fang-2024")
        assert _click_ok(dialog) != QDialog.DialogCode.Accepted
        seen["mismatch"] = dialog.error_text()
        dialog.again.setText("Wang-Fang-2025")
        seen["ok"] = dialog.hint.text()
        return _click_ok(dialog)

    monkeypatch.setattr(SetupAdminDialog, "exec", fill)
    controller = WindowController("测试员", settings, opener=DatabaseWorker(synchronous=True))
    window = controller.log_in_and_show(ctx)
    try:
        assert "长度至少 10 位" in seen["policy"]
        assert seen["refused"].startswith("密码不符合要求") and "长度至少 10 位" in seen["refused"]
        assert seen["mismatch"] == "两次输入的密码不一致，请重新输入"
        assert seen["ok"] == "密码符合要求"
        assert window is not None and window.ctx.user.name == "王芳" and window.ctx.actor == "王芳"
        assert window.session.user_label.text() == "当前用户：王芳（系统管理员）"
        program = replace(window.ctx, user=None)
        assert [(u.name, u.role) for u in accounts.list_users(program)] == [("王芳", Role.ADMIN)]
        assert window.session.accounts_action.isVisible()
    finally:
        controller.shutdown()
        if window is not None:
            window.close()


def test_starting_the_program_shows_a_frame_then_asks_who_is_there(qapp, tmp_path: Path, monkeypatch):
    """``zzdesk`` puts a frame (正在打开数据库) on screen before the data layer loads, asks who logs in over it, and
    the main window takes its place; a cancelled login ends the program with no window left."""
    from zzdesk.ui import app as gui_app
    from zzdesk.ui import launch

    path = tmp_path / "台账.sqlite3"
    assert main(["--db", str(path), "init", "--demo"]) == 0
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    monkeypatch.setattr(gui_app, "setup_file_logging", lambda name: None)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)

    def visible(kind: type) -> list:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]

    running: list[tuple[list[MainWindow], list]] = []
    monkeypatch.setattr(QApplication, "exec", lambda *args: running.append(
        (visible(MainWindow), visible(launch.StartupFrame))) or 0)
    frames_at_login: list[list[str]] = []

    def cancel(dialog: LoginDialog) -> int:
        frames_at_login.append([frame.message.text() for frame in visible(launch.StartupFrame)])
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(LoginDialog, "exec", cancel)
    assert launch.run_gui(str(path), "测试员") == 0
    assert frames_at_login == [["正在打开数据库，请稍候……"]]
    assert running == [] and visible(launch.StartupFrame) == []  # cancelled: no window, and the program ends

    def log_in(dialog: LoginDialog) -> int:
        dialog.name.setText(LEADER)
        dialog.password.setText(PASSWORDS[LEADER])
        return _click_ok(dialog)

    monkeypatch.setattr(LoginDialog, "exec", log_in)
    assert launch.run_gui(str(path), "测试员") == 0
    [([window], frames)] = running
    assert frames == []  # the main window took the frame's place
    assert window.ctx.user.name == LEADER and window.session.user_label.text() == "当前用户：领导（领导）"
    window.close()


def test_a_wrong_password_is_refused_in_the_dialog_which_stays_open(qtbot, office, settings):
    dialog = LoginDialog(office, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText(CLERK)
    dialog.password.setText("Not-the-password-1")
    assert _click_ok(dialog) != QDialog.DialogCode.Accepted
    assert dialog.isVisible()
    assert dialog.error_text() == "账号或密码不正确"
    assert dialog.password.text() == ""  # never kept, not even to retry
    dialog.password.setText(PASSWORDS[CLERK])
    assert _click_ok(dialog) == QDialog.DialogCode.Accepted
    assert dialog.user.name == CLERK and dialog.user.role is Role.CLERK and not dialog.must_change
    again = LoginDialog(office, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(again)
    assert again.name.text() == CLERK  # remembered for this database, the password is not
    assert again.password.text() == ""


def test_repeated_failures_lock_the_account_and_say_how_long(qtbot, office, settings):
    dialog = LoginDialog(office, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText(CLERK)
    messages = []
    for _ in range(5):
        dialog.password.setText("Wrong-password-9")
        _click_ok(dialog)
        messages.append(dialog.error_text())
    assert messages[:4] == ["账号或密码不正确"] * 4
    assert "连续 5 次登录失败已被锁定" in messages[4] and "请 1 分钟后再试" in messages[4]
    dialog.password.setText(PASSWORDS[CLERK])  # even the right password waits for the lock to pass
    assert _click_ok(dialog) != QDialog.DialogCode.Accepted
    assert "已被锁定" in dialog.error_text() and "1 分钟" in dialog.error_text()


def test_a_password_reset_by_the_administrator_must_be_changed_before_the_window_opens(qtbot, office, settings,
                                                                                        monkeypatch):
    accounts.reset_password(as_user(office, ADMIN), CLERK, "Temp-pass-2025")
    seen: dict[str, str] = {}

    def log_in(dialog: LoginDialog) -> int:
        dialog.name.setText(CLERK)
        dialog.password.setText("Temp-pass-2025")
        return _click_ok(dialog)

    def change(dialog: ChangePasswordDialog) -> int:
        seen["title"] = dialog.windowTitle()
        dialog.old.setText("Temp-pass-2025")
        dialog.new.setText("weakpassword")
        dialog.again.setText("weakpassword")
        assert _click_ok(dialog) != QDialog.DialogCode.Accepted
        seen["weak"] = dialog.error_text()
        dialog.old.setText("Temp-pass-2025")
        dialog.new.setText("Mine-only-2026")
        dialog.again.setText("Mine-only-2026")
        return _click_ok(dialog)

    monkeypatch.setattr(LoginDialog, "exec", log_in)
    monkeypatch.setattr(ChangePasswordDialog, "exec", change)
    controller = WindowController("测试员", settings, opener=DatabaseWorker(synchronous=True))
    window = controller.log_in_and_show(office)
    try:
        assert seen["title"] == "修改密码"
        assert seen["weak"].startswith("密码不符合要求")
        assert window is not None and window.ctx.user.name == CLERK
        assert not accounts.password_change_required(office, CLERK)
        assert accounts.authenticate(office, CLERK, "Mine-only-2026").name == CLERK
    finally:
        controller.shutdown()
        if window is not None:
            window.close()


def test_giving_up_the_forced_change_leaves_nobody_logged_in(qtbot, office, settings, monkeypatch):
    accounts.reset_password(as_user(office, ADMIN), CLERK, "Temp-pass-2025")

    def log_in(dialog: LoginDialog) -> int:
        dialog.name.setText(CLERK)
        dialog.password.setText("Temp-pass-2025")
        return _click_ok(dialog)

    monkeypatch.setattr(LoginDialog, "exec", log_in)
    monkeypatch.setattr(ChangePasswordDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    controller = WindowController("测试员", settings, opener=DatabaseWorker(synchronous=True))
    assert controller.log_in_and_show(office) is None
    assert controller.window is None


# --- the window of a logged-in person --------------------------------------------------------------------


def test_the_status_bar_names_the_person_and_their_role(window_for):
    assert window_for(CLERK).session.user_label.text() == "当前用户：督查员（督查室）"
    assert window_for(LIAISON).session.user_label.text() == "当前用户：市科技局联络员（联络员，市科技局）"


def test_input_keeps_the_window_unlocked(window_for, qtbot):
    window = window_for(CLERK)
    timer = window.session.idle.timer
    timer.setInterval(60_000)
    timer.start()
    qtbot.wait(300)
    waited = timer.remainingTime()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert timer.remainingTime() > waited
    assert not window.session.locked


def test_the_window_locks_when_idle_and_only_the_password_unlocks_it(window_for, qtbot, monkeypatch):
    hints: list[str] = []
    monkeypatch.setattr("zzdesk.ui.main_window.QMessageBox.information", lambda *args: hints.append(args[2]))
    window = window_for(CLERK)
    archive = window.open_report_archive()  # a window left open is hidden by the lock too
    window.session.idle.timer.setInterval(100)
    window.session.idle.timer.start()
    qtbot.waitUntil(lambda: window.session.locked, timeout=5000)
    cover = window.session.lock.covers[0]
    assert cover.isVisible() and cover.geometry() == window.rect()
    assert not window.pages.isEnabled() and not window.menuBar().isEnabled()
    assert not archive.isEnabled()
    assert any(c.parentWidget() is archive and c.geometry() == archive.rect() for c in window.session.lock.covers)
    qtbot.keyClick(cover, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # 报送进展's shortcut is dead
    assert hints == []
    dialog = window.session.unlock_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.name.text() == CLERK and dialog.name.isReadOnly()
    dialog.password.setText("Somebody-else-1")
    dialog.ok_button.click()
    assert dialog.error_text() == "账号或密码不正确" and window.session.locked
    dialog.password.setText(PASSWORDS[CLERK])
    dialog.ok_button.click()
    assert not window.session.locked
    assert window.pages.isEnabled() and window.menuBar().isEnabled() and archive.isEnabled()
    assert window.session.idle.timer.isActive()


def test_ctrl_l_locks_and_another_person_switches_to_their_own_window(qtbot, office, settings, monkeypatch):
    def log_in(dialog: LoginDialog) -> int:
        assert dialog.windowTitle() == "切换用户" and dialog.name.text() == ""
        dialog.name.setText(LEADER)
        dialog.password.setText(PASSWORDS[LEADER])
        return _click_ok(dialog)

    monkeypatch.setattr(LoginDialog, "exec", log_in)
    controller = WindowController("测试员", settings, opener=DatabaseWorker(synchronous=True))
    first = controller.show(as_user(office, CLERK))
    try:
        with qtbot.waitActive(first):
            first.activateWindow()
        qtbot.keyClick(first.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        assert first.session.locked
        first.session.lock.covers[0].switch_button.click()
        second = controller.window
        assert second is not first and second.ctx.user.name == LEADER
        assert second.session.user_label.text() == "当前用户：领导（领导）"
        assert not first.isVisible()
        assert ledger.task_view(second.ctx, "1.1").code == "1.1"  # the same database, still open
    finally:
        controller.shutdown()
        controller.window.close()


# --- what each role sees ---------------------------------------------------------------------------------


def test_a_leader_sees_no_reporting_assignment_or_review(window_for, qtbot):
    window = window_for(LEADER)
    assert not window.update_action.isVisible() and not window.update_action.isEnabled()
    assert not window.detail.isTabVisible(window.detail.indexOf(window.detail.assignment_tab))
    assert window.review.accept_button.isHidden() and window.review.return_button.isHidden()
    assert window.review.extensions.approve_button.isHidden()
    assert window.detail.work_items.add_button.isHidden() and window.detail.work_items.split_button.isHidden()
    menus = {a.text(): a.isVisible() for a in window.menuBar().actions()}
    assert menus["管理(&M)"] is False and menus["任务(&T)"] is False and menus["报告(&R)"] is True
    from zzdesk.domain.vocabulary import ReportKind

    shown = {kind for kind, action in window.report_actions.items() if action.isVisible()}
    assert shown == {ReportKind.BULLETIN, ReportKind.DEPARTMENT, ReportKind.BRIEF}  # 催办 stays with the clerk
    assert not window.session.accounts_action.isVisible()
    assert window.model.rowCount() == window.model.total_count()  # a leader reads the whole ledger


def test_a_refused_update_shows_the_services_reason_in_the_dialog(window_for, office):
    window = window_for(LIAISON)
    other = next(t for g in ledger.plan_view(office).groups for t in g.measures
                 if t.lead and t.lead != LIAISON_DEPARTMENT and LIAISON_DEPARTMENT not in t.co
                 and not any(LIAISON_DEPARTMENT in (i.lead, *i.co) for i in t.items))
    window.filter_bar.own_only.setChecked(False)  # the whole ledger, to pick another department's measure
    window.select_code(other.code)
    dialog = window.open_update_dialog()
    dialog.status.setCurrentIndex(dialog.status.findText("正常推进"))
    dialog.progress.setValue(40)
    dialog.text.insertPlainText("召开推进会。")
    dialog.submit()
    assert dialog.error_label.isVisibleTo(dialog)
    assert dialog.error_label.text().startswith("联络员只能报送本单位牵头或配合的任务")
    assert f"您的单位是{LIAISON_DEPARTMENT}" in dialog.error_label.text()
    dialog.discard_draft()


def test_a_liaisons_ledger_shows_their_departments_items(window_for, office):
    window = window_for(LIAISON)
    assert window.update_action.isVisible()
    assert not window.detail.isTabVisible(window.detail.indexOf(window.detail.assignment_tab))
    assert window.review.accept_button.isHidden()
    rows = _shown(window)
    everything = [t for g in ledger.plan_view(office).groups for m in g.measures for t in (m, *m.items)]

    def on(task) -> bool:
        return task.lead == LIAISON_DEPARTMENT or LIAISON_DEPARTMENT in task.co

    assert window.filter_bar.own_only.isChecked()
    assert {t.code for t in everything if on(t)} <= {t.code for t in rows}
    for task in rows:  # each shown row is theirs, or a measure of theirs holding one of their work items
        measure = next(m for m in everything if m.code == ".".join(task.code.split(".")[:2]))
        assert on(task) or any(on(i) for i in task.items) or (task.lead is None and on(measure)), task.code
    assert 0 < len(rows) < len(everything)
    assert window.count_label.text() == f"显示 {len(rows)} 项，共 {len(everything)} 项"
    window.filter_bar.own_only.setChecked(False)
    assert window.model.rowCount() == len(everything)
    window.filter_bar.own_only.setChecked(True)
    assert window.model.rowCount() == len(rows)
    window.filter_bar.reset.click()  # 清除筛选 shows everything
    assert not window.filter_bar.own_only.isChecked() and window.model.rowCount() == len(everything)


def test_the_administrator_adds_a_liaison_and_resets_a_password(window_for, office, monkeypatch):
    window = window_for(ADMIN)
    assert window.session.accounts_action.isVisible()
    assert not window.update_action.isVisible()  # an administrator does not touch the ledger
    dialog: AccountsDialog = window.session.manage_accounts()
    assert sorted(dialog.names()) == sorted(PASSWORDS)
    seen: dict[str, str] = {}

    def add(form: AddAccountDialog) -> int:
        form.name.setText("李明")
        form.select_role(Role.LIAISON)
        form.fields.password.setText("Li-Ming-2025x")
        form.fields.again.setText("Li-Ming-2025x")
        assert _click_ok(form) != QDialog.DialogCode.Accepted
        seen["no department"] = form.error_text()
        form.department.setCurrentIndex(form.department.findText(LIAISON_DEPARTMENT))
        return _click_ok(form)

    monkeypatch.setattr(AddAccountDialog, "exec", add)
    dialog.add_button.click()
    assert seen["no department"].startswith("联络员账号须指定所属单位")
    assert dialog.message_text() == "已新增账号“李明”（联络员）"
    row = dialog.names().index("李明")
    cells = [dialog.model.data(dialog.model.index(row, column)) for column in range(dialog.model.columnCount())]
    assert cells[:5] == ["李明", "联络员", LIAISON_DEPARTMENT, "启用", "正常"] and cells[5] == "下次登录须修改"
    assert accounts.password_change_required(office, "李明")

    def reset(form: ResetPasswordDialog) -> int:
        form.fields.generate_button.click()
        seen["generated"] = form.fields.password.text()
        return _click_ok(form)

    monkeypatch.setattr(ResetPasswordDialog, "exec", reset)
    dialog.select_name(CLERK)
    dialog.reset_button.click()
    assert dialog.message_text() == "已重置“督查员”的密码；对方下次登录时须修改密码"
    assert accounts.password_change_required(office, CLERK)
    assert accounts.authenticate(office, CLERK, seen["generated"]).name == CLERK

    dialog.select_name("李明")
    dialog.active_button.click()
    assert dialog.message_text() == "已停用“李明”，该账号不能再登录"
    with pytest.raises(accounts.LoginFailedError, match="账号已停用"):
        accounts.authenticate(office, "李明", "Li-Ming-2025x")
    dialog.close()


def test_the_accounts_dialog_shows_the_services_refusal_inline(window_for):
    window = window_for(ADMIN)
    dialog: AccountsDialog = window.session.manage_accounts()
    dialog.select_name(ADMIN)
    dialog.active_button.click()  # one's own account cannot be deactivated
    assert dialog.message_text() == "不能停用自己正在使用的账号"
    dialog.close()


def test_a_window_without_a_logged_in_person_has_no_session(qtbot, office, settings):
    window = MainWindow(office, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(window)
    assert window.session is None
    assert window.update_action.isVisible()
