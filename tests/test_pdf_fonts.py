"""The bulletin's fonts: each logical name is an embeddable TrueType font; a PDF carries its fonts and its Chinese."""

import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate

from zzdesk.fonts import bundled_sans_font, windows_font_dirs
from zzdesk.reports import pdf_fonts
from zzdesk.reports.pdf_fonts import (
    FANGSONG,
    HEI,
    KAI,
    LOGICAL_NAMES,
    SONG,
    TITLE,
    Candidate,
    PdfFontError,
    font_candidates,
    load_first_usable,
    register_pdf_fonts,
)

BASE_14 = {"Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Helvetica", "Helvetica-Bold",
           "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman", "Times-Bold", "Times-Italic",
           "Times-BoldItalic", "Symbol", "ZapfDingbats"}
SAMPLES = {
    TITLE: "郑州市重点工作督查通报",
    HEI: "一、总体进展情况",
    KAI: "（一）创新能级全面增强",
    FANGSONG: "全面发力制造业高端产业，着重做大储能产业。",
    SONG: "附件：重点任务推进情况表",
}


def _style(name: str) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=name, fontSize=16, leading=28, wordWrap="CJK")


def test_every_logical_name_is_a_registered_truetype_font():
    fonts = register_pdf_fonts()
    assert [font.name for font in fonts.fonts] == list(LOGICAL_NAMES)
    for name in LOGICAL_NAMES:
        registered = pdfmetrics.getFont(name)  # names that share a face share one font object, hence one subset
        assert isinstance(registered, TTFont)
        path = fonts.files[name]
        assert Path(registered.face.filename) == path
        assert path == bundled_sans_font() or path.parent in windows_font_dirs()
    if not windows_font_dirs():  # this machine has no Windows fonts: the bundled font serves every role
        assert set(fonts.files.values()) == {bundled_sans_font()}
        assert fonts.fallbacks == frozenset(LOGICAL_NAMES)


def test_registration_happens_once_even_when_threads_race(monkeypatch):
    calls = []
    real_register = pdf_fonts._register

    def counting_register(candidates):
        calls.append(threading.get_ident())
        return real_register(candidates)

    monkeypatch.setattr(pdf_fonts, "_registered", None)
    monkeypatch.setattr(pdf_fonts, "_register", counting_register)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: register_pdf_fonts(), range(16)))
    assert len(calls) == 1
    assert all(result is results[0] for result in results)
    font = pdfmetrics.getFont(FANGSONG)
    assert register_pdf_fonts() is results[0]
    assert pdfmetrics.getFont(FANGSONG) is font  # not registered again


def test_bold_means_hei_and_italic_means_kai_inside_a_paragraph():
    register_pdf_fonts()
    body = Paragraph("正文<b>重点</b><i>强调</i>", _style(FANGSONG))
    assert [(frag.text, frag.fontName) for frag in body.frags] == [("正文", FANGSONG), ("重点", HEI), ("强调", KAI)]
    heading = Paragraph("（一）<b>创新</b>", _style(KAI))
    assert [frag.fontName for frag in heading.frags] == [KAI, HEI]
    title = Paragraph("<b>通报</b>", _style(TITLE))
    assert [frag.fontName for frag in title.frags] == [TITLE]


