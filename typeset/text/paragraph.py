"""Spans -> lines: one paragraph set, and the checks a set paragraph must pass.

The paragraph stage in one call, as the layout uses it:

    set_paragraph(spans, widths, metrics, settings)
        = linebreak.break_lines(items.build_items(spans, metrics, settings), widths, settings)

(`types.py` holds the data passed between the two.) Also here: the checks of cjk-rules §1
and §4 on set lines (`line_violations`, for reports and tests), a readable dump of lines
(`format_lines`), and `SpecMetrics`, the metrics of cjk-rules.md §5's test cases.
"""
from __future__ import annotations

from typing import Sequence

from typeset.errors import TypesetError
from typeset.text import cjk
from typeset.text.items import build_items
from typeset.text.linebreak import break_lines, break_lines_to
from typeset.text.types import BreakSettings, Line, Metrics, Span, check_settings


def set_paragraph(spans: Sequence[Span], widths: float | Sequence[float], metrics: Metrics,
                  settings: BreakSettings = BreakSettings(), *,
                  last_width: float | None = None,
                  words: Sequence[int] | None = None) -> list[Line]:
    """Break and set one paragraph.

    `widths[i]` is the measure of line i (the last entry repeats). `last_width`, if given, is
    the width the paragraph's last line must fit (the contents page puts leader, author and
    page after it). `words`, if given, are the word boundaries a line may break at (headings,
    text/words.py). Returns no lines for empty text. Raises TypesetError when a measure
    cannot hold even one character."""
    spans = [s for s in spans if s.text]
    if not spans:
        return []
    if isinstance(widths, (int, float)):
        ws = [float(widths)]
    else:
        ws = [float(w) for w in widths]
        if not ws:
            raise TypesetError("set_paragraph: no line width given")
    check_settings(settings)
    return break_lines(build_items(spans, metrics, settings, words), ws, settings, last_width)


def set_paragraph_lines(spans: Sequence[Span], widths: float | Sequence[float],
                        metrics: Metrics, settings: BreakSettings, counts: Sequence[int],
                        limits: tuple[float, float]) -> dict[int, list[Line] | None]:
    """Set one paragraph in each number of lines of `counts`, none with more than limits[0]
    em added between characters (after word spaces and Han-Latin gaps at their maximum) or
    squeezed more than limits[1] em per gap, with no emergency break and no
    孤字: {count: lines, or None when it cannot be} (缩行/伸行 for the page make-up pass,
    linebreak.break_lines_to)."""
    spans = [s for s in spans if s.text]
    if not spans:
        return {c: None for c in counts}
    ws = [float(widths)] if isinstance(widths, (int, float)) else [float(w) for w in widths]
    check_settings(settings)
    return break_lines_to(build_items(spans, metrics, settings), ws, settings, tuple(counts),
                          limits)


class SpecMetrics:
    """The metrics of cjk-rules.md §5's test cases: every Han character and full-width mark
    1 em, every Latin letter, digit or Western mark ½ em, a space ¼ em. `size` is the em of
    every style unless `sizes` names another. For tests and reports of any stage."""

    def __init__(self, size: float = 10.0, sizes: dict[str, float] | None = None):
        self.size = float(size)
        self.sizes = dict(sizes or {})

    def em(self, style: str) -> float:
        return self.sizes.get(style, self.size)

    def advance(self, ch: str, style: str) -> float:
        em = self.em(style)
        c = cjk.char_class(ch)
        if c in (cjk.SPACE, cjk.NBSP):
            return 0.0 if ch in "\u200b\u2060\ufeff" else 0.25 * em
        if c == cjk.MARK:
            return 0.0
        if c in cjk.CJK_CLASSES and ch not in "-/":
            return em
        return 0.5 * em


# --- reports ---------------------------------------------------------------------------------
def line_violations(line: Line, *, strict: bool = True, next_line: Line | None = None) -> list[str]:
    """What is wrong with a set line by cjk-rules §1 and §4: a mark that may not start or end
    a line, —— or …… split with `next_line`, 孤字 on a last line, an emergency break."""
    out: list[str] = []
    text = line.text
    if not text:
        return out
    if line.start > 0 and cjk.never_at_start(text, 0, strict):
        out.append(f"starts with {text[0]!r} (never at line start)")
    if not line.last and cjk.never_at_end(text[-1]):
        out.append(f"ends with {text[-1]!r} (never at line end)")
    if next_line is not None and next_line.text:
        nt = next_line.text
        joined = text[-2:] + nt[:2]
        k = len(text[-2:])
        for i, j in cjk.paired_units(joined):
            if i < k < j:
                out.append(f"splits {joined[i:j]!r} across lines")
    if line.widow:
        out.append(f"孤字: last line holds fewer characters than the minimum ({text!r})")
    if line.emergency:
        out.append("emergency break (an unbreakable stretch wider than the measure)")
    return out


def paragraph_violations(lines: Sequence[Line], *, strict: bool = True) -> list[tuple[int, str]]:
    """line_violations for every line of a paragraph, as (line index, message)."""
    out: list[tuple[int, str]] = []
    for i, ln in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        out.extend((i, msg) for msg in line_violations(ln, strict=strict, next_line=nxt))
    return out


def format_lines(lines: Sequence[Line], em: float | None = None) -> str:
    """A readable dump for tests and debugging: per line its text, flags, adjust and every
    glyph's x (in pt, or in em if `em` is given)."""
    unit = em or 1.0
    suffix = "em" if em else "pt"
    out: list[str] = []
    for i, ln in enumerate(lines):
        flags = "".join([" last" if ln.last else "", " EMERGENCY" if ln.emergency else "",
                         " widow" if ln.widow else ""])
        out.append(f"{i:02d} |{ln.text}| measure={ln.measure / unit:.3f}{suffix} "
                   f"natural={ln.natural / unit:.3f}{suffix} adjust={ln.adjust:+.3f}em{flags}")
        out.append("   " + " ".join(f"{g.ch}@{g.x / unit:.3f}+{g.width / unit:.3f}"
                                    for g in ln.glyphs))
    return "\n".join(out)
