"""Word's automatic numbering (ECMA-376 Part 1 §17.9): the "一、" or "1." Word draws before a
numbered paragraph is not in the paragraph's text, so it is computed here and written as
text — an author who sees "一、总体情况" in Word finds it in the article.

A paragraph's w:numPr names a numbering instance (w:numId) and a level (w:ilvl, 0–8); the
instance points at an abstract definition whose w:lvl gives the format (w:numFmt), the start
value, the text template (w:lvlText, "%1、" with %n the counter of level n) and what follows
the number (w:suff: tab, space or nothing). A level's counter resets when a level above it
counts on. Counters are kept per instance, with the instance's start overrides.

Formats rendered: decimal, decimalZero, decimalFullWidth, decimalEnclosedCircle(Chinese),
decimalEnclosedParen, decimalEnclosedFullstop, chineseCounting, chineseCountingThousand,
chineseLegalSimplified, ideographTraditional (甲乙丙…), ideographZodiac (子丑寅…),
lowerLetter, upperLetter, lowerRoman, upperRoman, bullet (the template's character; a
symbol-font bullet in the private-use area becomes •), none. Any other format is written as
decimal. The separator after the number: none after Chinese punctuation (、．）) or when the
level says nothing, else one space (a tab prints as a space anyway).
"""
from __future__ import annotations

import re

from typeset.importer.read import _int, w

RT_NUMBERING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"

_DIGITS = "零一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TRADITIONAL = "甲乙丙丁戊己庚辛壬癸"
_ZODIAC = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese(n: int, digits: str = _DIGITS, ten: str = "十") -> str:
    """一, 十, 十一, 二十, 一百零五 … (up to 9999)."""
    if n <= 0:
        return digits[0]
    if n < 10:
        return digits[n]
    if n < 20:
        return ten + (digits[n % 10] if n % 10 else "")
    units = [(1000, "千"), (100, "百"), (10, ten)]
    out, zero = "", False
    for value, name in units:
        d, n = divmod(n, value)
        if d:
            if zero:
                out += digits[0]
            out += digits[d] + name
            zero = False
        elif out:
            zero = True
    if n:
        out += (digits[0] if zero else "") + digits[n]
    return out


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                       (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                       (4, "IV"), (1, "I")):
        while n >= value:
            out += sym
            n -= value
    return out


def _letters(n: int) -> str:
    # Word: a..z, aa..zz, aaa… (the letter repeated)
    n = max(n, 1)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting",
               "taiwaneseCountingThousand", "japaneseCounting"):
        return chinese(n)
    if fmt == "chineseLegalSimplified":
        return chinese(n, _LEGAL, "拾")
    if fmt == "ideographTraditional":
        return _TRADITIONAL[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _ZODIAC[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return _CIRCLED[n - 1] if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return f"{n}."
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    return str(n)


class Numbering:
    """The numbering definitions of a document and the counters as paragraphs come."""

    def __init__(self, root):
        self.levels: dict[str, dict[int, dict]] = {}      # numId -> ilvl -> level
        self.counters: dict[str, dict[int, int]] = {}
        if root is None:
            return
        abstract: dict[str, dict[int, dict]] = {}
        for an in root.iter(w("abstractNum")):
            abstract[an.get(w("abstractNumId")) or ""] = {
                lv: d for lv, d in (_level(el) for el in an.iter(w("lvl"))) if lv is not None}
        for num in root.iter(w("num")):
            nid = num.get(w("numId")) or ""
            ref = num.find(w("abstractNumId"))
            levels = {k: dict(v) for k, v in abstract.get(
                ref.get(w("val")) if ref is not None else "", {}).items()}
            for over in num.iter(w("lvlOverride")):
                ilvl = _int(over.get(w("ilvl")))
                if ilvl is None:
                    continue
                lvl_el = over.find(w("lvl"))
                if lvl_el is not None:
                    lv, d = _level(lvl_el)
                    if d is not None:
                        levels[ilvl] = d
                start = over.find(w("startOverride"))
                if start is not None and ilvl in levels:
                    levels[ilvl]["start"] = _int(start.get(w("val"))) or 1
            self.levels[nid] = levels

    def label(self, num_id: str, ilvl: int) -> str | None:
        """The number text of the next paragraph numbered (num_id, ilvl), counting it."""
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return None
        counters = self.counters.setdefault(num_id, {})
        lvl = levels[ilvl]
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else lvl["start"]
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if lvl["fmt"] == "none":
            return None
        if lvl["fmt"] == "bullet":
            text = lvl["text"]
            text = "".join("•" if 0xE000 <= ord(c) <= 0xF8FF else c for c in text)
        else:
            def sub(m: re.Match) -> str:
                k = int(m.group(1)) - 1
                level = levels.get(k)
                if level is None:
                    return ""
                n = counters.get(k, level["start"])
                return format_number(n, "decimal" if lvl["legal"] else level["fmt"])
            text = re.sub(r"%([1-9])", sub, lvl["text"])
        if not text:
            return None
        if lvl["suff"] == "nothing" or text[-1] in "、．）)」』】〕":
            return text
        return text + " "


def _level(el) -> tuple[int | None, dict | None]:
    ilvl = _int(el.get(w("ilvl")))
    if ilvl is None:
        return None, None

    def val(tag: str, default: str | None = None) -> str | None:
        child = el.find(w(tag))
        return child.get(w("val"), default) if child is not None else default

    return ilvl, {"start": _int(val("start")) or (0 if val("start") == "0" else 1),
                  "fmt": val("numFmt", "decimal") or "decimal",
                  "text": val("lvlText", "") or "", "suff": val("suff", "tab"),
                  "legal": el.find(w("isLgl")) is not None}


def read_numbering(part):
    """The Numbering of a python-docx main document part (empty when it has none)."""
    from docx.oxml import parse_xml

    try:
        numbering = part.part_related_by(RT_NUMBERING)
    except KeyError:
        return Numbering(None)
    return Numbering(parse_xml(numbering.blob))