def _touch(path: Path, data: bytes = b"\x00\x01\x00\x00") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_windows_folders_give_each_role_its_own_typeface_before_any_substitute(tmp_path):
    system, user = tmp_path / "Windows" / "Fonts", tmp_path / "Local" / "Fonts"
    simfang = _touch(system / "simfang.ttf")
    simhei = _touch(system / "SIMHEI.TTF")  # file names differ in case between Windows versions
    simsun = _touch(system / "simsun.ttc")
    xiaobiaosong = _touch(user / "FZXBSJW.TTF")  # installed by the user, without administrator rights
    bundled = tmp_path / "bundled.ttc"

    candidates = font_candidates([system, user], bundled)

    assert candidates[FANGSONG] == [Candidate(simfang, 0, False), Candidate(simsun, 0, True),
                                    Candidate(bundled, 0, True)]
    assert candidates[HEI] == [Candidate(simhei, 0, False), Candidate(bundled, 0, True)]
    assert candidates[KAI] == [Candidate(simfang, 0, True), Candidate(simsun, 0, True), Candidate(bundled, 0, True)]
    assert candidates[SONG] == [Candidate(simsun, 0, False), Candidate(bundled, 0, True)]
    assert candidates[TITLE] == [Candidate(xiaobiaosong, 0, False), Candidate(simsun, 0, True),
                                 Candidate(simhei, 0, True), Candidate(bundled, 0, True)]


def test_opentype_cff_and_broken_files_are_passed_over_with_the_reason(tmp_path):
    folder = tmp_path / "Fonts"
    _touch(folder / "FZXBSJW.otf", b"OTTO" + bytes(60))  # reportlab cannot embed CFF outlines
    _touch(folder / "STZHONGS.TTF", "不是字体".encode())
    simsun = folder / "simsun.ttc"
    shutil.copyfile(bundled_sans_font(), simsun)  # a real TrueType collection standing in for 宋体

    font, chosen, reasons = load_first_usable("ZZ-Test-Title", font_candidates([folder], bundled_sans_font())[TITLE])

    assert chosen == Candidate(simsun, 0, True)
    assert isinstance(font, TTFont) and font.fontName == "ZZ-Test-Title"
    assert reasons == ["FZXBSJW.otf 是 OpenType/CFF 字体，reportlab 只能嵌入 TrueType 轮廓字体",
                       "STZHONGS.TTF 不是 TrueType 字体文件"]


def test_without_any_embeddable_font_the_user_is_told_to_reinstall(tmp_path):
    missing = Candidate(tmp_path / "wqy-microhei.ttc", 0, True)
    with pytest.raises(PdfFontError, match=r"找不到可嵌入的中文字体.*请重新安装本软件"):
        load_first_usable(FANGSONG, [missing])


def _build_pdf(path: Path) -> None:
    register_pdf_fonts()
    # initialFontName: otherwise reportlab starts every page in Helvetica and lists it, unembedded, in the PDF.
    document = SimpleDocTemplate(str(path), pagesize=A4, initialFontName=FANGSONG)
    story = [Paragraph(text, _style(name)) for name, text in SAMPLES.items()]
    story.append(Paragraph("正文中的<b>加粗</b>与<i>楷体</i>。", _style(FANGSONG)))
    document.build(story)


def test_pdf_embeds_its_fonts_and_names_no_base14_font(tmp_path):
    path = tmp_path / "fonts.pdf"
    _build_pdf(path)
    data = path.read_bytes()

    base_fonts = [name.decode() for name in re.findall(rb"/BaseFont\s*/([^\s/<>\[\]()]+)", data)]
    assert base_fonts
    assert not BASE_14.intersection(name.split("+")[-1] for name in base_fonts)
    assert all(re.fullmatch(r"[A-Z]{6}\+\S+", name) for name in base_fonts)  # subsets of embedded TrueType fonts
    descriptors = len(re.findall(rb"/Type\s*/FontDescriptor", data))
    assert descriptors == len(base_fonts)
    assert len(re.findall(rb"/FontFile2\b", data)) == descriptors  # every font carries its TrueType program
    assert not re.search(rb"/FontFile3?\s", data)  # and none is an unembedded or CFF one


def test_pdf_text_extracts_as_the_chinese_that_was_set(tmp_path):
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils' pdftotext is needed to read the PDF back"
    path = tmp_path / "fonts.pdf"
    _build_pdf(path)
    text = subprocess.run([pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    lines = text.decode("utf-8").split()
    for sample in SAMPLES.values():
        assert sample in lines
    assert "正文中的加粗与楷体。" in lines
