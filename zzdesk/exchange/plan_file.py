"""Reading a plan document from disk as text, whatever encoding a Windows office saved it in."""

from pathlib import Path

from zzdesk.domain.errors import ValidationError

MAX_PLAN_BYTES = 5 * 1024 * 1024


def decode_plan_bytes(data: bytes, name: str) -> str:
    if not data.strip():
        raise ValidationError(f"规划文件“{name}”是空的")
    if b"\x00" in data[:4096]:
        raise ValidationError(f"“{name}”不是文本文件（可能是 Word、PDF 或压缩包）；请另存为 .txt 文本后再导入")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise ValidationError(f"无法识别“{name}”的文字编码；请用记事本另存为 UTF-8 或 GBK 编码的文本")


def _looks_like_text(text: str) -> bool:
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    return control <= len(text) // 100


def read_plan_file(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            raise ValidationError(f"规划文件“{path.name}”过大（超过 5 MB），请只保留规划正文")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"找不到文件“{path}”") from None
    except IsADirectoryError:
        raise ValidationError(f"“{path}”是文件夹，请给出规划文本文件") from None
    except PermissionError:
        raise ValidationError(f"没有权限读取“{path}”") from None
    except OSError as error:
        raise ValidationError(f"无法读取“{path}”：{error.strerror}") from None
    return decode_plan_bytes(data, path.name)
