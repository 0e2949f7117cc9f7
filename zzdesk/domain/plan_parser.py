"""Reads a plan document's key-task section (重点任务) into task groups and measures.

The section is a top-level heading such as「三、进一步推动《纲要》实施的重点任务举措」whose groups open
with（一）…（八）. Within a group, measures are marked 一是…二是…; a group written without those marks
(the Zhengzhou document's group 五) opens each measure with a short stand-alone heading sentence
instead, e.g.「推动改革走深走实。」. Text is kept exactly as the document writes it.
"""

import re
from dataclasses import dataclass

from zzdesk.domain.errors import PlanFormatError

NUMERALS = "一二三四五六七八九十"
_NUM = f"[{NUMERALS}]+"
_TOP_HEADING = re.compile(rf"^\s*({_NUM})、(.*)$")
_GROUP_HEADING = re.compile(rf"^\s*[(（]({_NUM})[)）]\s*(.*)$")
_ORDINAL_MARK = re.compile(rf"(?:^|(?<=[。；;：:]))\s*({_NUM})是")
_SENTENCE_END = "。！？"
_CLAUSE_PUNCT = set(",，;；:：")
_FOOTER = re.compile(r"^\s*(主办单位|承办单位|地址|联系电话|网站标识码|版权所有|来源|责任编辑|附件|扫一扫|【)")
_SECTION_WORDS = ("重点任务", "主要任务", "任务举措")
MAX_HEADING_CHARS = 20
MAX_TITLE_CHARS = 40


@dataclass(frozen=True)
class ParsedMeasure:
    number: int
    title: str
    text: str


@dataclass(frozen=True)
class ParsedGroup:
    number: int
    title: str
    intro: str
    measures: tuple[ParsedMeasure, ...]


@dataclass(frozen=True)
class ParsedPlan:
    title: str
    section_title: str
    groups: tuple[ParsedGroup, ...]

    @property
    def measure_count(self) -> int:
        return sum(len(g.measures) for g in self.groups)


def chinese_numeral(text: str) -> int:
    """一 … 十九, as used in 一是 and （十二）."""
    values = {ch: i + 1 for i, ch in enumerate(NUMERALS)}
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + values[text[1]]
    if text.endswith("十"):
        return values[text[0]] * 10
    if "十" in text:
        tens, ones = text.split("十")
        return values[tens] * 10 + values[ones]
    return values[text]


def parse_plan(text: str) -> ParsedPlan:
    """Parse a whole document; raises PlanFormatError naming what could not be found."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")]
    if not any(lines):
        raise PlanFormatError("规划文件是空的，请选择含有“重点任务”一节的规划文本")
    title = _document_title(lines)
    start = _find_section(lines)
    section_title = _TOP_HEADING.match(lines[start]).group(2).strip()
    paragraphs = _section_paragraphs(lines[start + 1:])
    groups = _split_groups(paragraphs, section_title)
    return ParsedPlan(title=title, section_title=section_title, groups=tuple(groups))


def _document_title(lines: list[str]) -> str:
    for line in lines:
        if line.startswith("《") or ("规划" in line and "纲要" in line and len(line) < 120):
            return line
    return next((line for line in lines if line), "")


def _find_section(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        match = _TOP_HEADING.match(line)
        if match and any(word in match.group(2) for word in _SECTION_WORDS):
            return index
    raise PlanFormatError("未找到“重点任务”一节：规划文本中应有形如“三、……重点任务举措”的标题")


def _section_paragraphs(lines: list[str]) -> list[str]:
    """Paragraphs up to the next top-level heading or the page footer."""
    paragraphs: list[str] = []
    for line in lines:
        if not line:
            continue
        if _TOP_HEADING.match(line) or _FOOTER.match(line):
            break
        paragraphs.append(line)
    return paragraphs


def _split_groups(paragraphs: list[str], section_title: str) -> list[ParsedGroup]:
    bodies: list[tuple[int, list[str]]] = []
    for paragraph in paragraphs:
        match = _GROUP_HEADING.match(paragraph)
        if match:
            bodies.append((chinese_numeral(match.group(1)), [match.group(2)]))
        elif bodies and paragraph[-1] in _SENTENCE_END + "”":
            bodies[-1][1].append(paragraph)
    if not bodies:
        raise PlanFormatError(f"“{section_title}”一节中未找到任务组：任务组应以“（一）”“（二）”……开头")
    for expected, (number, _) in enumerate(bodies, start=1):
        if number != expected:
            raise PlanFormatError(f"任务组编号不连续：第{expected}个任务组的编号是（{numeral_text(number)}）")
    return [_parse_group(number, "".join(parts)) for number, parts in bodies]


def numeral_text(number: int) -> str:
    if number <= 10:
        return NUMERALS[number - 1]
    tens, ones = divmod(number, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def _parse_group(number: int, body: str) -> ParsedGroup:
    title, rest = _first_sentence(body)
    if not title:
        raise PlanFormatError(f"任务组（{numeral_text(number)}）没有标题")
    starts = _ordinal_starts(rest) or _heading_starts(rest)
    if not starts:
        raise PlanFormatError(
            f"任务组（{numeral_text(number)}）“{title}”中未找到举措：举措应以“一是”“二是”……"
            "开头，或以单独成句的小标题开头")
    intro = rest[:starts[0][0]].strip()
    measures = []
    for index, (_, text_begin) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(rest)
        text = rest[text_begin:end].strip()
        measures.append(ParsedMeasure(number=index + 1, title=_measure_title(text), text=text))
    return ParsedGroup(number=number, title=title, intro=intro, measures=tuple(measures))


def _first_sentence(text: str) -> tuple[str, str]:
    for index, char in enumerate(text):
        if char in _SENTENCE_END:
            return text[:index].strip(), text[index + 1:]
    return text.strip(), ""


def _ordinal_starts(body: str) -> list[tuple[int, int]]:
    """(mark start, text start) of 一是, 二是 … in order; the sequence must begin at 一 and not skip."""
    starts: list[tuple[int, int]] = []
    for match in _ORDINAL_MARK.finditer(body):
        if chinese_numeral(match.group(1)) == len(starts) + 1:
            starts.append((match.start(1), match.end()))
    return starts


def _heading_starts(body: str) -> list[tuple[int, int]]:
    """Stand-alone heading sentences: short, no comma or semicolon inside."""
    starts: list[tuple[int, int]] = []
    position = 0
    for sentence in re.findall(r"[^。！？]*[。！？]?", body):
        core = sentence.strip().rstrip(_SENTENCE_END)
        if core and len(core) <= MAX_HEADING_CHARS and not (_CLAUSE_PUNCT & set(core)):
            offset = position + (len(sentence) - len(sentence.lstrip()))
            starts.append((offset, offset))
        position += len(sentence)
    return starts if len(starts) >= 2 else []


def _measure_title(text: str) -> str:
    """The words that open the measure: its first sentence, cut at a comma if very long."""
    title, _ = _first_sentence(text)
    if len(title) > MAX_TITLE_CHARS:
        title = re.split(r"[,，;；]", title, maxsplit=1)[0]
    return title


def suggest_work_items(measure_text: str) -> list[str]:
    """The measure's sentences or clauses after its title, offered as work items a clerk can accept."""
    _, body = _first_sentence(measure_text)
    suggestions: list[str] = []
    for sentence in re.split(r"[。！？]", body):
        for clause in re.split(r"[;；]", sentence):
            clause = clause.strip().strip(",，、")
            if len(clause) >= 4:
                suggestions.append(clause)
    return suggestions
