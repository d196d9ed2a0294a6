"""The typographic report (`typeset check`): what a proofreader of a Chinese journal looks for.

Counts, over the laid-out issue: lines that start or end with a prohibited mark (cjk-rules §1,
must be 0), the loosest and tightest justified line (spacing per gap in em) with page and text,
孤字 (a last line with fewer than the layout's minimum of characters besides punctuation,
§4), 孤行 (a paragraph leaving a single line at the foot or head of a page, §4), headings
stranded at a page foot, and lines wider than the measure. It reads the frames the page
builder produced, so what it reports is what was printed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from typeset.layout.compose import line_extent
from typeset.layout.flow import Band, Run
from typeset.layout.paginate import Frame
from typeset.text import cjk
from typeset.text.paragraph import line_violations
from typeset.text.types import Line

PUNCTUATION = frozenset(cjk.OPENING + cjk.CLOSING + cjk.STOPS + cjk.CONNECTORS + cjk.ELLIPSES
                        + cjk.MIDDOTS + "，。、：；！？,.;:!?\"'()[] \u3000")


@dataclass(frozen=True)
class Finding:
    page: str        # folio (or page label) where it is
    text: str        # the line (or heading) concerned
    detail: str = ""

    def __str__(self) -> str:
        return f"p.{self.page}: {self.detail + ': ' if self.detail else ''}{self.text}"


@dataclass
class Report:
    lines: int = 0
    prohibited: list[Finding] = field(default_factory=list)
    loosest: tuple[float, Finding] | None = None
    tightest: tuple[float, Finding] | None = None
    orphans_chars: list[Finding] = field(default_factory=list)    # 孤字
    orphans_lines: list[Finding] = field(default_factory=list)    # 孤行
    stranded_headings: list[Finding] = field(default_factory=list)
    overflows: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """No rule of cjk-rules.md is broken (spacing extremes are information only)."""
        return not (self.prohibited or self.orphans_chars or self.orphans_lines
                    or self.stranded_headings or self.overflows)

    def summary(self) -> str:
        """One line for the end of a build."""
        def v(entry):
            return f"{entry[0]:+.3f}" if entry else "n/a"
        return (f"{len(self.prohibited)} prohibited line edges, {len(self.orphans_chars)} 孤字, "
                f"{len(self.orphans_lines)} 孤行, {len(self.stranded_headings)} stranded headings, "
                f"{len(self.overflows)} overflows; spacing per gap {v(self.tightest)} to "
                f"{v(self.loosest)} em (run `typeset check` for details)")

    def format(self) -> str:
        def spacing(entry):
            if entry is None:
                return "none"
            value, where = entry
            return f"{value:+.3f} em per gap ({where})"
        rows = [
            f"lines checked:            {self.lines}",
            f"prohibited starts/ends:   {len(self.prohibited)}",
            f"loosest line:             {spacing(self.loosest)}",
            f"tightest line:            {spacing(self.tightest)}",
            "  (spacing: width added to (+) or taken from (−) the line's natural width — by "
            "justification, or by compressing punctuation — averaged over its gaps)",
            f"孤字 (lone last chars):   {len(self.orphans_chars)}",
            f"孤行 (lone lines):        {len(self.orphans_lines)}",
            f"stranded headings:        {len(self.stranded_headings)}",
            f"lines over the measure:   {len(self.overflows)}",
        ]
        for title, items in (("prohibited", self.prohibited), ("孤字", self.orphans_chars),
                             ("孤行", self.orphans_lines), ("stranded", self.stranded_headings),
                             ("overflow", self.overflows)):
            rows += [f"  {title}: {f}" for f in items]
        return "\n".join(rows)


def _chars(line: Line) -> int:
    return sum(1 for g in line.glyphs if g.ch not in PUNCTUATION)


def check_frames(frames: list[Frame], labels: list[str], *, min_last_line: int = 2,
                 strict: bool = True) -> Report:
    rep = Report()
    for frame, label in zip(frames, labels):
        for k, pl in enumerate(frame.placements):
            item = pl.item
            if isinstance(item, Run):
                n = len(item.lines)
                shown = item.lines[pl.first:pl.last]
                # 孤行 (cjk-rules §4): a single line of a longer paragraph alone on the page.
                if n > 1 and len(shown) == 1 and (pl.first == 0 or pl.last == n):
                    where = "foot" if pl.first == 0 else "head"
                    rep.orphans_lines.append(Finding(label, shown[0].line.text,
                                                     f"single line at the page {where}"))
                for j, sl in enumerate(shown):
                    i = pl.first + j
                    nxt = item.lines[i + 1].line if i + 1 < n else None
                    _check_line(rep, sl.line, sl.x, label, nxt, strict)
                    ln = sl.line
                    if ln.last and n > 1 and _chars(ln) < min_last_line:
                        rep.orphans_chars.append(Finding(label, ln.text, "孤字"))
            elif isinstance(item, Band):
                for part in item.parts:
                    for j, sl in enumerate(part.lines):
                        nxt = part.lines[j + 1].line if j + 1 < len(part.lines) else None
                        _check_line(rep, sl.line, sl.x, label, nxt, strict)
                if item.keep_with_next and k == len(frame.placements) - 1 \
                        and item.role != "colophon":
                    text = "".join(sl.line.text for p in item.parts for sl in p.lines[:1])
                    rep.stranded_headings.append(Finding(label, text, f"{item.role} ends the page"))
    return rep


def _check_line(rep: Report, line: Line, x: float, label: str, nxt: Line | None,
                strict: bool) -> None:
    rep.lines += 1
    problems = [p for p in line_violations(line, strict=strict, next_line=nxt)
                if not p.startswith("孤字")]
    if problems:
        rep.prohibited.append(Finding(label, line.text, "; ".join(problems)))
    if line_extent(line) > line.measure + 0.01:
        rep.overflows.append(Finding(label, line.text,
                                     f"{line_extent(line) - line.measure:.2f} pt over"))
    if not line.last and line.glyphs:
        f = Finding(label, line.text)
        if rep.loosest is None or line.adjust > rep.loosest[0]:
            rep.loosest = (line.adjust, f)
        if rep.tightest is None or line.adjust < rep.tightest[0]:
            rep.tightest = (line.adjust, f)


def check_composition(comp) -> Report:
    """The report for a composed issue (typeset.build.Composition): body and contents."""
    p = comp.layout.paragraph
    body = check_frames(comp.frames, [pg.label for pg in comp.body],
                        min_last_line=p.min_last_line, strict=p.strict)
    return body


# ---------------------------------------------------------------------------------------------
# Pictures: effective resolution at the printed size (issue 10 part 3)

@dataclass(frozen=True)
class PlacedPicture:
    """A picture as placed on a page, with its effective resolution."""
    source: str      # the picture's path as shown (relative to the folder when inside)
    page: str        # folio as printed (else the page label, else the page's number)
    ppi: float       # pixels over the placed size, per axis, the lower
    role: str = "figure"

    def __str__(self) -> str:
        return f"{self.source} on page {self.page}: {self.ppi:.0f} ppi"


@dataclass
class PictureReport:
    placed: list[PlacedPicture] = field(default_factory=list)
    min_ppi: float = 300.0
    error: bool = False        # under-resolution is an error (figure.min_ppi_error)

    @property
    def low(self) -> list[PlacedPicture]:
        return [p for p in self.placed if p.ppi < self.min_ppi - 0.05]

    @property
    def clean(self) -> bool:
        return not (self.error and self.low)

    def lines(self) -> list[str]:
        """One line per picture under the minimum (empty: nothing to say)."""
        kind = "error" if self.error else "warning"
        return [f"{kind}: picture {p}, under the {self.min_ppi:g} ppi the layout asks for "
                f"(figure.min_ppi)" for p in self.low]

    def format(self) -> str:
        rows = [f"pictures placed:          {len(self.placed)}",
                f"under {self.min_ppi:g} ppi:            {len(self.low)}"]
        rows += [f"  {p}" for p in self.low]
        return "\n".join(rows)

    def failure(self):
        """The TypesetError a build raises when under-resolution is an error, else None."""
        if self.clean:
            return None
        from typeset.errors import TypesetError
        n = len(self.low)
        return TypesetError(
            f"{n} picture{'s are' if n != 1 else ' is'} under the layout's minimum of "
            f"{self.min_ppi:g} ppi at the printed size (figure.min_ppi); nothing was written:\n"
            + "\n".join(f"  {p}" for p in self.low),
            hint="use a picture with more pixels or print it smaller; or set "
                 "figure.min_ppi_error: false in the layout to be warned only")


def picture_report(pages, layout, base: str | None = None, *, print_variant: bool = True
                   ) -> PictureReport:
    """The effective resolution of every picture placed on `pages` (layout.page.Image), at
    its placed size, against the layout's figure.min_ppi (an error only for print, when
    figure.min_ppi_error says so). `base`: the issue's folder (paths are shown relative to
    it). Reads each picture's header once (model/picture.py)."""
    import os

    from typeset.layout.page import Image
    from typeset.model.picture import probe

    fig = layout.figure
    rep = PictureReport(min_ppi=float(fig.min_ppi),
                        error=bool(fig.min_ppi_error) and print_variant)
    infos: dict[str, object] = {}
    for i, page in enumerate(pages):
        for item in page.items:
            if not isinstance(item, Image):
                continue
            info = infos.get(item.source)
            if info is None:
                info = infos[item.source] = probe(item.source)
            try:
                rel = os.path.relpath(item.source, base)
                shown = item.source if rel.startswith("..") else rel
            except ValueError:
                shown = item.source
            rep.placed.append(PlacedPicture(shown, page.folio or page.label or str(i + 1),
                                            info.effective_ppi(item.width, item.height),
                                            item.role))
    return rep
