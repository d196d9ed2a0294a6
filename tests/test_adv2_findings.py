"""An adversarial test of issue 13's speed work, its findings as tests (each the smallest
reproduction found; all fixed): the paragraph key is the digest of the whole tuple's repr
(equal settings may differ in repr), the cache's line check compares glyph by glyph, a YAML
escape past U+10FFFF is a located message, and the page check kept on a composition is not
used for pages changed since."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from typeset.text.parcache import ParagraphCache, _VERSION, lines_match
from typeset.text.types import BreakSettings, Glyph, Line, Span

ROOT = Path(__file__).resolve().parents[1]


def _whole_key(spans, widths, settings, last_width, fp):
    styles = sorted({s.style for s in spans})
    return hashlib.sha256(repr((_VERSION, [(s.text, s.style) for s in spans], widths,
                                last_width, settings, [(st, fp) for st in styles], None)
                               ).encode("utf-8")).hexdigest()


def test_paragraph_key_is_the_whole_tuples_digest_for_equal_settings_of_other_repr():
    cache = ParagraphCache("adv2", lambda st: "fp", on_disk=False)
    spans = [Span("中文", "body")]
    first, second = BreakSettings(indent=2), BreakSettings(indent=2.0)
    assert cache.key(spans, 100.0, first, None) == _whole_key(spans, 100.0, first, None, "fp")
    # the memo answers repr(first) for second: the key is not sha256(repr(whole tuple))
    assert cache.key(spans, 100.0, second, None) == _whole_key(spans, 100.0, second, None, "fp")


def test_paragraph_key_tells_negative_zero_from_zero():
    cache = ParagraphCache("adv2", lambda st: "fp", on_disk=False)
    spans = [Span("中文", "body")]
    a, b = BreakSettings(indent=0.0), BreakSettings(indent=-0.0)
    assert cache.key(spans, 100.0, a, None) != cache.key(spans, 100.0, b, None)


def test_lines_match_refuses_glyphs_that_are_not_one_character_each():
    spans = [Span("中文", "body")]
    glyphs = [Glyph("中文", "body", 0.0, 10.0), Glyph("", "body", 10.0, 0.0)]
    line = Line(glyphs, 100.0, 20.0, 0.0, True, start=0, end=2)
    assert lines_match(spans, [line], 100.0) is False     # the old per-glyph compare refused


def test_lines_match_answers_false_for_a_glyph_character_that_is_not_text():
    spans = [Span("中文", "body")]
    glyphs = [Glyph(None, "body", 0.0, 10.0), Glyph("文", "body", 10.0, 10.0)]
    line = Line(glyphs, 100.0, 20.0, 0.0, True, start=0, end=2)
    assert lines_match(spans, [line], 100.0) is False


def test_yaml_escape_past_the_last_code_point_is_a_message(tmp_path):
    issue = tmp_path / "issue"
    subprocess.run(["cp", "-r", str(ROOT / "issues" / "sample"), str(issue)], check=True)
    manifest = issue / "issue.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('date: "2024-03-15"', 'date: "\\U00110000"'),
                        encoding="utf-8")
    env = {"TYPESET_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "typeset", "check", str(manifest)],
                         capture_output=True, text=True, env=env, cwd=ROOT)
    assert run.returncode == 1, run.stderr
    assert "issue.yaml:7" in run.stderr and "past U+10FFFF" in run.stderr, run.stderr


def test_render_checks_pages_changed_after_an_earlier_render(sample_composition):
    import copy
    from dataclasses import replace
    from typeset.build import render
    from typeset.errors import TypesetError
    from typeset.layout.page import Rule
    comp = replace(sample_composition)            # placement not copied: checked afresh
    comp.body = list(comp.body)
    render(comp, "archive", use_cache=False)      # clean: the check is kept on comp
    page = copy.copy(comp.body[0])
    page.items = list(page.items) + [Rule(-500.0, -500.0, -400.0, -400.0)]
    comp.body[0] = page                           # a rule far outside the trim box
    with pytest.raises(TypesetError, match="p."):
        render(comp, "archive", use_cache=False)
