"""An article body as records (model/markdown.py parses it; model/artcache.py keeps it): a
`Block` (a paragraph, subhead, figure or table) of styled runs (`Inline`), a figure's and a
table's source, a note definition, the `Body` of blocks and notes."""
from __future__ import annotations

from typeset.records import dataclass


@dataclass(frozen=True, slots=True)
class Inline:
    """A run of text with one style, or a note reference (`note` = the label of its
    definition; such a run has no text: the layout decides the marker it prints)."""
    text: str
    bold: bool = False
    italic: bool = False
    note: str | None = None


@dataclass(frozen=True)
class FigureSource:
    """A figure as the article writes it: `![caption](src){width=… credit="…"}`."""
    src: str                           # the path exactly as written, relative to the article
    width: str = "full"                # "full", a word the layout defines ("half"), or a length
    credit: str | None = None          # printed with the caption (characters normalised)
    column: int = 1                    # column of "![" on the block's line
    width_column: int | None = None    # column of the width attribute (for messages)
    picture: object = None             # typeset.model.picture.PictureInfo, set by article.py


@dataclass(frozen=True)
class TableSource:
    """A pipe table: alignments, header cells, body rows (cells are inline runs)."""
    aligns: tuple[str, ...]                           # per column: left|center|right|"" (unset)
    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    row_lines: tuple[int, ...]                        # 1-based line of each body row
    caption_line: int | None = None                   # line of the `: caption`, if any


@dataclass(frozen=True)
class NoteDef:
    """A note definition `[^label]: text` (its paragraphs; continuation lines indented)."""
    label: str
    paragraphs: tuple[tuple[Inline, ...], ...]
    line: int
    last_line: int

    @property
    def text(self) -> str:
        return "".join(r.text for p in self.paragraphs for r in p)


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph, a subhead, a figure or a table of an article body."""
    kind: str                      # "paragraph" | "heading" | "figure" | "table"
    level: int                     # heading level (2 for ##, 3 for ###); 0 otherwise
    inlines: tuple[Inline, ...]    # the text; a figure's or table's caption
    line: int                      # 1-based line in the .md file
    last_line: int = 0             # its last line (0: unknown, the first line only)
    figure: FigureSource | None = None
    table: TableSource | None = None

    @property
    def text(self) -> str:
        """The plain text of the block (all runs concatenated; a table: its caption)."""
        return "".join(run.text for run in self.inlines)

    @property
    def notes(self) -> tuple[str, ...]:
        """Labels of the notes referenced in the block, in order."""
        return tuple(r.note for r in self.inlines if r.note is not None)


@dataclass(frozen=True)
class Body:
    """An article body: its blocks and its note definitions (in the order written)."""
    blocks: tuple[Block, ...]
    notes: tuple[NoteDef, ...] = ()
