"""The form text is searched in: lower case, full-width letters and digits made half-width.

Both the words a clerk types and the ledger rows are folded the same way, so ``ＰＰＰ`` finds ``ppp``.
Full-width punctuation such as "，（）" is left alone: it is in almost every Chinese row.
"""

import re

from zzdesk.domain.typeset import chinese_punctuation

_HALF_WIDTH = {c: c - 0xFEE0 for c in (0xFF0E, *range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
_has_full_width = re.compile("[\uff0e\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]").search


def fold(text: str) -> str:
    """Both sides of a search in one form; ASCII marks inside Chinese become Chinese marks first, so a phrase
    copied from the screen (「稳增长，力争」) finds the plan's own text (「稳增长,力争」)."""
    text = chinese_punctuation(text)
    if _has_full_width(text):
        text = text.translate(_HALF_WIDTH)
    return text.lower()
