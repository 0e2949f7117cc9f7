"""进展记录: the selected task's updates as a timeline, newest first, with review state and notes."""

from html import escape

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QTextBrowser, QWidget

from zzdesk.domain.vocabulary import ReviewState
from zzdesk.services.views import UpdateView

REVIEW_COLORS = {ReviewState.SUBMITTED: "#b7791f", ReviewState.ACCEPTED: "#2e7d32", ReviewState.RETURNED: "#c0392b"}


def tr(text: str) -> str:
    return QCoreApplication.translate("HistoryView", text)


class HistoryView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.show_updates(None, [])

    def show_updates(self, code: str | None, updates: list[UpdateView]) -> None:
        if code is None:
            self.setHtml(f"<p style='color:#777'>{escape(tr('选择一项任务查看它的进展报送记录。'))}</p>")
            return
        if not updates:
            self.setHtml(f"<p style='color:#777'>{escape(tr('{} 还没有进展报送。').format(code))}</p>")
            return
        blocks = []
        for update in updates:
            color = REVIEW_COLORS[update.review]
            note = f"：{escape(update.review_note)}" if update.review_note else ""
            parts = [f"<b>{escape(tr('进展情况'))}</b>　{escape(update.text)}"]
            if update.problems:
                parts.append(f"<b>{escape(tr('存在问题'))}</b>　{escape(update.problems)}")
            if update.next_steps:
                parts.append(f"<b>{escape(tr('下步打算'))}</b>　{escape(update.next_steps)}")
            when = update.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            blocks.append(
                f"<p style='margin-bottom:2px'><b>{escape(update.period)}</b>　{escape(update.status_label)}"
                f"　{update.progress}%　<span style='color:{color}'>{escape(update.review_label)}{note}</span></p>"
                f"<p style='color:#666;margin-top:0'>{escape(update.reporter)}　{when}　#{update.id}</p>"
                f"<p style='margin-left:14px'>{'<br>'.join(parts)}</p><hr>")
        self.setHtml("".join(blocks))
