"""The typographic report (`typeset check`): what a proofreader of a Chinese journal looks for.

Counts, over the laid-out issue: lines that start or end with a prohibited mark (cjk-rules §1,
must be 0), the loosest and tightest justified line (spacing per gap in em) with page and text,
孤字 (a last line with fewer than the layout's minimum of characters besides punctuation,
§4), 孤行 (a paragraph leaving a single line at the foot or head of a page, §4), headings
stranded at a page foot, and lines wider than the measure — in body text, captions, table
cells and notes alike. For figures, tables and notes it counts where they went (figures set
where they stand, floated to a page's top or foot, on the next page; tables continued; notes
continued) and reports a figure that had to stand more than one page after its reference (no
page could hold it sooner) as a broken rule. It reads the frames the page
builder produced, so what it reports is what was printed.

Make-up (issue 9, `check_makeup`): short lines (a justified paragraph's line, not its last,
ending `check.short_line` em or more short of the measure), notched line ends (a justified
line ending in a mark whose blank half is still there), short pages (a page the text runs on
from that ends a grid line or more short, with the cause and why the make-up pass could not
fill it), pages holding only an article's end note, and headings or contents entries broken
inside a word (by the segmenter, text/words.py). The layout's `check` block says which of the
first four fail the check. Also listed: the paragraphs the make-up pass (layout/makeup.py)
set a line longer or shorter to fill a page. A body page with nothing on it (not one left
blank before a right-hand page) is always an error: the page builder never makes o

Where it is: findings.py (`Finding`, `Report`), typography.py (`check_frames`,
`check_composition`), makeup.py (`check_makeup`), pictures.py (`picture_report`), tally.py
(`ReportTally`, the report made a stretch at a time). Their names are importable from here.
"""
from __future__ import annotations

from typeset.report.findings import Finding, Report
from typeset.report.makeup import HEADING_ROLES, JUSTIFIED_ROLES, character_spacing, check_makeup
from typeset.report.pictures import PictureReport, PlacedPicture, picture_report
from typeset.report.tally import ReportTally
from typeset.report.typography import PUNCTUATION, check_composition, check_frames

__all__ = ["Finding", "Report", "HEADING_ROLES", "JUSTIFIED_ROLES", "character_spacing",
           "check_makeup", "PictureReport", "PlacedPicture", "picture_report", "ReportTally",
           "PUNCTUATION", "check_composition", "check_frames"]
