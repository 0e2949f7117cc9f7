"""Opening workbooks from outside the office: hostile, broken and wrong files are refused quickly, in Chinese.

Every hostile file is built here, in tmp_path, from a real workbook saved by openpyxl: zip bombs (honest and with
forged size headers), an XML entity bomb, an external entity reaching for a local file, renamed PDFs/.xls/CSV,
truncated and corrupted archives. Each refusal must name the file, say what to do, and come back in well under 5 s.
"""

import hashlib
import io
import re
import struct
import time
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import defusedxml
import openpyxl
import pytest

from zzdesk.domain.errors import ValidationError
from zzdesk.exchange import safe_workbook
from zzdesk.exchange.safe_workbook import LoadedWorkbook, load_workbook_safely, read_guard, sha256_of

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MB = 1024 * 1024
QUICK = 5.0  # seconds; generous so a slow CI machine does not flake

DAMAGED = "已损坏或不完整"
FORBIDDEN = "已损坏或包含不允许的内容，无法读取；请在 Excel/WPS 中打开后另存为 .xlsx 再试"
BOMB = "可能是恶意构造的文件，已拒绝读取"
LOCKED = "文件可能正在 Excel/WPS 中打开，请关闭后重试"
PASSWORD = "文件设置了打开密码，请取消密码后再导入"
OLD_XLS = "这是旧版 .xls 格式，请在 Excel/WPS 中另存为 .xlsx"


# --- building files ------------------------------------------------------------------------------------------------


def make_workbook(path: Path) -> Path:
    """A small 报送表-like workbook as openpyxl saves it (with sharedStrings, a date, a number and a formula)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "进展报送"
    sheet.append(["编号", "进展情况", "进度", "完成时限"])
    sheet.append(["1.1", "已完成可研批复", 80, datetime(2025, 12, 31)])
    sheet["E2"] = "=1+1"
    workbook.save(path)
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(path: Path, parts: dict[str, bytes], level: int = 6) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def with_shared_strings(parts: dict[str, bytes], table: bytes) -> dict[str, bytes]:
    """Make the workbook use a shared-string table, as Excel and WPS always write (openpyxl writes inline strings),
    and point cell A2 at its first string."""
    parts = dict(parts)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9" /></Relationships>')
    sheet, count = re.subn(rb'<c r="A2" t="inlineStr"><is><t>[^<]*</t></is></c>', b'<c r="A2" t="s"><v>0</v></c>',
                           parts[SHEET])
    assert count == 1
    parts[SHEET] = sheet
    parts[STRINGS] = table
    return parts


def add_zero_member(path: Path, member: str, size: int, level: int = 9) -> None:
    """Append a member of ``size`` zero bytes, streamed, so the test never holds it in memory."""
    chunk = bytes(MB)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=level) as archive, \
            archive.open(member, "w") as handle:
        for _ in range(size // MB):
            handle.write(chunk)


def forge_declared_size(data: bytes, member: str, declared: int) -> bytes:
    """Rewrite the uncompressed size in a member's local header and its central-directory record."""
    forged = bytearray(data)
    name = member.encode()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        offset = archive.getinfo(member).header_offset
    assert forged[offset:offset + 4] == b"PK\x03\x04"
    struct.pack_into("<I", forged, offset + 22, declared)
    patched = 0
    position = forged.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", forged, position + 28)[0]
        if bytes(forged[position + 46:position + 46 + name_length]) == name:
            struct.pack_into("<I", forged, position + 24, declared)
            patched += 1
        position = forged.find(b"PK\x01\x02", position + 4)
    assert patched == 1
    return bytes(forged)


def set_central_flag(data: bytes, member: str, flag: int) -> bytes:
    forged = bytearray(data)
    name = member.encode()
    position = forged.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", forged, position + 28)[0]
        if bytes(forged[position + 46:position + 46 + name_length]) == name:
            flags = struct.unpack_from("<H", forged, position + 8)[0]
            struct.pack_into("<H", forged, position + 8, flags | flag)
        position = forged.find(b"PK\x01\x02", position + 4)
    return bytes(forged)


LAUGHS = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
          + b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>\n")
SHEET_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def laughs_sheet() -> bytes:
    return LAUGHS + (b'<worksheet %s><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
                     b"</sheetData></worksheet>" % SHEET_NS)


def laughs_strings() -> bytes:
    return LAUGHS + b'<sst %s count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>' % SHEET_NS


