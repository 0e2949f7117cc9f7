"""全局设置 dialog: shows what is stored, saves every field together, refuses a bad field inline and saves none."""

import pytest

from zzdesk.services import office_settings
from zzdesk.ui.office_settings_dialog import OfficeSettingsDialog
from zzdesk.ui.worker import DatabaseWorker


@pytest.fixture
def dialog(qtbot, ctx):
    office_settings.set_value(ctx, "report.copy_to", "各区县政府")
    widget = OfficeSettingsDialog(ctx, DatabaseWorker(synchronous=True))
    qtbot.addWidget(widget)
    return widget


def test_fields_show_the_stored_values_and_defaults(dialog):
    values = dialog.values()
    assert values["report.copy_to"] == "各区县政府"
    assert values["report.office_name"] == office_settings.SETTINGS["report.office_name"].default
    assert values["light.due_soon_days"] == 30


def test_saving_writes_every_changed_field(dialog, ctx):
    dialog.fields["report.office_name"].setText("郑州市人民政府督查室")
    dialog.fields["light.due_soon_days"].setValue(20)
    dialog.fields["report.requirements"].setPlainText("第一段要求。\n\n第二段要求。")
    dialog.save()
    stored = office_settings.current_values(ctx)
    assert stored["report.office_name"] == "郑州市人民政府督查室"
    assert stored["light.due_soon_days"] == 20
    assert stored["report.requirements"] == "第一段要求。\n第二段要求。"
    assert dialog.result() == dialog.DialogCode.Accepted


def test_a_bad_field_is_explained_and_nothing_is_saved(dialog, ctx):
    dialog.fields["report.office_name"].setText("郑州市人民政府督查室")
    dialog.fields["report.signature"].setText("   ")
    dialog.save()
    assert dialog.message_text() == "“落款（通报末尾的署名）”不能为空"
    assert office_settings.current_values(ctx)["report.office_name"] == "市政府督查室"
    assert dialog.isVisible() or dialog.result() != dialog.DialogCode.Accepted


def test_restore_defaults_fills_the_form_without_saving(dialog, ctx):
    dialog.restore_defaults()
    assert dialog.values()["report.copy_to"] == office_settings.SETTINGS["report.copy_to"].default
    assert office_settings.current_values(ctx)["report.copy_to"] == "各区县政府"
