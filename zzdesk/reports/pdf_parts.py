"""The pieces every report is made of: 版头, headings, tables, 落款 and 版记, in the GB/T 9704 look.

Text from the database goes through ``text()`` (escaped for reportlab's mini-markup, Chinese punctuation for
print) before it is set; nothing else in a report builder has to think about either.
"""

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, LongTable, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from zzdesk.domain.plan_parser import numeral_text
from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.reports.official_document import BODY_LEADING, BODY_SIZE, TEXT_WIDTH, OfficialStyles
from zzdesk.reports.pdf_fonts import FANGSONG, HEI, TITLE
from zzdesk.reports.summary_text import full_date

RED = colors.HexColor("#c8161d")  # 版头 and its rule print red on colour printers, dark grey on black-and-white
RULE = colors.HexColor("#333333")
HEADER_FILL = colors.HexColor("#e6e6e6")
MASTHEAD_SIZE = 36
TABLE_FONT_SIZE = 10.5  # 五号: tables may be smaller than the body, and still read when printed
TABLE_LEADING = TABLE_FONT_SIZE * 1.35


# reportlab's Table sets a font for every cell before drawing it, Helvetica unless told otherwise, and that puts an
# unembedded base-14 font into the PDF even when every cell holds a Paragraph. Every table here names ours.
NO_PADDING = [("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]


def layout_table(rows: list[list[Flowable]], widths: Sequence[float], commands: Sequence[tuple] = (),
                 table_class: type[Table] = Table, **options: object) -> Table:
    """A table used for layout or data; widths in points. Always carries the body font (see above)."""
    return table_class(rows, colWidths=list(widths), style=[("FONT", (0, 0), (-1, -1), FANGSONG, TABLE_FONT_SIZE),
                                                            *commands], **options)


def text(value: object) -> str:
    """Database text made safe for a Paragraph and set with Chinese punctuation."""
    return escape(chinese_punctuation(" ".join(str(value or "").split())))


def section_heading(number: int, title: str, styles: OfficialStyles) -> Paragraph:
    """「一、总体情况」 in 黑体."""
    return Paragraph(f"{numeral_text(number)}、{text(title)}", styles.heading1)


def sub_heading(number: int, title: str, styles: OfficialStyles) -> Paragraph:
    """「（一）……」 in 楷体."""
    return Paragraph(f"（{numeral_text(number)}）{text(title)}", styles.heading2)


def masthead(name: str, issue: str, office: str, day: date) -> list[Flowable]:
    """版头: the red document name, the 期号, then the office and date above a red rule."""
    title = ParagraphStyle("Masthead", fontName=TITLE, fontSize=MASTHEAD_SIZE, leading=MASTHEAD_SIZE * 1.3,
                           alignment=TA_CENTER, textColor=RED)
    issue_style = ParagraphStyle("MastheadIssue", fontName=FANGSONG, fontSize=BODY_SIZE, leading=BODY_LEADING,
                                 alignment=TA_CENTER)
    line = layout_table([[Paragraph(text(office), ParagraphStyle("MastheadOffice", parent=issue_style, alignment=0)),
                          Paragraph(full_date(day), ParagraphStyle("MastheadDate", parent=issue_style,
                                                                   alignment=TA_RIGHT))]],
                        [TEXT_WIDTH / 2] * 2, [*NO_PADDING, ("VALIGN", (0, 0), (-1, -1), "BOTTOM")])
    return [Spacer(1, 4 * mm), Paragraph(text(name), title), Spacer(1, 2 * mm), Paragraph(text(issue), issue_style),
            line, HRFlowable(width="100%", thickness=1.6, color=RED, spaceBefore=1 * mm, spaceAfter=6 * mm)]


def table_style(size: float = TABLE_FONT_SIZE, bold: bool = False, align: int = 0) -> ParagraphStyle:
    return ParagraphStyle(f"TableCell{size}{bold}{align}", fontName=HEI if bold else FANGSONG, fontSize=size,
                          leading=size * 1.35, alignment=align, wordWrap="CJK")


Cell = str | Flowable


def data_table(header: Sequence[str], rows: Sequence[Sequence[Cell]], widths: Sequence[float],
               size: float = TABLE_FONT_SIZE, centred: Sequence[int] = ()) -> Table:
    """A ruled table across the text block; the header repeats on every page. ``widths`` are fractions of the
    text width; string cells are wrapped (CJK rules), columns listed in ``centred`` are centred."""
    assert abs(sum(widths) - 1) < 0.01, "column widths must fill the text block"
    head_style = table_style(size, bold=True, align=TA_CENTER)
    cell_styles = [table_style(size, align=TA_CENTER if column in centred else 0) for column in range(len(header))]
    body = [[Paragraph(text(h), head_style) for h in header]]
    for row in rows:
        body.append([cell if isinstance(cell, Flowable) else Paragraph(text(cell), cell_styles[column])
                     for column, cell in enumerate(row)])
    table = layout_table(body, [w * TEXT_WIDTH for w in widths], table_class=LongTable, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def signature(office: str, day: date, styles: OfficialStyles) -> Flowable:
    """落款 and 成文日期, right-aligned with four characters' space after them, kept together."""
    return KeepTogether(signature_lines(office, day, styles))


def signature_lines(office: str, day: date, styles: OfficialStyles) -> list[Flowable]:
    """The flowables of ``signature``, to be kept together with the last paragraph before them (a KeepTogether
    nested in another always reports itself too tall, so the outer one would always start a new page)."""
    style = ParagraphStyle("Signature", parent=styles.body_no_indent, alignment=TA_RIGHT,
                           rightIndent=4 * BODY_SIZE)
    return [Spacer(1, BODY_LEADING), Paragraph(text(office), style), Paragraph(full_date(day), style)]


def colophon(send_to: str, copy_to: str, office: str, day: date) -> Flowable:
    """版记: 报送 / 抄送 between rules, and the issuing office with the printing date, at the end of the document."""
    style = ParagraphStyle("Colophon", fontName=FANGSONG, fontSize=14, leading=22, leftIndent=14, rightIndent=14,
                           firstLineIndent=0, wordWrap="CJK")
    right = ParagraphStyle("ColophonDate", parent=style, alignment=TA_RIGHT)
    rows = [[Paragraph(f"报送：{text(send_to)}", style)], [Paragraph(f"抄送：{text(copy_to)}", style)],
            [layout_table([[Paragraph(text(office), style), Paragraph(f"{full_date(day)}印发", right)]],
                          [TEXT_WIDTH * 0.6, TEXT_WIDTH * 0.4], NO_PADDING)]]
    table = layout_table(rows, [TEXT_WIDTH])
    table.setStyle(TableStyle([
        ("LINEABOVE", (0, 0), (-1, 0), 1, colors.black), ("LINEBELOW", (0, -1), (-1, -1), 1, colors.black),
        ("LINEBELOW", (0, 0), (-1, -2), 0.5, colors.black),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return KeepTogether([Spacer(1, 2 * BODY_LEADING), table])


def percent(value: int | float | None) -> str:
    return "—" if value is None else f"{round(value)}%"


def table_date(day: date | None) -> str:
    """A date in a table cell: 「2025.09.18」, compact enough for a narrow column; 「—」 when there is none."""
    return f"{day.year}.{day.month:02d}.{day.day:02d}" if day else "—"