def xxe_strings(secret: Path) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [<!ENTITY xxe SYSTEM "%s">]>\n'
            b'<sst %s count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>' % (secret.as_uri().encode(), SHEET_NS))


def refused(load: Callable[[], object]) -> str:
    """Run ``load``, assert it raises a ValidationError quickly, return the message."""
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        load()
    elapsed = time.perf_counter() - started
    assert elapsed < QUICK, f"refusal took {elapsed:.1f} s"
    message = caught.value.message
    assert "Traceback" not in message
    return message


# --- files that must load ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("read_only", [True, False])
def test_a_normal_workbook_loads_and_its_hash_is_of_the_file(tmp_path: Path, read_only: bool) -> None:
    path = make_workbook(tmp_path / "报送表.xlsx")
    loaded = load_workbook_safely(path, read_only=read_only)
    assert isinstance(loaded, LoadedWorkbook)
    assert loaded.name == "报送表.xlsx"
    raw = path.read_bytes()
    assert loaded.size == len(raw)
    assert loaded.sha256 == hashlib.sha256(raw).hexdigest() == sha256_of(path)
    rows = list(loaded.workbook["进展报送"].iter_rows(values_only=True))
    assert rows[0] == ("编号", "进展情况", "进度", "完成时限", None)
    assert rows[1][:4] == ("1.1", "已完成可研批复", 80, datetime(2025, 12, 31))
    loaded.workbook.close()


def test_data_only_decides_between_formulas_and_cached_values(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "a.xlsx")
    assert load_workbook_safely(path, read_only=False, data_only=False).workbook.active["E2"].value == "=1+1"
    # openpyxl stores no cached value for a formula it wrote; data_only reads the cache, here empty.
    assert load_workbook_safely(path, read_only=False, data_only=True).workbook.active["E2"].value is None


@pytest.mark.parametrize("read_only", [True, False])
def test_a_workbook_with_shared_strings_loads(tmp_path: Path, read_only: bool) -> None:
    table = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst %s count="1" uniqueCount="1">'
             b"<si><t>%s</t></si></sst>" % (SHEET_NS, "一、先进制造".encode()))
    path = write_zip(tmp_path / "共享.xlsx", with_shared_strings(members(make_workbook(tmp_path / "b.xlsx")), table))
    rows = list(load_workbook_safely(path, read_only=read_only).workbook.active.iter_rows(values_only=True))
    assert rows[1][:3] == ("一、先进制造", "已完成可研批复", 80)


WPS_CUSTOM = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
              b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer">'
              b"<vt:lpwstr>2052-12.1.0.16120</vt:lpwstr></property>"
              b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="ICV">'
              b"<vt:lpwstr>0C3F4A1B</vt:lpwstr></property></Properties>")


