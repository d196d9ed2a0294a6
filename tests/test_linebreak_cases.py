"""cjk-rules.md §5, case by case, from tests/data/linebreak_cases.yaml."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from typeset.text.paragraph import SpecMetrics, format_lines, paragraph_violations, set_paragraph
from typeset.text.types import BreakSettings, Span

DATA = Path(__file__).parent / "data" / "linebreak_cases.yaml"
CASES = yaml.safe_load(DATA.read_text(encoding="utf-8"))["cases"]
EM = 10.0
METRICS = SpecMetrics(EM)


def _set(case):
    settings = BreakSettings(indent=0, **case.get("settings", {}))
    lines = set_paragraph([Span(case["input"])], case["width"] * EM, METRICS, settings,
                          words=case.get("words"))
    return lines, settings


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case):
    lines, settings = _set(case)
    dump = format_lines(lines, em=EM)
    assert [ln.text for ln in lines] == case["lines"], f"{case['rule']}\n{dump}"
    problems = paragraph_violations(lines, strict=settings.strict)
    if case.get("emergency"):       # a break no rule allows, flagged (an unbreakable word)
        assert problems and all("emergency" in p for _, p in problems), dump
    else:
        assert not problems, dump
    for ln in lines:
        end = ln.glyphs[-1].x + ln.glyphs[-1].width
        assert end <= ln.measure + 1e-6, dump
        if not ln.last and case.get("flush", True):
            assert end == pytest.approx(ln.measure), f"justified line not flush\n{dump}"
    if "widths" in case:
        got = [[round(g.width / EM, 4) for g in ln.glyphs] for ln in lines]
        got = [[int(w) if w == int(w) else w for w in ln] for ln in got]
        assert got == case["widths"], dump
    if "natural" in case:
        assert lines[0].natural / EM == pytest.approx(case["natural"]), dump
    for pair, gap in case.get("gaps", {}).items():
        a, b = pair.split("|")
        assert _gap(lines, a, b) == pytest.approx(gap), f"gap {pair}\n{dump}"


def _gap(lines, a: str, b: str) -> float:
    """Space between neighbours a and b (em): b's x minus a's x and a's natural advance."""
    for ln in lines:
        gl = ln.glyphs
        for g, h in zip(gl, gl[1:]):
            if g.ch == a and h.ch == b:
                return (h.x - g.x - METRICS.advance(a, g.style)) / EM
    raise AssertionError(f"{a}{b} not found on one line")


def test_every_section5_row_is_covered():
    """The data holds a case for every row of the §5 table (the property row is
    tests/test_linebreak_properties.py)."""
    rows = Path(__file__).resolve().parents[2] / "shared" / "docs" / "cjk-rules.md"
    if not rows.exists():
        pytest.skip("cjk-rules.md not available")
    table = rows.read_text(encoding="utf-8").split("## 5.")[1]
    inputs = [line.split("|")[2].strip() for line in table.splitlines()
              if line.startswith("| ") and not line.startswith("| rule") and "---" not in line]
    ours = {c["input"] for c in CASES}
    for text in inputs:
        if text.startswith(("20 Han", "2-line", "any text")):
            continue          # described, not literal: widow-lines, keep-with-next-lines, property
        assert text in ours, f"§5 input {text!r} has no case"
