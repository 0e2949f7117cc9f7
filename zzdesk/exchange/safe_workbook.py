"""Opening an .xlsx someone mailed us without trusting it: the one door every Excel import goes through.

A returned 报送表 is a file from outside the office. It may be the wrong kind (a PDF, an old .xls, a CSV renamed),
half-copied, password-protected, locked by Excel, or built to hurt (a zip bomb, an XML entity bomb, an external
entity reaching for a local file). The file's bytes are read once, hashed, checked, and those same bytes are parsed,
so the file checked is the file parsed and the audit's hash names exactly what was read. Every refusal is a Chinese
``ValidationError`` saying what to do; nothing raised while reading untrusted bytes reaches the user as a traceback.
"""

import hashlib
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import defusedxml
import openpyxl
import openpyxl.xml
import openpyxl.xml.functions

from zzdesk.domain.errors import DomainError, ValidationError

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024  # the file on disk
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # all members together, as declared and as actually read
MAX_RATIO = 100  # per member, uncompressed/compressed (only for members above RATIO_FLOOR_BYTES)
MAX_MEMBERS = 10_000
RATIO_FLOOR_BYTES = 1024 * 1024  # small members may compress very well (a sheet of blank styled cells)

_CHUNK = 1024 * 1024
_MB = 1024 * 1024

# openpyxl parses with defusedxml when it is importable; without it a hostile workbook could expand entities.
if not openpyxl.xml.DEFUSEDXML or not openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml"):
    raise ImportError("zzdesk refuses to read workbooks without defusedxml (openpyxl.xml.DEFUSEDXML is False); "
                      "程序安装不完整，请重新安装")

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An Excel file with an opening password is an OLE2 compound file holding these streams (names in UTF-16LE).
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
# Excel and WPS never write a DTD; entity bombs and external entities need one. Checked in every XML-ish member.
_DOCTYPE = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
_NOT_PARSED_AS_XML = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg", ".bin",
                      ".ico", ".webp", ".wdp", ".xlsx", ".xlsm", ".docx", ".pptx", ".doc", ".xls", ".ppt", ".pdf")
_REQUIRED = ("[Content_Types].xml", "xl/workbook.xml")


@dataclass(frozen=True)
class LoadedWorkbook:
    workbook: openpyxl.Workbook
    name: str  # file name for messages and the audit
    sha256: str  # of the exact bytes parsed
    size: int


def load_workbook_safely(path: Path, *, read_only: bool = True, data_only: bool = True) -> LoadedWorkbook:
    """Read, check and parse an .xlsx, or raise a ValidationError saying what the user should do.

    In read-only mode openpyxl parses each sheet lazily while it is iterated; the pre-scan has already refused
    DTDs and oversized content, but wrap the iteration in ``read_guard(name)`` so a damaged sheet still reads as
    a message rather than a traceback.
    """
    path = Path(path)
    name = path.name
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    _sniff(data, name)
    _prescan(data, name)
    with read_guard(name):
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=data_only,
                                          keep_links=False)
    return LoadedWorkbook(workbook=workbook, name=name, sha256=digest, size=len(data))


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file as it is on disk now, read in chunks (for the audit of files we wrote or received)."""
    path = Path(path)
    digest = hashlib.sha256()
    with _os_errors(path), path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def read_guard(name: str) -> Iterator[None]:
    """Turn any failure while parsing untrusted workbook bytes into the user's message.

    Our own refusals pass through; MemoryError is not the file's fault to report as "damaged" and is left to
    the application's top-level handler; KeyboardInterrupt/SystemExit (BaseException) are never caught.
    """
    try:
        yield
    except (DomainError, MemoryError):
        raise
    except defusedxml.DefusedXmlException as error:
        raise ValidationError(_forbidden(name)) from error
    except Exception as error:  # anything openpyxl/zipfile/XML raise on hostile bytes is a bad file
        raise ValidationError(_forbidden(name)) from error


def _forbidden(name: str) -> str:
    return f"“{name}”已损坏或包含不允许的内容，无法读取；请在 Excel/WPS 中打开后另存为 .xlsx 再试"


def _damaged(name: str) -> str:
    return (f"“{name}”已损坏或不完整（可能没有下载或复制完整），无法读取；"
            "请重新获取文件，或在 Excel/WPS 中打开后另存为 .xlsx 再试")


def _bomb(name: str, why: str = "") -> str:
    why = why or f"解压后超过 {MAX_UNCOMPRESSED_BYTES // _MB} MB"
    return (f"“{name}”{why}，可能是恶意构造的文件，已拒绝读取；"
            "如确是正常表格，请删除无关的工作表和图片，在 Excel/WPS 中另存为 .xlsx 再试")


def _password(name: str) -> str:
    return f"“{name}”：文件设置了打开密码，请取消密码后再导入（Excel/WPS 中：文件 → 信息/文档加密 → 清除密码）"


@contextmanager
def _os_errors(path: Path) -> Iterator[None]:
    name = path.name
    try:
        yield
    except FileNotFoundError:
        raise ValidationError(f"找不到文件“{path}”，请检查文件是否已被移动、改名或删除") from None
    except IsADirectoryError:
        raise ValidationError(f"“{name}”是文件夹，请选择一个 .xlsx 文件") from None
    except PermissionError:
        raise ValidationError(f"无法打开“{name}”：文件可能正在 Excel/WPS 中打开，请关闭后重试"
                              "（若仍不行，请检查是否有读取该文件的权限）") from None
    except OSError:
        raise ValidationError(f"无法读取“{name}”，请确认文件所在的磁盘或网络位置可以访问，"
                              "或把文件复制到本机后重试") from None


def _read_bytes(path: Path) -> bytes:
    """The whole file, once; its size checked before reading (stat) and again by what was read."""
    name = path.name
    with _os_errors(path):
        info = path.stat()
        if path.is_dir():
            raise IsADirectoryError(path)
        _check_size(info.st_size, name)
        with path.open("rb") as handle:
            data = handle.read(MAX_WORKBOOK_BYTES + 1)
    _check_size(len(data), name)
    if not data:
        raise ValidationError(f"“{name}”是空文件（0 字节），请重新导出或在 Excel/WPS 中重新保存后再导入")
    return data


def _check_size(size: int, name: str) -> None:
    if size > MAX_WORKBOOK_BYTES:
        raise ValidationError(f"“{name}”有 {size / _MB:.1f} MB，超过 {MAX_WORKBOOK_BYTES / _MB:g} MB 的上限；"
                              "请删除无关的工作表和图片，另存为 .xlsx 后再导入")


def _sniff(data: bytes, name: str) -> None:
    """Refuse what is plainly not an .xlsx by its first bytes, naming what it is and how to convert it."""
    if data.startswith(_ZIP_MAGICS):
        return
    if name.startswith("~$"):
        raise ValidationError(f"“{name}”是 Excel/WPS 打开表格时生成的临时文件，请选择不带 ~$ 的原文件")
    if data.startswith(b"%PDF"):
        raise ValidationError(f"“{name}”是 PDF 文件，不是 Excel 表格；请导入 .xlsx 格式的文件")
    if data.startswith(_OLE2_MAGIC):
        if any(stream in data for stream in _ENCRYPTED_STREAMS):
            raise ValidationError(_password(name))
        raise ValidationError(f"“{name}”：这是旧版 .xls 格式，请在 Excel/WPS 中另存为 .xlsx 后再导入"
                              "（若文件设置了打开密码，也请先取消密码）")
    if _looks_like_text(data[:4096]):
        head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if head.startswith(b"<"):
            raise ValidationError(f"“{name}”是网页（HTML）或 XML 格式的表格，不是真正的 .xlsx 文件；"
                                  "请在 Excel/WPS 中打开后另存为 .xlsx 再导入")
        raise ValidationError(f"“{name}”是文本或 CSV 文件，不是 Excel .xlsx 文件；"
                              "请在 Excel/WPS 中打开后另存为 .xlsx 再导入")
    raise ValidationError(f"“{name}”不是 Excel .xlsx 文件；请选择用 Excel/WPS 保存的 .xlsx 文件")


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text, as Excel's 「Unicode 文本」 export writes
        return True
    if b"\x00" in head:
        return False
    text = head.decode("gb18030", errors="replace")  # a superset of ASCII and GBK; UTF-8 mostly decodes too
    odd = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t\f"))
    return odd <= max(1, len(text) // 50)


def _prescan(data: bytes, name: str) -> None:
    """Check the archive before openpyxl sees it: its parts, their declared sizes and, by reading, the real ones."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_members(infos, name)
            _check_declared(infos, name)
            _read_all(archive, infos, name)
    except (DomainError, MemoryError):
        raise
    except Exception as error:  # BadZipFile, CRC errors, EOFError, zlib.error, unsupported methods…
        raise ValidationError(_damaged(name)) from error


