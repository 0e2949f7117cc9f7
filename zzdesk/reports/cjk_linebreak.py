"""Chinese line-breaking rules (行首/行尾禁则) for reportlab's ``wordWrap="CJK"`` paragraphs.

reportlab 5.1.0 breaks CJK text character by character and keeps one rule: a character in
``reportlab.lib.textsplit.ALL_CANNOT_START`` that overflows the line is hung in the right margin instead of starting
the next line. Three gaps make a printed bulletin look careless:

* the set lacks most Chinese punctuation (，；：？！》”… are not in it), so lines start with them;
* only the overflowing character is checked, so in a run such as ``”；`` or ``）。`` the second mark starts the line;
* ``ALL_CANNOT_END`` exists but nothing reads it, so lines end with ``“`` ``（`` ``《``.

``install_cjk_line_rules()`` therefore changes these reportlab internals, once per process:

* ``textsplit.CANNOT_START_LINE[0]``/``ALL_CANNOT_START`` and the copy ``platypus.paragraph.ALL_CANNOT_START``
  (imported by value, so it must be replaced as well) gain the Chinese closing marks; ``CANNOT_END_LINE[0]``/
  ``ALL_CANNOT_END`` gain the opening ones. reportlab's own entries stay.
* ``textsplit.dumbSplit`` (used through ``wordSplit`` for single-style paragraphs) and
  ``platypus.paragraph.cjkFragSplit`` (paragraphs with markup) are replaced by copies whose only difference is where
  a line ends: ``line_end`` below, which reads both sets. Both are looked up as module globals at call time.

The replacements are installed only if the two functions still have reportlab 5.1's signatures; otherwise only the
sets are extended (and a warning logged), which keeps reportlab's own single-character rule working.
"""

import inspect
import logging
import threading
from collections.abc import Callable, Sequence
from typing import NamedTuple
from unicodedata import category

from reportlab.lib import textsplit
from reportlab.platypus import paragraph
from reportlab.rl_config import _FUZZ

log = logging.getLogger(__name__)

# Never the first character of a line: closing and pausing marks, full- and half-width. Word's default list for
# Simplified Chinese (中文版式 › 后置标点), which the office's own documents follow, less its vertical forms.
CANNOT_START = ("，。、；：？！…‥·・∶～‖〃．"
                "）〕］｝〉》」』】〗〙〛”’〞〟﹚﹜﹞"
                "｡､｣％‰℃°′″"
                ",.;:?!)]}%")
# Never the last character of a line: opening marks and currency signs (Word's 前置标点).
CANNOT_END = "（〔［｛〈《「『【〖〘〚“‘〝﹙﹛﹝([{＄￥￡$£¥"
# Two-character marks (…… 省略号, —— 破折号) that must not be cut in half.
INSEPARABLE = "…—"


class ReportlabRules(NamedTuple):
    """reportlab's own sets and splitters, as imported: what ``install_cjk_line_rules`` replaces."""

    cannot_start: str
    cannot_end: str
    dumb_split: Callable
    cjk_frag_split: Callable


REPORTLAB_RULES = ReportlabRules(textsplit.ALL_CANNOT_START, textsplit.ALL_CANNOT_END, textsplit.dumbSplit,
                                 paragraph.cjkFragSplit)
_REPORTLAB_SIGNATURES = {
    "dumbSplit": ("word", "widths", "maxWidths"),
    "cjkFragSplit": ("frags", "maxWidths", "calcBounds", "encoding"),
}
_lock = threading.Lock()


def _missing(existing: str, wanted: str) -> str:
    return "".join(dict.fromkeys(ch for ch in wanted if ch not in existing))


def _may_break(text: Sequence[str], end: int) -> bool:
    """Whether a line may end just before ``text[end]``."""
    if end >= len(text):
        return True
    after, before = text[end], text[end - 1]
    return (after not in textsplit.ALL_CANNOT_START and before not in textsplit.ALL_CANNOT_END
            and not (after == before and after in INSEPARABLE))


def _latin_word_start(text: Sequence[str], start: int, overflow: int) -> int:
    """reportlab's rule for Latin letters and digits: break after the last space or CJK character in the line's
    second half, so that "2025" or an English name is not cut."""
    for j in range(overflow - 1, (start + overflow + 1) >> 1, -1):
        if category(text[j]) == "Zs" or ord(text[j]) >= 0x3000:
            return j + 1
    return overflow


