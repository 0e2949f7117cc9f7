"""The pieces every report is made of: 版头, headings, tables, 落款 and 版记, in the GB/T 9704 look.

Text from the database goes through ``text()`` (escaped for reportlab's mini-markup, Chinese punctuation for
print) before it is set; nothing else in a report builder has to think about either.
"""

from collections.abc import Callable, Sequence
from datetime import date
from math import ceil
from weakref import WeakKeyDictionary
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, LongTable, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaFrag

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


_MARKUP = frozenset("&<>")
_plain_frags: "WeakKeyDictionary[ParagraphStyle, ParaFrag]" = WeakKeyDictionary()


def paragraph(value: object, style: ParagraphStyle) -> Paragraph:
    """``Paragraph(text(value), style)``, made without reportlab's markup parser where it can be.

    Parsing costs more than laying the paragraph out, and a bulletin of a large ledger has a hundred thousand of
    them. Text without ``&``, ``<`` and ``>`` parses to a single fragment that carries only the style, so that
    fragment is parsed once per style and copied with the text; anything else takes the parser's way."""
    plain = chinese_punctuation(" ".join(str(value or "").split()))
    if not plain or not _MARKUP.isdisjoint(plain) or getattr(style, "textTransform", None):
        return Paragraph(escape(plain), style)
    template = _plain_frags.get(style)
    if template is None:
        sample = Paragraph("x", style).frags
        if len(sample) != 1:  # not the shape assumed above: let the parser do it
            return Paragraph(plain, style)
        template = _plain_frags[style] = sample[0]
    plain = cleanBlockQuotedText(plain)  # what the parser's way does to the text first
    return Paragraph(plain, style, frags=[template.clone(text=plain)])


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
DATA_TABLE_PADDING = {"left": 3, "right": 3, "top": 2, "bottom": 3}
# Above this many rows a data table is laid out a page at a time (RowChunkedTable); below, as one LongTable.
CHUNKED_TABLE_ROWS = 60


def data_table(header: Sequence[str], rows: Sequence[Sequence[Cell]], widths: Sequence[float],
               size: float = TABLE_FONT_SIZE, centred: Sequence[int] = ()) -> Flowable:
    """A ruled table across the text block; the header repeats on every page. ``widths`` are fractions of the
    text width; string cells are wrapped (CJK rules), columns listed in ``centred`` are centred.

    A long table comes out exactly as one ``LongTable`` would, but is laid out a page at a time, with its cells
    made only when their page is (see ``RowChunkedTable``)."""
    assert abs(sum(widths) - 1) < 0.01, "column widths must fill the text block"
    head_style = table_style(size, bold=True, align=TA_CENTER)
    cell_styles = [table_style(size, align=TA_CENTER if column in centred else 0) for column in range(len(header))]
    points = [w * TEXT_WIDTH for w in widths]

    def make(body_rows: Sequence[Sequence[Cell]]) -> Table:
        body = [[paragraph(h, head_style) for h in header]]
        for row in body_rows:
            body.append([cell if isinstance(cell, Flowable) else paragraph(cell, cell_styles[column])
                         for column, cell in enumerate(row)])
        return _ruled(layout_table(body, points, table_class=LongTable, repeatRows=1))

    if len(rows) <= CHUNKED_TABLE_ROWS:
        return make(rows)
    # Every row is at least one line of text and its padding tall: how many rows can surely not fit.
    row_floor = size * 1.35 + DATA_TABLE_PADDING["top"] + DATA_TABLE_PADDING["bottom"]
    return RowChunkedTable(list(rows), make, row_floor)


def _ruled(table: Table) -> Table:
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), DATA_TABLE_PADDING["left"]),
        ("RIGHTPADDING", (0, 0), (-1, -1), DATA_TABLE_PADDING["right"]),
        ("TOPPADDING", (0, 0), (-1, -1), DATA_TABLE_PADDING["top"]),
        ("BOTTOMPADDING", (0, 0), (-1, -1), DATA_TABLE_PADDING["bottom"]),
    ]))
    return table


