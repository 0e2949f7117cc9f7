"""The 任务分解表 as CSV, for other systems and for people who filter in their own tools.

Excel on Windows reads a CSV as UTF-8 only when it starts with a byte-order mark, and expects CRLF line ends;
without the mark the Chinese comes out as mojibake. The header is the first line (no title or note rows), the
columns are the ledger sheet's, dates are ISO.
"""

import csv
import io
from collections.abc import Sequence
from datetime import date

from zzdesk.exchange.layout import LEDGER_COLUMNS
from zzdesk.exchange.ledger_workbook import LedgerRow
from zzdesk.exchange.workbook_style import csv_text, sheet_text

ENCODING = "utf-8-sig"


def ledger_csv_bytes(rows: Sequence[LedgerRow]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.header for column in LEDGER_COLUMNS])
    for row in rows:
        writer.writerow([_text(value) for value in row.cells()])
    return buffer.getvalue().encode(ENCODING)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return csv_text(sheet_text(value))
    return str(value)
