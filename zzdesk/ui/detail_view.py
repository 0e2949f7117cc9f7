"""The selected measure or work item, read-only: full text from the plan, assignment, light and why."""

from html import escape

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QTextBrowser, QWidget

from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.services.views import TaskView
from zzdesk.ui.lights import LIGHT_COLORS, light_label


def tr(text: str) -> str:
    return QCoreApplication.translate("DetailView", text)


class DetailView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.show_task(None)

    def show_task(self, task: TaskView | None) -> None:
        if task is None:
            hint = escape(tr("在台账中选择一项举措或具体任务，这里显示原文和分工。"))
            self.setHtml(f"<p style='color:#777'>{hint}</p>")
            return
        unset = escape(tr("未填写"))
        rows = [
            (tr("牵头单位"), escape(task.lead or tr("未分配"))),
            (tr("配合单位"), escape("、".join(task.co)) or escape(tr("无"))),
            (tr("责任领导"), escape(task.leader) or unset),
            (tr("开始日期"), task.start.isoformat() if task.start else unset),
            (tr("完成时限"), escape(task.deadline_text or "") or unset),
            *([(tr("原完成时限"), escape(tr("{}（经批准延期）").format(task.original_deadline.isoformat())))]
              if task.extended and task.original_deadline else []),
            (tr("报送周期"), escape(task.cycle_label + (tr("（{}日前）").format(task.due_day) if task.due_day else ""))
             or unset),
            (tr("状态"), escape(task.status_label or tr("尚未报送"))
             + (escape(tr("（由具体任务汇总）")) if task.rolled_up else "")),
            (tr("进度 / 序时进度"), f"{_pct(task.progress)} / {_pct(task.expected_progress)}"),
        ]
        color = LIGHT_COLORS[task.light]
        reasons = "；".join(task.light_reasons)
        table = "".join(f"<tr><td style='color:#555;padding-right:12px'>{escape(k)}</td><td>{v}</td></tr>"
                        for k, v in rows)
        self.setHtml(
            f"<h3>{escape(task.code)} {escape(chinese_punctuation(task.title))}</h3>"
            f"<p><span style='color:{color}'>●</span> <b>{escape(light_label(task.light))}</b>"
            f"{'　' + escape(reasons) if reasons else ''}</p>"
            f"<table>{table}</table>"
            f"<h4>{escape(tr('规划原文'))}</h4>"
            f"<p style='line-height:150%'>{escape(chinese_punctuation(task.text))}</p>")


def _pct(value: int | None) -> str:
    return "—" if value is None else f"{value}%"
