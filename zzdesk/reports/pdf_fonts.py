"""The five typefaces of a GB/T 9704 document, registered with reportlab under stable logical names.

Report code only ever says ``ZZ-FangSong`` (body 仿宋), ``ZZ-Hei`` (一、 headings 黑体), ``ZZ-Kai`` ((一) headings
楷体), ``ZZ-Song`` (宋体) and ``ZZ-Title`` (title 方正小标宋); which file stands behind each name is decided here once.
Windows' own files are used when present (system and per-user font folders), otherwise the bundled TrueType font
serves every role, so a PDF made on any machine prints Chinese.

Only TrueType-outline fonts are registered (``TTFont``; a ``.ttc`` through ``subfontIndex``): reportlab embeds
those. OpenType/CFF files (Source Han, Noto CJK, many .otf) are refused by reportlab, and ``UnicodeCIDFont``
embeds nothing, so a printer without the font would substitute its own — neither is ever used. reportlab keeps
one font object per face, so logical names that end up on the same face share it and one embedded subset.
Document templates should pass ``initialFontName=FANGSONG``: reportlab otherwise opens every page in Helvetica and
lists that base-14 font, unembedded, in the PDF.
"""

import copy
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTEncoding, TTFError, TTFont
from reportlab.rl_config import unShapedFontGlob

from zzdesk.domain.errors import DomainError
from zzdesk.fonts import bundled_sans_font, windows_font_dirs

log = logging.getLogger(__name__)

FANGSONG = "ZZ-FangSong"
HEI = "ZZ-Hei"
KAI = "ZZ-Kai"
SONG = "ZZ-Song"
TITLE = "ZZ-Title"
LOGICAL_NAMES = (FANGSONG, HEI, KAI, SONG, TITLE)

FONT_SUFFIXES = (".ttf", ".ttc", ".otf")  # .otf is looked for only to say why it cannot be used
TRUETYPE_TAGS = (b"\x00\x01\x00\x00", b"true")
CFF_TAG = b"OTTO"
COLLECTION_TAG = b"ttcf"


@dataclass(frozen=True)
class FontFile:
    """A face to try: a file name stem in a font folder (any of FONT_SUFFIXES, any case) and its index in a .ttc."""

    stem: str
    subfont_index: int = 0


# Per role, best first: the role's own typeface, then substitutes (those count as a fallback).
# 仿宋 before 仿宋_GB2312: the GB2312 files lack the GBK characters that turn up in names of people and places.
OWN_FILES: dict[str, tuple[FontFile, ...]] = {
    FANGSONG: (FontFile("simfang"), FontFile("仿宋_GB2312"), FontFile("FS_GB2312")),
    HEI: (FontFile("simhei"),),
    KAI: (FontFile("simkai"), FontFile("楷体_GB2312"), FontFile("KT_GB2312")),
    SONG: (FontFile("simsun"),),  # simsun.ttc: face 0 宋体, face 1 新宋体
    TITLE: (FontFile("FZXBSJW"), FontFile("FZXBSJW--GB1-0"), FontFile("方正小标宋简体"), FontFile("方正小标宋_GBK"),
            FontFile("FZXBSK--GBK1-0")),
}
SUBSTITUTE_FILES: dict[str, tuple[FontFile, ...]] = {
    FANGSONG: (FontFile("simsun"),),
    HEI: (),
    KAI: (FontFile("simfang"), FontFile("simsun")),
    SONG: (),
    TITLE: (FontFile("STZHONGS"), FontFile("simsun"), FontFile("simhei")),  # 华文中宋 (Office) is the nearest look
}
# What `<b>` and `<i>` mean inside a Paragraph set in each font: Chinese print bolds with 黑体 and slants with 楷体.
FAMILIES: dict[str, tuple[str, str, str, str]] = {  # normal, bold, italic, bold italic
    FANGSONG: (FANGSONG, HEI, KAI, HEI),
    HEI: (HEI, HEI, HEI, HEI),
    KAI: (KAI, HEI, KAI, HEI),
    SONG: (SONG, HEI, KAI, HEI),
    TITLE: (TITLE, TITLE, TITLE, TITLE),
}


@dataclass(frozen=True)
class Candidate:
    path: Path
    subfont_index: int
    fell_back: bool  # not the role's own typeface: a substitute or the bundled font


@dataclass(frozen=True)
class RoleFont:
    name: str  # the logical reportlab font name, e.g. "ZZ-FangSong"
    path: Path
    subfont_index: int
    fell_back: bool


@dataclass(frozen=True)
class FontSet:
    """What stands behind each logical name, and why any found font file was not used."""

    fonts: tuple[RoleFont, ...]
    rejected: tuple[str, ...] = ()

    @property
    def files(self) -> dict[str, Path]:
        return {font.name: font.path for font in self.fonts}

    @property
    def fallbacks(self) -> frozenset[str]:
        """Logical names not set in their own typeface (all of them on a machine without Windows fonts)."""
        return frozenset(font.name for font in self.fonts if font.fell_back)

    def font(self, name: str) -> RoleFont:
        return next(font for font in self.fonts if font.name == name)


class PdfFontError(DomainError):
    """No font that reportlab can embed was found: the installation lacks even its bundled font."""


