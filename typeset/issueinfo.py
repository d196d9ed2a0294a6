"""What a finished issue says about itself: title, journal, year, number, date.

The neutral home of the facts both the PDF writer (Info dictionary, XMP) and the archive
(catalogue, file names) need, so neither imports the other. No PDF, no files: plain data and
the one rule for the date a file carries.

* `Metadata`      the issue: title, journal, year, number, publication date, language;
* `DocumentInfo`  what any PDF says about itself (its Info dictionary and, for the print and
                  archive files, the same values in XMP); `document_info(meta)` for an issue.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
from typeset.records import dataclass

from typeset.errors import TypesetError


@dataclass(frozen=True)
class Metadata:
    """What the finished file says about itself (Info dictionary and XMP alike)."""
    title: str            # e.g. "广西政协工作 2024年第2期"
    journal: str
    year: int
    number: int | str     # 2, or as written: "5-6" (合刊), "增刊" (model/numbers.py)
    date: _dt.date | None   # publication date from the manifest
    language: str = "zh-CN"
    producer: str = "typeset 0.1.0"
    creator: str = "typeset"
    label: str = ""       # the issue as printed, 2024年第5-6期 (default: year and number)

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise TypesetError("the finished PDF needs a title",
                               hint="give the issue a journal name in the manifest or layout")
        if not 1000 <= self.year <= 9999:
            raise TypesetError(f"issue year {self.year} is not a four-digit year",
                               hint="set `year:` in the issue manifest")
        from typeset.model.numbers import number_value, parse_number
        parsed = parse_number(str(self.number)) if not isinstance(self.number, bool) else ""
        if isinstance(parsed, str) or number_value(parsed.text) != self.number:
            raise TypesetError(f"issue number {self.number!r} is not an issue number (1 or "
                               "more, 5-6 for a combined issue, or a supplement word)",
                               hint="set `number:` in the issue manifest")
        if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", self.language):
            raise TypesetError(f"language {self.language!r} is not a language tag like zh-CN",
                               hint="use an RFC 3066 / BCP 47 tag")


@dataclass(frozen=True)
class DocumentInfo:
    """The document information (ISO 32000-1 §14.3.3) and catalog /Lang of a PDF."""
    title: str
    author: str = ""
    subject: str = ""
    keywords: str = ""
    creator: str = "typeset"
    producer: str = "typeset"
    lang: str = "zh-CN"
    # CreationDate and ModDate; None writes none. Never the clock: an issue's file carries
    # `document_date`.
    date: _dt.datetime | None = None


def document_info(meta: Metadata) -> DocumentInfo:
    """What an issue's PDF says about itself: the title, the journal as author, the journal
    and issue as subject, and the issue's date (`document_date`)."""
    return DocumentInfo(title=meta.title, author=meta.journal,
                        subject=f"{meta.journal} {issue_label(meta)}", creator=meta.creator,
                        producer=meta.producer, lang=meta.language, date=document_date(meta))


def issue_label(meta: Metadata) -> str:
    """The issue as printed: 2024年第2期 (the layout's `numbers.label`, when known)."""
    return meta.label or f"{meta.year}年第{meta.number}期"


def document_date(meta: Metadata) -> _dt.datetime:
    """The date written as creation and modification date (UTC).

    The manifest's publication date (midnight UTC) if there is one; else SOURCE_DATE_EPOCH
    (reproducible-builds.org convention); else 1 January of the issue's year — fixed, so a
    rebuild gives the same bytes. Never the clock.
    """
    if meta.date is not None:
        return _dt.datetime(meta.date.year, meta.date.month, meta.date.day, tzinfo=_dt.timezone.utc)
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env is not None and env.strip():
        try:
            return _dt.datetime.fromtimestamp(int(env.strip()), tz=_dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise TypesetError(f"SOURCE_DATE_EPOCH={env!r} is not a number of seconds since 1970",
                               hint="set it to an integer, e.g. `git log -1 --format=%ct`, or unset it")
    return _dt.datetime(meta.year, 1, 1, tzinfo=_dt.timezone.utc)


def issue_metadata(issue, layout) -> Metadata:
    """The metadata of a loaded issue (typeset.model.manifest.Issue) set in `layout`: the
    journal as the manifest names it (else the layout), its year, number and date."""
    from typeset import __version__

    from typeset.model.numbers import issue_label as label_of

    journal = issue.journal or layout.journal
    label = label_of(issue.number, issue.year, layout.numbers)
    return Metadata(title=f"{journal} {label}", journal=journal,
                    year=issue.year, number=issue.number.value,
                    date=issue.date if isinstance(issue.date, _dt.date) else None,
                    producer=f"typeset {__version__}", label=label)
