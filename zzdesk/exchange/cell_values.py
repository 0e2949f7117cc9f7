"""Reading what people type into a spreadsheet cell: the forgiving rules every import shares.

Excel, WPS and people leave stray spaces, full-width characters, line breaks and 「_x000D_」 escapes in cells;
these functions turn a cell's value into what the services expect, or raise a ValidationError saying what to fix.
"""

from zzdesk.domain.errors import ValidationError  # noqa: F401  (used by the parsers below)

_SPACES = str.maketrans({"\u3000": " ", "\xa0": " ", "\t": " "})


def clean_text(value: object) -> str:
    """A text cell as stored: None → "", line breaks unified, each line trimmed, blank lines dropped."""
    if value is None:
        return ""
    text = str(value).replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n").translate(_SPACES)
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
