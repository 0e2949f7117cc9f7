"""Chinese punctuation for display and print.

The plan document as published has ASCII ",:;()?!" inside Chinese sentences (an artefact of how it was
put online). The stored text stays exactly as the document has it; what people read uses the full-width
marks, so no line starts with a narrow comma and a bracket matches its text. Numbers such as 1,000 or
(2) between Latin letters or digits keep their ASCII marks.
"""

import re

_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’《》"
_MARK_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])[,:;?!()]|[,:;?!()](?=[{_CJK}])")


def chinese_punctuation(text: str) -> str:
    return _MARK_NEXT_TO_CJK.sub(lambda match: _FULL[match.group()], text)