def outline_problem(path: Path, subfont_index: int = 0) -> str | None:
    """Why reportlab could not embed this face, or None for a TrueType-outline face. Reads only the headers."""
    try:
        with path.open("rb") as stream:
            tag = stream.read(4)
            if tag == COLLECTION_TAG:
                stream.read(4)  # collection version
                count = int.from_bytes(stream.read(4), "big")
                if subfont_index >= count:
                    return f"{path.name} 只有 {count} 个字体，没有第 {subfont_index} 个"
                stream.seek(12 + 4 * subfont_index)
                stream.seek(int.from_bytes(stream.read(4), "big"))
                tag = stream.read(4)
    except OSError as error:
        return f"{path.name} 无法读取：{error}"
    if tag == CFF_TAG:
        return f"{path.name} 是 OpenType/CFF 字体，reportlab 只能嵌入 TrueType 轮廓字体"
    if tag not in TRUETYPE_TAGS:
        return f"{path.name} 不是 TrueType 字体文件"
    return None


def _index_folders(folders: Iterable[Path]) -> dict[str, list[Path]]:
    """Font files by lower-case stem, first folder first; one listing instead of probing every name and case."""
    index: dict[str, list[Path]] = {}
    for folder in folders:
        try:
            entries = sorted(folder.iterdir())
        except OSError as error:
            log.warning("cannot list font folder %s: %s", folder, error)
            continue
        for entry in entries:
            if entry.suffix.lower() in FONT_SUFFIXES:
                index.setdefault(entry.stem.lower(), []).append(entry)
    return index


def font_candidates(folders: Sequence[Path], bundled: Path) -> dict[str, list[Candidate]]:
    """Per logical name, the files to try in order: own typeface, substitutes, then the bundled font."""
    index = _index_folders(folders)

    def found(files: tuple[FontFile, ...], fell_back: bool) -> list[Candidate]:
        return [Candidate(path, file.subfont_index, fell_back)
                for file in files for path in index.get(file.stem.lower(), [])]

    return {name: [*found(OWN_FILES[name], False), *found(SUBSTITUTE_FILES[name], True), Candidate(bundled, 0, True)]
            for name in LOGICAL_NAMES}


def load_first_usable(name: str, candidates: Sequence[Candidate],
                      parsed: dict[tuple[Path, int], TTFont] | None = None) -> tuple[TTFont, Candidate, list[str]]:
    """The first candidate reportlab can embed, as a TTFont called ``name``; also the reasons others were refused.

    ``parsed`` holds the fonts already loaded for other names: a file several names fall back to (the bundled font,
    where the Windows typefaces are missing) is parsed once, which takes a tenth of a second per CJK font."""
    reasons: list[str] = []
    for candidate in candidates:
        problem = outline_problem(candidate.path, candidate.subfont_index)
        if problem is None:
            key = (candidate.path, candidate.subfont_index)
            if parsed is not None and key in parsed:
                return _renamed(parsed[key], name), candidate, reasons
            try:
                font = TTFont(name, str(candidate.path), subfontIndex=candidate.subfont_index)
                if parsed is not None:
                    parsed[key] = font
                return font, candidate, reasons
            except (TTFError, OSError, ValueError) as error:  # e.g. the font forbids embedding
                problem = f"{candidate.path.name} 无法嵌入：{error}"
        reasons.append(problem)
        log.warning("PDF font %s: %s", name, problem)
    raise PdfFontError(f"无法生成 PDF：找不到可嵌入的中文字体（{'；'.join(reasons)}）。请重新安装本软件。")


def _renamed(font: TTFont, name: str) -> TTFont:
    """``font``'s parsed file (``face``, only read once parsed) under another name, with the per-name state reportlab
    keeps apart (the name, its encoding, each document's subsets) fresh, as ``TTFont.__init__`` sets it."""
    twin = copy.copy(font)
    twin.fontName = name
    twin.encoding = TTEncoding()
    twin.state = type(font.state)()
    twin.shapable = not any(fnmatch(name, pattern) for pattern in unShapedFontGlob)
    return twin


_lock = threading.Lock()
_registered: FontSet | None = None


def register_pdf_fonts() -> FontSet:
    """Register every logical name with reportlab (once per process; later calls return the same FontSet)."""
    global _registered
    with _lock:
        if _registered is None:
            _registered = _register(font_candidates(windows_font_dirs(), bundled_sans_font()))
        return _registered


def _register(candidates: dict[str, list[Candidate]]) -> FontSet:
    fonts: list[RoleFont] = []
    rejected: list[str] = []
    parsed: dict[tuple[Path, int], TTFont] = {}
    for name in LOGICAL_NAMES:
        font, chosen, reasons = load_first_usable(name, candidates[name], parsed)
        pdfmetrics.registerFont(font)
        fonts.append(RoleFont(name, chosen.path, chosen.subfont_index, chosen.fell_back))
        rejected.extend(reason for reason in reasons if reason not in rejected)
    for name in LOGICAL_NAMES:
        normal, bold, italic, bold_italic = FAMILIES[name]
        pdfmetrics.registerFontFamily(name, normal=normal, bold=bold, italic=italic, boldItalic=bold_italic)
    for name in LOGICAL_NAMES:  # each mapping above also claims its target; the plain name must mean itself
        addMapping(name, 0, 0, name)
    font_set = FontSet(tuple(fonts), tuple(rejected))
    log.info("PDF fonts: %s", ", ".join(f"{f.name}={f.path.name}#{f.subfont_index}" for f in font_set.fonts))
    return font_set
