"""`typeset stats`: 字数 per article, as a Chinese desk counts them for payment.

Two counts per article, each by a published rule:

**字数** — the characters of the sources, after the character rules (`model/chars.py`: what is
printed, invisible characters left out), counted as Word's 字数统计 counts 字数 (the count
authors quote and desks pay by the thousand), class by class:

* 汉字: every Han character (and kana, hangul, bopomofo, 〇 々: the Han class of
  `text/cjk.py`) counts one;
* 标点: every full-width punctuation mark and symbol counts one — ，。、“”《》（）and each
  character of —— and …… (two each), ·, ％, ①, ※, full-width letters and digits; a
  half-width mark standing alone between Chinese characters (a lone `-` or `&`) also counts
  one;
* 外文词: a run of Western characters — letters, digits and the marks joined to them, up to
  a space or a Chinese character — that holds a letter counts one (`typeset`, `PDF/X-4`,
  `5G`, `tougao@example.com`);
* 数字: such a run without a letter counts one (`2024`, `3.5`, `0771-1234567`, `25℃`);
* 字数 = 汉字 + 标点 + 外文词 + 数字. Spaces (U+0020, U+3000) count nothing.

What is counted: the title, subtitle, lead, subheads, paragraphs, figure and table captions
and note of the article as written (the note's layout brackets `（…）` are the layout's, not
counted); not the author line (names are not the work) nor anything the layout adds (running
heads, folios, contents); not table cells, credit lines or footnotes either (the product
documents do not say they are paid as text; their space is in 版面字数).

**版面字数** — the page area the article fills, by 《使用文字作品支付报酬办法》 (国家版权局、
国家发展和改革委员会, 2014) §5: "以排印的版面每行字数乘以全部实有的行数计算；占行题目或者末尾
排不足一行的，按一行计算": characters per line of the text block × the grid lines the article
occupies on its pages, counted from the laid-out pages (the frames the page builder made): its
title block, subheads and spacing by the grid lines they take, each paragraph line (a short
last line too) as one line, its figures and table parts by their grid lines, from the
article's first line on a page to its last; and its footnotes by the grid lines of the note
area at the foot. Every page holding anything of the article counts in its pages. The space a
new-page article leaves empty at the foot of its last page is not counted; the page count and
the text block (`版心 32 字 × 28 行 = 896 字/页`, printed above the table) give the
whole-page figure for a journal that pays by the page.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from typeset.records import dataclass, field
from functools import reduce

from typeset.layout.compose import article_key
from typeset.layout.flow import Band, Figure, Run, Table
from typeset.model.chars import join_lines, printed
from typeset.text import cjk

# --- counting characters ---------------------------------------------------------------------

_SKIP = frozenset({cjk.SPACE, cjk.NBSP})


def _western(ch: str) -> bool:
    """A character of a Western run: letters, digits, Western marks and any printable ASCII
    character (the ASCII - and / are Western inside words and numbers)."""
    if ch.isspace():
        return False
    cls = cjk.char_class(ch)
    return cls in (cjk.LATIN, cjk.WESTERN, cjk.MARK) or ord(ch) < 0x80


@dataclass
class Count:
    han: int = 0           # 汉字
    punct: int = 0         # 标点 (full-width punctuation and symbols)
    words: int = 0         # 外文词
    numbers: int = 0       # 数字

    @property
    def total(self) -> int:
        """字数."""
        return self.han + self.punct + self.words + self.numbers

    def __iadd__(self, other: "Count") -> "Count":
        self.han += other.han
        self.punct += other.punct
        self.words += other.words
        self.numbers += other.numbers
        return self


def count_text(text: str) -> Count:
    """The 字数 of one normalised text, class by class (see the module doc)."""
    c = Count()
    text = printed(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if _western(ch):
            j = i + 1
            while j < n and _western(text[j]):
                j += 1
            run = text[i:j]
            if any(unicodedata.category(x).startswith("L") for x in run):
                c.words += 1
            elif any(unicodedata.category(x).startswith("N") for x in run):
                c.numbers += 1
            elif any(unicodedata.category(x)[0] in "PS" for x in run):
                c.punct += 1
            i = j
            continue
        cls = cjk.char_class(ch)
        if cls == cjk.HAN:
            c.han += 1
        elif cls not in _SKIP and ch != "\u3000" and cls != cjk.MARK:
            c.punct += 1
        i += 1
    return c


def article_texts(article) -> list[str]:
    """What of an article is counted: title lines, subtitle, lead, subheads and paragraphs,
    figure and table captions (a block's text), note (not the author line)."""
    fm = article.front
    texts = list(fm.title)
    texts += [t for t in (fm.subtitle, fm.lead) if t]
    texts += [b.text for b in article.blocks]
    if fm.note:
        texts.append(fm.note)
    return texts


# --- the issue -------------------------------------------------------------------------------

@dataclass
class ArticleStats:
    section: str
    title: str
    authors: str
    first: str              # folio of its first page (the page label)
    last: str
    pages: int
    chars: Count
    lines: int              # grid lines it occupies
    layout_chars: int       # 版面字数: lines × characters per line


@dataclass
class IssueStats:
    title: str
    chars_per_line: int
    lines_per_page: int
    body_pages: int
    articles: list[ArticleStats] = field(default_factory=list)
    article_pages: int = 0     # body pages holding some article (shared pages once)

    @property
    def per_page(self) -> int:
        return self.chars_per_line * self.lines_per_page

    def totals(self) -> tuple[Count, int, int, int]:
        """字数 by class, pages the articles stand on, lines, 版面字数."""
        count = Count()
        for a in self.articles:
            count += a.chars
        return (count, self.article_pages, sum(a.lines for a in self.articles),
                sum(a.layout_chars for a in self.articles))


def _title(lines: tuple[str, ...]) -> str:
    shown = [printed(t) for t in lines if printed(t)]
    return reduce(lambda a, b: a + join_lines(a, b) + b, shown) if shown else ""


def occupied(comp) -> dict[str, dict[int, tuple[int, int]]]:
    """Article key -> body page index -> (first, last + 1) grid line it occupies there, above
    the footnotes. Read from the page builder's frames: an article runs from its head band
    to the next article's head; the colophon and the separator rules between articles belong
    to none. Everything it prints there counts: headings, text lines, figures (set where
    they stand or floated to a page's top or foot), table parts (caption or 续表, header and
    rows); its footnotes are `foot_lines`."""
    pitch = comp.layout.textblock.line_pitch
    spans: dict[str, dict[int, tuple[int, int]]] = {}
    current: str | None = None
    by_file = _keys_by_file(comp)
    for i, frame in enumerate(comp.frames):
        for pl in frame.placements:
            item = pl.item
            key = current
            if isinstance(item, Band):
                keys = [m.key for m in item.markers if m.kind == "article"]
                if keys:
                    current = key = keys[0]
                if item.role in ("colophon", "separator"):
                    continue
                height = item.slots(pitch, pl.at_top)
            elif isinstance(item, Run):
                height = pl.last - pl.first
            elif isinstance(item, (Figure, Table)):
                height = pl.slots
                if pl.region != "body":      # a float: its own article, wherever it went
                    key = by_file.get((item.origin or ("",))[0], current)
            else:
                continue
            if key is None:
                continue
            top, bottom = pl.slot, pl.slot + height
            page = spans.setdefault(key, {})
            if i in page:
                top, bottom = min(top, page[i][0]), max(bottom, page[i][1])
            page[i] = (top, bottom)
    return spans


def _keys_by_file(comp) -> dict[str, str]:
    """An article's source file -> its key (what a floated figure's origin names)."""
    return {str(art.path): article_key(si, ai)
            for si, section in enumerate(comp.issue.sections)
            for ai, art in enumerate(section.articles)}


def foot_lines(comp) -> dict[str, dict[int, int]]:
    """Article key -> body page index -> grid lines its footnotes take at the foot of that
    page (the page's note area, rule included, shared between the articles whose notes stand
    there in proportion to their note lines)."""
    out: dict[str, dict[int, int]] = {}
    for i, frame in enumerate(comp.frames):
        if not frame.notes or frame.foot <= 0:
            continue
        lines: dict[str, int] = {}
        for np in frame.notes:
            key = np.note.key.partition(":")[0]
            lines[key] = lines.get(key, 0) + (np.last - np.first)
        total = sum(lines.values()) or 1
        done = given = 0
        for key, n in lines.items():
            done += n
            share = round(frame.foot * done / total) - given
            given += share
            out.setdefault(key, {})[i] = share
    return out


def issue_stats(comp) -> IssueStats:
    """The counts of a composed issue (typeset.build.compose)."""
    from typeset.build import metadata

    layout = comp.layout
    tb = layout.textblock
    stats = IssueStats(metadata(comp).title, tb.chars, tb.lines, len(comp.body))
    spans = occupied(comp)
    feet = foot_lines(comp)
    all_pages: set[int] = set()
    for si, section in enumerate(comp.issue.sections):
        for ai, art in enumerate(section.articles):
            pages = spans.get(article_key(si, ai), {})
            foot = feet.get(article_key(si, ai), {})
            on = set(pages) | set(foot)
            all_pages |= on
            count = Count()
            for t in article_texts(art):
                count += count_text(t)
            fm = art.front
            authors = "、".join(printed(a) for a in fm.authors) if fm.authors else \
                printed(fm.byline or "")
            lines = sum(b - t for t, b in pages.values()) + sum(foot.values())
            first = comp.body[min(on)].label if on else ""
            last = comp.body[max(on)].label if on else ""
            stats.articles.append(ArticleStats(printed(section.title), _title(fm.title),
                                               authors, first, last, len(on), count, lines,
                                               lines * tb.chars))
    stats.article_pages = len(all_pages)
    return stats


# --- output ----------------------------------------------------------------------------------

COLUMNS = ("栏目", "标题", "作者", "起页", "止页", "页数", "汉字", "标点", "外文词", "数字",
           "字数", "行数", "版面字数")


def _row(a: ArticleStats) -> list:
    c = a.chars
    return [a.section, a.title, a.authors, a.first, a.last, a.pages, c.han, c.punct, c.words,
            c.numbers, c.total, a.lines, a.layout_chars]


def stats_csv(stats: IssueStats) -> bytes:
    """A header row (COLUMNS) and one row per article, in UTF-8 with a byte-order mark and
    CRLF line ends: Excel on Windows opens a CSV without a BOM in the ANSI code page (GBK on
    a Chinese Windows) and shows the Chinese as mojibake; with it, Excel, LibreOffice and
    Python's csv (encoding="utf-8-sig") all read it right. No totals row (a spreadsheet sums)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)          # RFC 4180: quotes where needed, CRLF
    w.writerow(COLUMNS)
    for a in stats.articles:
        w.writerow(_row(a))
    return buf.getvalue().encode("utf-8-sig")


def width(text: str) -> int:
    """Columns a text takes on a terminal: wide and full-width characters two, combining
    marks none, the rest one."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _clip(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def _pad(text: str, cols: int, right: bool) -> str:
    fill = " " * max(0, cols - width(text))
    return fill + text if right else text + fill


_LIMITS = {"栏目": 16, "标题": 26, "作者": 14}


def stats_table(stats: IssueStats) -> str:
    """The counts as a table aligned for CJK widths, with a totals row."""
    count, pages, lines, layout_chars = stats.totals()
    rows = []
    for a in stats.articles:
        r = _row(a)
        folios = a.first if a.first == a.last else f"{a.first}–{a.last}"
        rows.append(r[:3] + [folios] + r[5:])
    head = list(COLUMNS[:3]) + ["页码"] + list(COLUMNS[5:])
    total = ["合计", f"{len(stats.articles)} 篇", "", "", pages, count.han, count.punct,
             count.words, count.numbers, count.total, lines, layout_chars]
    cells = [[_clip(str(v), _LIMITS.get(head[k], 99)) for k, v in enumerate(r)]
             for r in [head] + rows + [total]]
    cols = [max(width(r[k]) for r in cells) for k in range(len(head))]

    def line(r: list[str]) -> str:          # numbers (and the folios) right-aligned
        return "  ".join(_pad(v, cols[k], k >= 3) for k, v in enumerate(r)).rstrip()
    rule = "-" * (sum(cols) + 2 * (len(cols) - 1))
    out = [f"{stats.title}: {len(stats.articles)} articles on {pages} of "
           f"{stats.body_pages} body pages; 版心 {stats.chars_per_line} 字 × "
           f"{stats.lines_per_page} 行 = {stats.per_page} 字/页",
           line(cells[0]), rule]
    out += [line(r) for r in cells[1:-1]]
    out += [rule, line(cells[-1])]
    return "\n".join(out)
