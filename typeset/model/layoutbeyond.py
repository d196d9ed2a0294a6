"""The layout blocks beyond text (model/layout.py): pictures' colour and resolution,
figures, tables, notes (issue 10)."""
from __future__ import annotations

from typing import Literal

from typeset.model.layoutfields import _between, checked_doc, doc, printed_doc
from typeset.model.layouttext import Block
from typeset.model.schema import Pt
from typeset.records import dataclass


@dataclass(frozen=True, kw_only=True)
class Images:
    """Colour and resolution of pictures for each receiver (issue 10; render/pictures/)."""
    rendering_intent: Literal["perceptual", "relative", "saturation", "absolute"] = doc(
        "ICC rendering intent of every picture conversion (ICC.1 §6.2.5): perceptual, relative "
        "(relative colorimetric), saturation, absolute (absolute colorimetric)",
        default="relative")
    black_point_compensation: bool = doc(
        "map the picture's black to the paper's black in conversions (relative colorimetric "
        "without it clips shadow detail)", default=True)
    total_ink: float = checked_doc(
        "print: total area coverage limit in % (C+M+Y+K of any pixel); converted CMYK pictures "
        "are held to it by taking the excess out of C, M and Y", _between(100, 400, "total_ink"),
        default=300.0)
    max_ppi: float | None = checked_doc(
        "pictures whose effective resolution is above this many ppi are downsampled to it "
        "(omitted: never downsampled)",
        lambda v: None if v is None or v >= 72 else "max_ppi must be 72 or more", default=600.0)
    print_rgb: Literal["cmyk", "icc"] = doc(
        "PDF/X-4: RGB pictures are converted to CMYK through the output intent's profile "
        "(cmyk) or kept as ICC-tagged RGB for the printer's RIP to convert (icc); PDF/X-1a "
        "always converts", default="cmyk")
    jpeg_quality: int = checked_doc(
        "JPEG quality (Pillow/libjpeg scale) of a JPEG picture that must be re-encoded "
        "(converted, rotated, downsampled); PNG and TIFF pictures are never made lossy",
        _between(50, 100, "jpeg_quality"), default=92)


@dataclass(frozen=True, kw_only=True)
class FigureStyle:
    """Figures: a picture with its caption (format.md "Figures"; issue 10). A figure occupies
    whole grid lines: its natural height (space before, picture, gap, caption lines, space
    after) is rounded up to whole lines and the remainder padded (below it at the top of a
    page, above it at the foot, shared in the text), so the text after it stays on the grid."""
    caption_style: str = doc("text style of the caption (图注)")
    caption_pitch: Pt | None = doc("baseline distance of caption lines (default: the text "
                                   "block's line pitch)", default=None)
    caption_align: Literal["left", "center", "right"] = doc(
        "alignment of caption lines (a one-line caption; a longer one is justified)",
        default="center")
    caption_format: str = printed_doc("the caption as printed: {caption} is the alt text, "
                                      "{credit} the credit set by credit_format (or nothing)",
                                      template=("caption", "credit"),
                                      required=("caption", "credit"), default="{caption}{credit}")
    credit_format: str = printed_doc("how a credit is added to the caption; {credit} is the "
                                     "figure's credit=\"…\"", template=("credit",),
                                     required=("credit",),
                                     default="　{credit}")
    gap: Pt = doc("space between the picture and its caption", default=6.0)
    space_before: Pt = doc("space above a figure set in the text (not at a page edge)",
                           default=6.0)
    space_after: Pt = doc("space below a figure set in the text (not at a page edge)",
                          default=6.0)
    placement: Literal["here", "top", "bottom"] = doc(
        "where a figure goes: here (right after its paragraph if it fits, else the foot of "
        "that page, else the top of the next), top or bottom (of the page where its paragraph "
        "ends, else of the next page)", default="here")
    widths: dict[str, float] = doc("width names an article may use (width=half), as "
                                   "fractions of the text block; full is always 1",
                                   default_factory=lambda: {"full": 1.0, "half": 0.5})
    lengths: bool = doc("an article may give a width as a length (width=60mm, width=20em)",
                        default=True)
    max_height: float = doc("tallest picture as a fraction of the text block's height; a "
                            "taller one is scaled down (narrower, centred)", default=0.75)
    min_ppi: float = doc("lowest effective resolution (pixels per inch at the placed size) "
                         "before a picture is reported", default=300.0)
    min_ppi_error: bool = doc("a picture under min_ppi is an error for the print variant "
                              "(else reported only)", default=False)