class RowChunkedTable(Flowable):
    """A table with one header row and many body rows, laid out exactly as one ``LongTable`` of them all.

    At every page break reportlab splits a table into the rows that fit and a new table of all the rest, and scans
    and copies every remaining row to do so: thousands of rows cost time quadratic in their number (a 16,000-row
    named list took most of a minute). This flowable hands reportlab, at each page, a table of only the rows that
    page can possibly hold plus a margin (``make`` builds it, header included), keeps reportlab's first part of its
    split, and carries the rest of the rows on. A page's table is measured and split by reportlab as before, so
    pages break at the same rows. ``row_floor`` is a height no row is below; a wrong one only costs a retry.

    A table carried over a page break must be the table reportlab would carry on: its split restates the header
    and rewrites the rule commands, in an order that settles after the second break. So a carried-over page's table
    is made from the last one or two rows already shown plus the new ones, and split after those rows as reportlab
    would; the pages come out byte for byte as from one LongTable.
    """

    CARRIED_FORMS = 2  # page breaks after which reportlab's continuation tables no longer change their commands

    def __init__(self, rows: list[Sequence[Cell]], make: Callable[[Sequence[Sequence[Cell]]], Table],
                 row_floor: float, shown: Sequence[Sequence[Cell]] = ()) -> None:
        super().__init__()
        self._rows = rows
        self._make = make
        self._row_floor = row_floor
        self._shown = tuple(shown)  # the last rows shown on earlier pages (as many as page breaks, up to two)
        self._table: Table | None = None
        self._table_rows = 0
        self.hAlign = "CENTER"  # as a Table's: where drawOn places it

    def _build(self, count: int, width: float) -> Table:
        table = self._make([*self._shown, *self._rows[:count]])
        for row in self._shown:
            # Where to break: the header's and this row's heights, measured on a table of just them (reportlab
            # measures every row of a table it wraps or splits; carried-on tables know their rows' heights).
            short = self._make([row])
            self._as_placed(short, "wrap", width, 0)
            header, first = short._rowHeights[0], short._rowHeights[1]
            parts = self._as_placed(table, "split", width, header + first)
            assert len(parts) == 2, "a table breaks after its first body row when given just its height"
            table = parts[1]
        return table

    def _page_table(self, available_width: float, available_height: float) -> tuple[Table, float, float]:
        """A table of the first rows, enough of them to overflow the height (or all rows); wrapped."""
        count = min(len(self._rows), max(1, ceil(available_height / self._row_floor) + 2))
        while True:
            if self._table is None or self._table_rows != count:
                self._table, self._table_rows = self._build(count, available_width), count
            width, height = self._as_placed(self._table, "wrap", available_width, available_height)
            if count == len(self._rows) or height > available_height:
                return self._table, width, height
            count = min(len(self._rows), count * 2)  # every row fitted: the floor was too low

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        _, width, height = self._page_table(availWidth, availHeight)
        self.width, self.height = width, height
        return width, height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        table, _, _ = self._page_table(availWidth, availHeight)
        parts = self._as_placed(table, "split", availWidth, availHeight)
        if self._table_rows == len(self._rows):
            return parts
        if not parts:
            return []
        first = parts[0]
        shown = len(first._cellvalues) - 1  # body rows on this page (the first part repeats the header)
        if len(parts) == 1 or shown <= 0:  # reportlab would not break there; neither does the whole table
            return []
        carried = [*self._shown, *self._rows[:shown]][-min(len(self._shown) + 1, self.CARRIED_FORMS):]
        return [first, RowChunkedTable(self._rows[shown:], self._make, self._row_floor, carried)]

    def _as_placed(self, table: Table, method: str, width: float, height: float):  # type: ignore[no-untyped-def]
        """``table.wrap`` or ``table.split``, with the canvas and frame the frame gave this flowable lent to the
        table, as the frame would have set them on the table itself."""
        lent = [name for name in ("canv", "_frame") if hasattr(self, name)]
        for name in lent:
            setattr(table, name, getattr(self, name))
        try:
            return getattr(table, method)(width, height)
        finally:
            for name in lent:
                if hasattr(table, name):
                    delattr(table, name)

    def drawOn(self, canvas, x: float, y: float, _sW: float = 0) -> None:  # type: ignore[no-untyped-def]
        assert self._table is not None and self._table_rows == len(self._rows), "drawn only when it all fits"
        self._table.drawOn(canvas, x, y, _sW)


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


def deadline_cell(deadline: date | None, ongoing: bool = False, original: date | None = None) -> Cell:
    """「2026.12.31」, 「长期」, or for a deadline moved by an approved extension the first one under it in 9 pt,
    「原2026.06.30」 (the original stays on record and in every report)."""
    if ongoing:
        return "长期"
    if original is None or original == deadline:
        return table_date(deadline)
    return Paragraph(f"{table_date(deadline)}<br/><font size='9'>原{table_date(original)}</font>",
                     table_style(align=TA_CENTER))