def _check_members(infos: list[zipfile.ZipInfo], name: str) -> None:
    if len(infos) > MAX_MEMBERS:
        raise ValidationError(f"“{name}”包含的部件过多（{len(infos)} 个），不像正常的 Excel 表格，已拒绝读取；"
                              "请在 Excel/WPS 中另存为 .xlsx 再试")
    names = {info.filename for info in infos}
    if any(info.flag_bits & 0x1 for info in infos):
        raise ValidationError(_password(name))
    if all(required in names for required in _REQUIRED):
        return
    if "xl/workbook.bin" in names:
        raise ValidationError(f"“{name}”是 .xlsb（二进制工作簿）格式，请在 Excel/WPS 中另存为 .xlsx 后再导入")
    if "word/document.xml" in names:
        raise ValidationError(f"“{name}”是 Word 文档，不是 Excel 表格；请导入 .xlsx 格式的文件")
    if "ppt/presentation.xml" in names:
        raise ValidationError(f"“{name}”是 PowerPoint 演示文稿，不是 Excel 表格；请导入 .xlsx 格式的文件")
    if "mimetype" in names:
        raise ValidationError(f"“{name}”是 ODS/WPS 开放文档格式，请在 Excel/WPS 中另存为 .xlsx 后再导入")
    raise ValidationError(f"“{name}”是压缩包，但不是 Excel .xlsx 文件（缺少工作簿部件）；"
                          "请选择用 Excel/WPS 保存的 .xlsx 文件")


def _check_declared(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse by the sizes the archive declares: the total, and each large member's compression ratio."""
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
        raise ValidationError(_bomb(name))
    for info in infos:
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise ValidationError(_bomb(name, f"中的部件压缩比异常（解压后是压缩时的 {ratio} 倍）"))


def _read_all(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    """Decompress every member in chunks, stopping as soon as the real total passes the cap.

    Declared sizes can lie; this counts what actually comes out. Reading to the end also makes zipfile check
    each member's CRC, and the XML members are searched for a DTD (an entity bomb or an external entity).
    """
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        scan = not info.filename.lower().endswith(_NOT_PARSED_AS_XML)
        tail = b""
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                total += len(chunk)
                if total > MAX_UNCOMPRESSED_BYTES:
                    raise ValidationError(_bomb(name))
                if scan:
                    window = tail + chunk
                    if any(marker in window for marker in _DOCTYPE):
                        raise ValidationError(_forbidden(name))
                    tail = window[-32:]
