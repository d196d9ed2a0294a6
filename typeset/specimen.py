"""A type specimen of the shipped faces: one page per face, to look at the fonts.

`build_specimen(out)` sets, for every face in fonts/manifest.yaml, a heading, the face's
details, the Chinese size ladder (初号 42 pt down to 小五 9 pt, journal-style.md "Chinese size
names") with mixed Chinese, Latin, digits and punctuation, a short paragraph, and the rare
characters 雲 and 𠮷 where the face has them (and says so where it does not). Lines are
simply filled character by character: this page shows glyphs, not line breaking.
"""
from __future__ import annotations

from pathlib import Path

from typeset.layout.page import Anchor, Page, Rule, TextRun
from typeset.text.fonts import FONTS_DIR, FontFace, FontLibrary

MM = 72.0 / 25.4
PAGE_W, PAGE_H = 185 * MM, 260 * MM           # 16开 trim (journal-style.md)
MARGIN_X, MARGIN_TOP = 20 * MM, 22 * MM

# (size name, pt): journal-style.md, "Chinese size names map to points".
SIZES = [("初号", 42.0), ("二号", 22.0), ("三号", 16.0), ("四号", 14.0), ("小四", 12.0),
         ("五号", 10.5), ("小五", 9.0)]

# Sample text written for this specimen.
SAMPLES = [
    "永和九年，排版测试：汉字与 Latin 混排 2024 年第 3 期。",
    "编辑部收到来稿一百二十篇，录用三十六篇（约占 30%）。",
    "“引号”‘单引号’《书名》〈篇名〉【注】「直角」——破折号……省略号！",
    "The quick brown fox jumps over the lazy dog. 0123456789",
    "春风过处，稻田新绿；江水东流，帆影点点。ABCDEFG abcdefg",
    "委员们深入基层调研，提出意见建议四十余条，均已转交有关部门办理。",
    "电话：0771-1234567　邮箱：tougao@example.cn　第 12 页",
]
PARAGRAPH = ("这是一段用于检查正文排印效果的示范文字。它混合了常用汉字、标点符号、阿拉伯数字"
             "（1、2、3）与英文单词 typeset，以便观察字重、字面大小与灰度是否均匀。版心宽度为"
             "三十二个字，行距二十二磅；每段首行缩进两个字。")
RARE = "雲 𠮷 龘 鬱 㐀 𠀀"
CHARSET = [
    "0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz",
    "，。、；：？！“”‘’（）《》〈〉【】「」『』—…·～％＃＆＠",
    ",.;:?!'\"()[]{}<>-_/\\|@#$%^&*+=~`",
]


def _faces(library: FontLibrary) -> list[tuple[dict, FontFace]]:
    """(manifest entry, face) for each shipped face, in manifest order."""
    import yaml
    manifest_path = FONTS_DIR / "manifest.yaml"
    entries = []
    if manifest_path.exists():
        entries = yaml.safe_load(manifest_path.read_text(encoding="utf-8")).get("fonts", [])
    else:
        entries = [{"file": p.name} for p in sorted(FONTS_DIR.glob("*.[ot]tf"))]
    return [(e, library.face(e["file"])) for e in entries]


def _fit(face: FontFace, text: str, size: float, width: float) -> str:
    """The longest prefix of `text` (chars the face has) that fits `width` at `size`."""
    out, w = [], 0.0
    for ch in text:
        if not face.has(ch):
            continue
        a = face.advance(ch) * size
        if w + a > width:
            break
        out.append(ch)
        w += a
    return "".join(out).rstrip()


def _wrap(face: FontFace, text: str, size: float, width: float, indent: float = 0.0) -> list[str]:
    lines, cur, w = [], [], indent
    for ch in text:
        if not face.has(ch):
            continue
        a = face.advance(ch) * size
        if cur and w + a > width:
            lines.append("".join(cur))
            cur, w = [], 0.0
        cur.append(ch)
        w += a
    if cur:
        lines.append("".join(cur))
    return lines


def _face_page(entry: dict, face: FontFace, key: str, number: int) -> Page:
    width = PAGE_W - 2 * MARGIN_X
    page = Page(PAGE_W, PAGE_H, kind="body", label=str(number), folio=str(number))
    items = page.items
    y = PAGE_H - MARGIN_TOP

    def run(text: str, size: float, x: float = MARGIN_X, role: str = "specimen") -> None:
        text = "".join(ch for ch in text if face.has(ch))
        if text:
            items.append(TextRun(x, y, key, size, text, role=role))

    title = f"{face.family} {face.style}"
    y -= 22
    run(title, 22, role="title")
    page.anchors.append(Anchor("article", title, PAGE_H - MARGIN_TOP, key=f"specimen:{key}", level=0))
    y -= 16
    role = entry.get("role", "")
    details = f"{entry.get('file', key)}  role: {role}  version: {entry.get('font_version', '')}"
    run(_fit(face, details, 9, width), 9, role="details")
    y -= 6
    items.append(Rule(MARGIN_X, y, MARGIN_X + width, y, 0.5))
    for i, (name, size) in enumerate(SIZES):
        y -= 12
        run(f"{name} {size:g} pt", 9, role="label")
        y -= size * 1.15
        run(_fit(face, SAMPLES[i % len(SAMPLES)], size, width), size)
        y -= size * 0.25
    y -= 18
    run("正文示例（小四 12 pt，行距 22 pt）", 9, role="label")
    y -= 8
    for j, line in enumerate(_wrap(face, PARAGRAPH, 12, width, indent=24)):
        y -= 22
        run(line, 12, x=MARGIN_X + (24 if j == 0 else 0), role="body")
    y -= 30
    run("字符集", 9, role="label")
    for line in CHARSET:
        y -= 18
        run(_fit(face, line, 10.5, width), 10.5)
    y -= 34
    run("生僻字", 9, role="label")
    y -= 30
    have = [c for c in RARE.split() if face.has(c)]
    lacking = [c for c in RARE.split() if not face.has(c)]
    run("  ".join(have), 26)
    if lacking:
        y -= 16
        note = "not in this face: " + " ".join(f"U+{ord(c):04X}" for c in lacking)
        run(note, 9, role="note")
    items.append(TextRun(PAGE_W - MARGIN_X - face.advance("0") * 9 * len(str(number)),
                         14 * MM, key, 9, str(number), role="folio"))
    return page


def build_specimen(out: Path) -> int:
    """Write the specimen PDF to `out`; returns the number of pages."""
    from typeset.render.writer import DocumentInfo, write_pdf
    library = FontLibrary()
    pages = [_face_page(entry, face, entry["file"], n)
             for n, (entry, face) in enumerate(_faces(library), start=1)]
    write_pdf(pages, Path(out), library,
              DocumentInfo(title="typeset font specimen", subject="The faces shipped in fonts/"))
    return len(pages)