@pytest.mark.parametrize("read_only", [True, False])
def test_a_workbook_with_wps_extra_members_loads(tmp_path: Path, read_only: bool) -> None:
    parts = members(make_workbook(tmp_path / "base.xlsx"))
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/docProps/custom.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>')
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId9" Target="docProps/custom.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/custom-properties"/></Relationships>')
    parts["docProps/custom.xml"] = WPS_CUSTOM
    parts["customXml/item1.xml"] = b'<?xml version="1.0" standalone="no"?><b:Sources xmlns:b="urn:x" SelectedStyle=""/>'
    parts["customXml/itemProps1.xml"] = b'<?xml version="1.0"?><ds:datastoreItem xmlns:ds="urn:y" ds:itemID="{1}"/>'
    parts["customXml/_rels/item1.xml.rels"] = b'<?xml version="1.0"?><Relationships xmlns="urn:z"/>'
    parts["xl/customXml/item1.xml"] = b"<root/>"
    parts["xl/media/image1.svg"] = (b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                                    b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>')  # not parsed as XML
    path = write_zip(tmp_path / "wps.xlsx", parts)

    loaded = load_workbook_safely(path, read_only=read_only)

    assert loaded.workbook.custom_doc_props["KSOProductBuildVer"].value == "2052-12.1.0.16120"
    rows = list(loaded.workbook["进展报送"].iter_rows(values_only=True))
    assert rows[1][1] == "已完成可研批复"


# --- wrong kinds of file --------------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    message = refused(lambda: load_workbook_safely(tmp_path / "没有.xlsx"))
    assert "找不到文件" in message and "没有.xlsx" in message


def test_a_folder(tmp_path: Path) -> None:
    (tmp_path / "报送.xlsx").mkdir()
    message = refused(lambda: load_workbook_safely(tmp_path / "报送.xlsx"))
    assert "“报送.xlsx”是文件夹" in message


def test_a_file_locked_by_excel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # On Windows, a workbook open in Excel/WPS refuses to be opened by another program with a PermissionError;
    # tests run as root here, so chmod would not block the read: simulate the error the open raises.
    path = make_workbook(tmp_path / "报送表.xlsx")

    def locked(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", locked)
    message = refused(lambda: load_workbook_safely(path))
    assert LOCKED in message and "报送表.xlsx" in message
    assert LOCKED in refused(lambda: sha256_of(path))


def test_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "空.xlsx").write_bytes(b"")
    assert "“空.xlsx”是空文件" in refused(lambda: load_workbook_safely(tmp_path / "空.xlsx"))


def test_a_file_above_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_workbook(tmp_path / "大.xlsx")
    monkeypatch.setattr(safe_workbook, "MAX_WORKBOOK_BYTES", path.stat().st_size - 1)
    message = refused(lambda: load_workbook_safely(path))
    assert "超过" in message and "上限" in message and "大.xlsx" in message


def test_the_real_limit_is_twenty_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    with path.open("wb") as handle:  # sparse: 21 MB on disk costs nothing
        handle.truncate(21 * MB)
    message = refused(lambda: load_workbook_safely(path))
    assert "21.0 MB" in message and "超过 20 MB 的上限" in message


def test_a_renamed_pdf(tmp_path: Path) -> None:
    path = tmp_path / "通报.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert "是 PDF 文件" in refused(lambda: load_workbook_safely(path))


def test_an_old_xls(tmp_path: Path) -> None:
    path = tmp_path / "旧表.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "Workbook".encode("utf-16-le") + bytes(1024))
    assert OLD_XLS in refused(lambda: load_workbook_safely(path))


def test_a_password_protected_workbook(tmp_path: Path) -> None:
    # Excel saves a workbook with an opening password as an OLE2 compound file holding EncryptionInfo and
    # EncryptedPackage streams; their names sit in the directory sectors in UTF-16LE.
    path = tmp_path / "加密.xlsx"
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + bytes(64)
                         for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + directory + bytes(2048))
    assert PASSWORD in refused(lambda: load_workbook_safely(path))


def test_a_zip_with_an_encrypted_member(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "zip密码.xlsx")
    path.write_bytes(set_central_flag(path.read_bytes(), SHEET, 0x1))
    assert PASSWORD in refused(lambda: load_workbook_safely(path))


