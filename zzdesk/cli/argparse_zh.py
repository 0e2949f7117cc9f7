"""Chinese for argparse's own messages (usage, errors, help headings).

argparse looks its texts up through ``argparse._`` at run time, so replacing that function is enough.
"""

import argparse

_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "invalid choice: %(value)r": "无效的选择：%(value)r",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "需要以下参数之一：%s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：用法错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "show program's version number and exit": "显示版本号并退出",
}


def _translate(message: str) -> str:
    return _ZH.get(message, message)


def install() -> None:
    argparse._ = _translate  # type: ignore[attr-defined]