@dataclass(frozen=True, kw_only=True)
class TableStyle:
    """Tables: 三线表 (top, header and bottom rules) by default, as Chinese journals set
    them (format.md "Tables"; issue 10). Every row takes whole grid lines."""
    cell_style: str = doc("text style of cells")
    header_style: str = doc("text style of the header row")
    cell_pitch: Pt | None = doc("baseline distance of lines inside a cell (default: the text "
                                "block's line pitch)", default=None)
    caption_style: str = doc("text style of the caption (表题)")
    caption_pitch: Pt | None = doc("baseline distance of caption lines (default: the text "
                                   "block's line pitch)", default=None)
    caption_align: Literal["left", "center", "right"] = doc("alignment of the caption",
                                                            default="center")
    caption_position: Literal["above", "below"] = doc(
        "the caption above the table (Chinese journals: 表题在上) or below it; either way it "
        "stays with the table's first part", default="above")
    caption_format: str = printed_doc("the caption as printed; {caption} is the `: caption` "
                                      "text", template=("caption",), required=("caption",),
                                      default="{caption}")
    top_rule: Pt = doc("line width of the rule above the table (0: none)", default=1.0)
    header_rule: Pt = doc("line width of the rule under the header row (0: none)",
                          default=0.5)
    bottom_rule: Pt = doc("line width of the rule under the table (0: none)", default=1.0)
    row_rule: Pt = doc("line width of rules between body rows (0: none, as in 三线表)",
                       default=0.0)
    header_align: Literal["left", "center", "right", "column"] = doc(
        "alignment of header cells (column: as the column's alignment says)",
        default="center")
    cell_padding: Pt = doc("space left and right inside each cell", default=6.0)
    min_size: Pt = doc("smallest type size a table wider than the text block shrinks to "
                       "before its cells wrap", default=9.0)
    shrink_step: Pt = doc("type size steps when shrinking a wide table", default=0.5)
    numbers: Literal["right", "decimal"] = doc(
        "numbers in a right-aligned column (---:) align on their right edge, or on the "
        "decimal point", default="decimal")
    continued_format: str = printed_doc("label above a table's continuation on the next page "
                                        "({caption}: the caption)", template=("caption",),
                                        default="续表")
    continued_align: Literal["left", "center", "right"] = doc("alignment of that label",
                                                              default="right")
    space_before: Pt = doc("space above a table (not at the top of a page)", default=6.0)
    space_after: Pt = doc("space below a table (not at the foot of a page)", default=6.0)
    min_rows: int = doc("fewest body rows of a table at the foot of a page before it "
                        "continues (rows never split)", default=2)


@dataclass(frozen=True, kw_only=True)
class NotesStyle:
    """Notes (脚注 / 尾注, format.md "Notes"; issue 10)."""
    mode: Literal["footnote", "endnote"] = doc(
        "footnote: at the foot of the page holding the reference; endnote: after the "
        "article, under the endnote heading", default="footnote")
    numbering: Literal["page", "article"] = doc(
        "note numbers restart on every page, or run through the article", default="page")
    numerals: Literal["circled", "decimal"] = doc(
        "circled numbers ①②③ (1 to 50) or digits", default="circled")
    marker_format: str = printed_doc("the reference mark in the text; {n} is the number",
                                     template=("n",), default="{n}")
    marker_style: str = doc("text style of the reference mark (a smaller size)")
    marker_rise: Pt = doc("how far the reference mark is raised above the baseline",
                          default=4.0)
    note_format: str = printed_doc("the number at the start of a note; {n} is the number",
                                   template=("n",), default="{n}")
    style: str = doc("text style of the notes")
    line_pitch: Pt = doc("baseline distance of note lines: notes sit on their own grid at the "
                         "foot of the text block")
    hanging: bool = doc("a note's second and later lines align after its number",
                        default=True)
    rule_length: Pt = doc("length of the short rule above the notes", default=72.0)
    rule_width: Pt = doc("line width of that rule", default=0.5)
    rule_gap: Pt = doc("space between the rule and the first note line", default=3.0)
    space_before: Pt = doc("least space between the last text line and the rule",
                           default=4.0)
    continued_rule_length: Pt = doc("length of the rule above a note continued from the "
                                    "page before (a longer rule tells it apart)",
                                    default=0.0)
    min_lines: int = doc("fewest lines of a note on its reference's page (a longer note "
                         "continues on the next page's foot)", default=2)
    endnote_heading: str = printed_doc("heading of the endnotes", default="注释")
    endnote_block: Block | None = doc("block of the endnote heading (default: the ### subhead "
                                      "block)", default=None)