@pytest.mark.parametrize(("content", "words"), [
    ("编号,进度\n1.1,80\n1.2,50\n".encode("gbk"), "是文本或 CSV 文件"),
    ("\ufeff编号,进度\n1.1,80\n".encode(), "是文本或 CSV 文件"),
    ("编号\t进度\n1.1\t80\n".encode("utf-16"), "是文本或 CSV 文件"),  # Excel's 「Unicode 文本」
    (b"<html><body><table><tr><td>1.1</td></tr></table></body></html>", "网页（HTML）或 XML"),
])
def test_text_and_csv_renamed_xlsx(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "导出.xlsx"
    path.write_bytes(content)
    message = refused(lambda: load_workbook_safely(path))
    assert words in message and "另存为 .xlsx" in message


def test_excels_owner_lock_file(tmp_path: Path) -> None:
    path = tmp_path / "~$报送表.xlsx"  # what Excel leaves next to an open workbook; easy to pick by mistake
    path.write_bytes(b"\x06" + "张三".encode("utf-16-le").ljust(108, b" ") + bytes(57))
    assert "临时文件，请选择不带 ~$ 的原文件" in refused(lambda: load_workbook_safely(path))


def test_binary_that_is_no_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "图片.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert "不是 Excel .xlsx 文件" in refused(lambda: load_workbook_safely(path))


@pytest.mark.parametrize(("parts", "words"), [
    ({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}, "是 Word 文档"),
    ({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00"}, ".xlsb"),
    ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}, "ODS"),
    ({"说明.txt": "请查收".encode()}, "是压缩包，但不是 Excel .xlsx 文件"),
    ({"xl/workbook.xml": b"<workbook/>"}, "缺少工作簿部件"),  # no [Content_Types].xml
])
def test_zips_that_are_not_workbooks(tmp_path: Path, parts: dict[str, bytes], words: str) -> None:
    path = write_zip(tmp_path / "包.xlsx", parts)
    assert words in refused(lambda: load_workbook_safely(path))


# --- broken archives ------------------------------------------------------------------------------------------------


def test_a_truncated_workbook(tmp_path: Path) -> None:
    whole = make_workbook(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "半截.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    message = refused(lambda: load_workbook_safely(path))
    assert DAMAGED in message and "半截.xlsx" in message


def test_a_member_with_corrupted_bytes(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "坏.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(SHEET.encode()) + len(info.extra)
    for index in range(start + 5, start + info.compress_size - 5):
        data[index] ^= 0x55
    path.write_bytes(bytes(data))
    assert DAMAGED in refused(lambda: load_workbook_safely(path))


@pytest.mark.parametrize("read_only", [True, False])
def test_a_workbook_whose_parts_openpyxl_cannot_parse(tmp_path: Path, read_only: bool) -> None:
    parts = members(make_workbook(tmp_path / "base.xlsx"))
    parts["xl/workbook.xml"] = b"<workbook><unclosed></workbook>"
    path = write_zip(tmp_path / "怪.xlsx", parts)
    message = refused(lambda: load_workbook_safely(path, read_only=read_only))
    assert FORBIDDEN in message and "怪.xlsx" in message


def test_too_many_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_workbook(tmp_path / "多.xlsx")
    monkeypatch.setattr(safe_workbook, "MAX_MEMBERS", 3)
    assert "包含的部件过多" in refused(lambda: load_workbook_safely(path))


# --- zip bombs ------------------------------------------------------------------------------------------------------


def test_a_zip_bomb_with_honest_headers(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "炸弹.xlsx")
    add_zero_member(path, "xl/media/zeros.bin", 300 * MB, level=1)
    assert path.stat().st_size < 5 * MB  # small on disk, 300 MB inside
    message = refused(lambda: load_workbook_safely(path))
    assert BOMB in message and "解压后超过 200 MB" in message


def test_a_member_compressed_too_well(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "比例.xlsx")
    add_zero_member(path, "xl/worksheets/sheet2.xml", 40 * MB)  # under the 200 MB total, ratio ~1000
    message = refused(lambda: load_workbook_safely(path))
    assert BOMB in message and "压缩比异常" in message and "比例.xlsx" in message


def test_a_zip_bomb_whose_headers_declare_a_small_size(tmp_path: Path) -> None:
    # Both the local header and the central directory say 1000 bytes; the data inflates to 300 MB. zipfile stops
    # at the declared size and the CRC then fails, so the file is refused as damaged without inflating the rest.
    path = make_workbook(tmp_path / "伪装.xlsx")
    add_zero_member(path, SHEET.replace("sheet1", "sheet9"), 300 * MB, level=1)
    path.write_bytes(forge_declared_size(path.read_bytes(), SHEET.replace("sheet1", "sheet9"), 1000))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(SHEET.replace("sheet1", "sheet9")).file_size == 1000
    assert DAMAGED in refused(lambda: load_workbook_safely(path))


def test_the_byte_cap_while_reading_stops_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Declared sizes can lie; the cap on what actually comes out of the decompressor is the last line. Switch the
    # declared-size check off and lower the cap, then count the bytes really decompressed.
    path = make_workbook(tmp_path / "读取上限.xlsx")
    add_zero_member(path, "xl/media/zeros.bin", 50 * MB)
    cap = 3 * MB
    monkeypatch.setattr(safe_workbook, "MAX_UNCOMPRESSED_BYTES", cap)
    monkeypatch.setattr(safe_workbook, "_check_declared", lambda infos, name: None)
    read = 0
    original = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        nonlocal read
        data = original(self, n)
        read += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    assert BOMB in refused(lambda: load_workbook_safely(path))
    assert read <= cap + safe_workbook._CHUNK


# --- XML attacks ----------------------------------------------------------------------------------------------------


def hostile(tmp_path: Path, name: str, member: str, xml: bytes) -> Path:
    """A real workbook with one part replaced; a shared-string table is wired in as Excel would have it."""
    parts = members(make_workbook(tmp_path / "base.xlsx"))
    if member == STRINGS:
        parts = with_shared_strings(parts, xml)
    else:
        parts[member] = xml
    return write_zip(tmp_path / name, parts)


def caused_by_defusedxml(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, defusedxml.DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@pytest.mark.parametrize("read_only", [True, False])
@pytest.mark.parametrize(("member", "xml"), [(SHEET, laughs_sheet()), (STRINGS, laughs_strings())])
def test_an_entity_bomb_inside_a_real_workbook(tmp_path: Path, read_only: bool, member: str, xml: bytes) -> None:
    path = hostile(tmp_path, "笑.xlsx", member, xml)
    message = refused(lambda: load_workbook_safely(path, read_only=read_only))
    assert FORBIDDEN in message and "笑.xlsx" in message


@pytest.mark.parametrize("read_only", [True, False])
def test_an_external_entity_reaching_for_a_local_file(tmp_path: Path, read_only: bool) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("口令123", encoding="utf-8")
    path = hostile(tmp_path, "外部实体.xlsx", STRINGS, xxe_strings(secret))
    assert FORBIDDEN in refused(lambda: load_workbook_safely(path, read_only=read_only))


def test_a_utf16_doctype_is_found_too(tmp_path: Path) -> None:
    xml = laughs_strings().replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16")
    path = hostile(tmp_path, "utf16.xlsx", STRINGS, xml)
    assert FORBIDDEN in refused(lambda: load_workbook_safely(path))


@pytest.mark.parametrize("read_only", [True, False])
@pytest.mark.parametrize(("member", "build"), [
    (STRINGS, lambda secret: laughs_strings()),
    (STRINGS, xxe_strings),
    (SHEET, lambda secret: laughs_sheet()),
])
def test_defusedxml_refuses_entities_even_without_the_prescan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_only: bool, member: str,
        build: Callable[[Path], bytes]) -> None:
    # Second line of defence: with our DTD scan switched off, openpyxl parses through defusedxml, whose refusal
    # must still reach the user as the same message (and never expand an entity or read the local file).
    secret = tmp_path / "secret.txt"
    secret.write_text("口令123", encoding="utf-8")
    path = hostile(tmp_path, "深.xlsx", member, build(secret))
    monkeypatch.setattr(safe_workbook, "_DOCTYPE", ())

    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        load_workbook_safely(path, read_only=read_only)
    assert time.perf_counter() - started < QUICK
    assert FORBIDDEN in caught.value.message
    assert caused_by_defusedxml(caught.value)


def test_read_guard_covers_lazy_sheet_parsing_in_read_only_mode(tmp_path: Path) -> None:
    # A sheet that starts well but breaks further down: read-only openpyxl parses it only while it is iterated.
    sheet = members(make_workbook(tmp_path / "base.xlsx"))[SHEET]
    broken = sheet.replace(b"</sheetData>", b'<row r="3"><c r="A3"><v>1</v></c></row><row r="4"><c r="A4"></sheetData>')
    broken = broken.replace(b'<dimension ref="A1:E2" />', b'<dimension ref="A1:E9" />')  # read-only stops there
    path = hostile(tmp_path, "懒.xlsx", SHEET, broken)
    loaded = load_workbook_safely(path, read_only=True)

    def iterate() -> None:
        with read_guard(loaded.name):
            list(loaded.workbook.active.iter_rows(values_only=True))

    message = refused(iterate)
    assert FORBIDDEN in message and "懒.xlsx" in message
    # without read_guard the caller would have shown a traceback
    with pytest.raises(Exception) as raw:
        list(load_workbook_safely(path, read_only=True).workbook.active.iter_rows(values_only=True))
    assert not isinstance(raw.value, ValidationError)


def test_read_guard_lets_our_own_refusals_and_memory_errors_through() -> None:
    with pytest.raises(ValidationError, match="第 3 行"), read_guard("a.xlsx"):
        raise ValidationError("第 3 行：进度不对")
    with pytest.raises(MemoryError), read_guard("a.xlsx"):
        raise MemoryError
    with pytest.raises(KeyboardInterrupt), read_guard("a.xlsx"):
        raise KeyboardInterrupt


def test_sha256_of_matches_hashlib(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(bytes(range(256)) * 5000)
    assert sha256_of(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "找不到文件" in refused(lambda: sha256_of(tmp_path / "none.bin"))


def test_defusedxml_is_in_force() -> None:
    # The module refuses to import without it; this pins what it checked.
    assert openpyxl.xml.DEFUSEDXML is True
    assert openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")
