"""An issue and the layout it is set in, read and checked against each other: the first stage
of every build (typeset.build), of `check`, `dump`, `stats`, a warm process and the provenance
record (typeset.provenance)."""
from __future__ import annotations

from pathlib import Path

from typeset.model.layout import Layout, load_layout
from typeset.model.manifest import Issue, load_issue

__all__ = ["load", "check_issue_against_layout"]


def load(manifest: Path, layout_override: str | None = None, *,
         read_article=None) -> tuple[Issue, Layout]:
    """The issue and the layout it is set in (the manifest's, unless overridden).
    `read_article`: see model.manifest.load_issue."""
    issue = load_issue(manifest, layout=layout_override, read_article=read_article)
    if layout_override:
        layout = load_layout(layout_override)
    else:
        layout = load_layout(issue.layout, relative_to=issue.path.parent,
                             referenced_from=str(issue.path), line=issue.layout_line)
    check_issue_against_layout(issue, layout)
    return issue, layout


def check_issue_against_layout(issue: Issue, layout: Layout) -> None:
    """What the manifest may say only if the layout allows it: a supplement number (the
    layout's `numbers.supplement` word), covers and cover pages (a `cover` block)."""
    from typeset.errors import TypesetError
    from typeset.model.numbers import NUMBER_HINT, check_supplement

    problem = check_supplement(issue.number, layout.numbers.supplement)
    if problem:
        raise TypesetError(f"number: {problem}", file=issue.path, line=issue.number_line,
                           hint=NUMBER_HINT)
