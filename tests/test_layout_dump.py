"""Layout regressions as readable diffs: the fixture issue's pages dumped as text (every run
with its position, font, size and role) against a reviewed copy.

After an intended layout change, regenerate the copy and review its diff:
    TYPESET_UPDATE_GOLDEN=1 python -m pytest tests/test_layout_dump.py
"""
from __future__ import annotations

import os
from pathlib import Path

from typeset.build import compose
from typeset.render.debug import dump_pages

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "model" / "issue" / "issue.yaml"
GOLDEN = DATA / "golden" / "fixture-issue.dump"


def test_fixture_issue_layout_is_unchanged():
    dump = dump_pages(compose(FIXTURE).pages)
    if os.environ.get("TYPESET_UPDATE_GOLDEN"):
        GOLDEN.write_text(dump, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    assert dump.splitlines() == expected.splitlines()