def line_end(text: Sequence[str], start: int, overflow: int) -> int:
    """Index just past the last character of the line begun at ``start``, once ``text[overflow]`` ran past the margin.

    A single closing mark that overflows hangs in the margin, as reportlab and Word do; otherwise the break moves
    back to the nearest place where the next line starts with no closing mark and this one ends with no opening
    mark. A line always keeps at least one character.
    """
    if overflow <= start:
        return overflow + 1
    char = text[overflow]
    hangs = char in textsplit.ALL_CANNOT_START
    if hangs and _may_break(text, overflow + 1):
        return overflow + 1
    first = overflow if hangs or ord(char) >= 0x3000 else _latin_word_start(text, start, overflow)
    for end in range(first, start, -1):
        if _may_break(text, end):
            return end
    return overflow + 1 if hangs else overflow


def _dumb_split(word: str, widths: Sequence[float], maxWidths) -> list[list]:
    """``textsplit.dumbSplit`` with ``line_end`` choosing the breaks; returns ``[[extraSpace, text], ...]``.

    Parameter names are reportlab's, should a caller pass them by keyword."""
    line_widths = maxWidths if isinstance(maxWidths, (list, tuple)) else [maxWidths]
    lines: list[list] = []
    start = i = 0
    used = 0.0
    max_width = line_widths[0]
    while i < len(word):
        used += widths[i]
        i += 1
        if used > max_width + _FUZZ and used > 0:
            end = line_end(word, start, i - 1)
            lines.append([max_width - sum(widths[start:end]), word[start:end].strip()])
            max_width = line_widths[min(len(lines), len(line_widths) - 1)]
            start = i = end
            used = 0.0
    if start < len(word):
        lines.append([max_width - used, word[start:]])
    return lines


def _cjk_frag_split(frags, maxWidths, calcBounds, encoding="utf8"):
    """``paragraph.cjkFragSplit`` with ``line_end`` choosing the breaks; same glyph units and line objects."""
    glyphs = []
    for frag in frags:
        text = frag.text.decode(encoding) if isinstance(frag.text, bytes) else frag.text
        glyphs.extend([paragraph.cjkU(t, frag, encoding) for t in text] if text else
                      [paragraph.cjkU(text, frag, encoding)])
    widths = [0.0] * len(glyphs)
    lines = []
    start = i = 0
    used = 0.0
    max_width = maxWidths[0]
    while i < len(glyphs):
        glyph = glyphs[i]
        width = glyph.width
        if hasattr(width, "normalizedValue"):  # a percentage width (images): relative to this line
            width._normalizer = max_width
            width = width.normalizedValue(max_width)
        widths[i] = width
        used += width
        i += 1
        line_break = hasattr(glyph.frag, "lineBreak")
        if (used > max_width + _FUZZ and used > 0) or line_break:
            end = i if line_break else line_end(glyphs, start, i - 1)
            line_width = sum(widths[start:end])
            lines.append(paragraph.makeCJKParaLine(glyphs[start:end], max_width, line_width, max_width - line_width,
                                                   line_break, calcBounds))
            max_width = maxWidths[min(len(lines), len(maxWidths) - 1)]
            start = i = end
            used = 0.0
    if used > 0:
        lines.append(paragraph.makeCJKParaLine(glyphs[start:], max_width, used, max_width - used, False, calcBounds))
    return paragraph.ParaLines(kind=1, lines=lines)


def _signature_matches(function, expected: tuple[str, ...]) -> bool:
    return tuple(inspect.signature(function).parameters) == expected


def install_cjk_line_rules() -> bool:
    """Teach reportlab the Chinese line-breaking rules (idempotent). Returns whether the splitters were replaced
    (False on a reportlab whose internals changed: then only the punctuation sets were extended)."""
    with _lock:
        start_missing = _missing(textsplit.ALL_CANNOT_START, CANNOT_START)
        if start_missing:
            textsplit.CANNOT_START_LINE[0] += start_missing
            textsplit.ALL_CANNOT_START += start_missing
        end_missing = _missing(textsplit.ALL_CANNOT_END, CANNOT_END)
        if end_missing:
            textsplit.CANNOT_END_LINE[0] += end_missing
            textsplit.ALL_CANNOT_END += end_missing
        paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START
        if textsplit.dumbSplit is _dumb_split and paragraph.cjkFragSplit is _cjk_frag_split:
            return True
        if not (_signature_matches(REPORTLAB_RULES.dumb_split, _REPORTLAB_SIGNATURES["dumbSplit"])
                and _signature_matches(REPORTLAB_RULES.cjk_frag_split, _REPORTLAB_SIGNATURES["cjkFragSplit"])):
            log.warning("reportlab's CJK splitters changed; only the punctuation sets were extended")
            return False
        textsplit.dumbSplit = _dumb_split
        paragraph.cjkFragSplit = _cjk_frag_split
        return True
