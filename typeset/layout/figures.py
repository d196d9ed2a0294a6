"""Figure blocks -> `Figure` flow items: the picture's size on the page and its caption.

The picture is scaled to its width (format.md "Figures": `full`, a name from the layout's
`figure.widths` such as `half`, or a length `60mm`/`20em`) keeping its proportions; a picture
that would be taller than `figure.max_height` of the text block is scaled down to that height
(narrower, centred). The caption (the alt text with the credit, as `figure.caption_format`
says) is set under it in `figure.caption_style`, as wide as the picture but never narrower than
half the text block: one line is aligned as `caption_align` says, a longer caption is justified
with the line breaker's rules (cjk-rules §1-§3). How the figure fills whole grid lines is the
page builder's business (flow.Figure.slots; place.py pads it).
"""
from __future__ import annotations

import re
import string
from dataclasses import replace

from typeset.errors import TypesetError
from typeset.layout.flow import Figure, SetLine, line_extent
from typeset.model.article import Article, Block
from typeset.model.schema import parse_length
from typeset.text.types import Span

_LENGTH = re.compile(r"^(\d+(?:\.\d+)?)(mm|cm|pt|em)$")


def figure_width(block: Block, article: Article, layout) -> float:
    """The picture's width in pt, from the figure's `width` and the layout; a width the
    layout does not allow is an error at the figure's line and column."""
    fs, fig = layout.figure, block.figure
    measure = layout.measure
    where = {"file": article.path, "line": block.line, "column": fig.width_column or fig.column}
    names = {"full": 1.0, **fs.widths}
    written = fig.width
    m = _LENGTH.match(written)
    if m is None:
        if written not in names:
            raise TypesetError(f"figure width '{written}' is not one the layout {layout.name} "
                               "defines", **where,
                               hint="widths: " + ", ".join(names) + (
                                   ", or a length such as 60mm or 20em" if fs.lengths else ""))
        return names[written] * measure
    if not fs.lengths:
        raise TypesetError(f"figure width '{written}': the layout {layout.name} takes only "
                           "named widths", **where, hint="widths: " + ", ".join(names))
    number, unit = float(m.group(1)), m.group(2)
    width = number * layout.body_size if unit == "em" else parse_length(written)
    if width <= 0:
        raise TypesetError(f"figure width '{written}' is zero", **where,
                           hint="give a width more than zero, or width=full")
    if width > measure + 0.01:
        raise TypesetError(f"figure width '{written}' ({width / 72 * 25.4:.1f} mm) is wider than "
                           f"the text block ({measure / 72 * 25.4:.1f} mm)", **where,
                           hint="use width=full for the whole text block, or a smaller length")
    return width


def build_figure(composer, block: Block, article: Article, section: str) -> Figure:
    layout = composer.layout
    fs = layout.figure
    where = {"file": article.path, "line": block.line, "column": block.figure.column}
    if fs is None:
        raise TypesetError(f"the layout {layout.name} sets no figures (it has no `figure` "
                           "block)", **where,
                           hint="add a figure block to the layout (see the README's layout "
                                "table), or remove the image")
    info = block.figure.picture
    width = figure_width(block, article, layout)
    height = width * info.aspect
    tb = layout.textblock
    limit = fs.max_height * tb.lines * tb.line_pitch
    if height > limit:                       # too tall: scaled down, narrower, centred
        height = limit
        width = height / info.aspect
    measure = layout.measure
    x = (measure - width) / 2
    pitch = float(fs.caption_pitch or tb.line_pitch)
    caption = set_caption(composer, caption_spans(composer, block, fs), fs.caption_style,
                          max(width, measure / 2), fs.caption_align, "caption")
    offset = (measure - max(width, measure / 2)) / 2
    caption = [replace(sl, x=sl.x + offset) for sl in caption]
    fig = Figure(source=info.path, width=width, height=height, x=x, caption=caption,
                 caption_pitch=pitch, gap=float(fs.gap), before=float(fs.space_before),
                 after=float(fs.space_after), placement=fs.placement, section=section,
                 origin=(str(article.path), block.line))
    if fig.slots(float(tb.line_pitch), "alone") > tb.lines:
        raise TypesetError("the figure with its caption is taller than a page", **where,
                           hint="shorten the caption, or a smaller figure.max_height")
    return fig


def caption_spans(composer, block: Block, fs) -> list[Span]:
    """The caption as printed: caption_format with {caption} (the alt text, bold kept) and
    {credit} (credit_format, or nothing)."""
    style = fs.caption_style
    out: list[Span] = []
    credit = block.figure.credit
    for literal, name, _, _ in string.Formatter().parse(fs.caption_format):
        if literal:
            out.append(Span(literal, style))
        if name == "caption":
            out += composer.spans(block.inlines, style)
        elif name == "credit" and credit:
            out.append(Span(fs.credit_format.format(credit=credit), style))
    return out


def set_caption(composer, spans: list[Span], style: str, measure: float, align: str,
                role: str) -> list[SetLine]:
    """A caption: one line aligned as the layout says, several lines justified (the last
    line flush left)."""
    spans = [s for s in spans if s.text]
    if not spans:
        return []
    size = composer.book.em(style)
    settings = replace(composer.body_settings, indent=0.0)
    lines = composer.break_lines(spans, measure, settings)
    out = []
    for ln in lines:
        x = 0.0
        if len(lines) == 1 and align != "left":
            free = measure - line_extent(ln)
            x = free / 2 if align == "center" else free
        out.append(SetLine(ln, x, size, role))
    return out
