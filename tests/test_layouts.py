"""Layouts are data: both shipped layouts load and validate, differ visibly, and every key a
layout may hold is documented in the README."""
from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from typeset.errors import TypesetError
from typeset.model import layout as L

README = Path(__file__).resolve().parents[1] / "README.md"


def all_keys(cls) -> set[str]:
    keys = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name == "path":
            continue
        keys.add(f.name)
        for arg in (hints[f.name], *typing.get_args(hints[f.name])):
            for inner in (arg, *typing.get_args(arg)):
                if dataclasses.is_dataclass(inner):
                    keys |= all_keys(inner)
    return keys


def test_every_layout_key_is_documented():
    text = README.read_text(encoding="utf-8")
    missing = sorted(k for k in all_keys(L.Layout) if f"`{k}`" not in text)
    assert missing == []


@pytest.mark.parametrize("name", ["guangxi", "chongqing"])
def test_shipped_layouts_load(name):
    layout = L.load_layout(name)
    assert layout.name == name
    assert layout.measure == layout.textblock.chars * layout.body_size


def test_guangxi_matches_the_house_style():
    g = L.load_layout("guangxi")
    assert round(g.page.width / 72 * 25.4) == 185 and round(g.page.height / 72 * 25.4) == 260
    assert (g.textblock.chars, g.textblock.lines, g.textblock.line_pitch) == (32, 28, 22.0)
    assert g.measure == 384.0
    assert g.styles["body"].size == 12.0 and g.styles["title"].size == 22.0
    assert g.running_heads.section_format.format(title="政协动态") == "※ 政协动态 ※"
    assert g.article.start == "new_page"


def test_chongqing_is_visibly_different():
    g, c = L.load_layout("guangxi"), L.load_layout("chongqing")
    assert c.article.start == "continue" and c.article.author_names.format.startswith("□")
    assert (c.page.width, c.textblock.chars) != (g.page.width, g.textblock.chars)


def test_a_style_naming_an_unknown_font_role_is_refused(tmp_path):
    src = (L.LAYOUTS_DIR / "guangxi.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(src.replace("body:          {font: song", "body:          {font: sogn"),
                   encoding="utf-8")
    with pytest.raises(TypesetError, match="font role 'sogn'"):
        L.load_layout(str(bad))


def test_sizes_accept_names_and_units(tmp_path):
    src = (L.LAYOUTS_DIR / "guangxi.yaml").read_text(encoding="utf-8")
    p = tmp_path / "x.yaml"
    p.write_text(src.replace("size: 二号}", "size: 20pt}").replace("line_pitch: 22pt", "line_pitch: 7.7611mm"),
                 encoding="utf-8")
    lay = L.load_layout(str(p))
    assert lay.styles["title"].size == 20.0
    assert abs(lay.textblock.line_pitch - 22.0) < 0.01


TUNING = {"space_stretch": 0.4, "space_shrink": 0.25, "line_penalty": 12.0, "loose_cost": 6.0,
          "spread_unit": 0.2, "stretch_costs": (11.0, 12.0),
          "squeeze_costs": (1.5, 2.5, 6.5, 8.5, 9.5), "squeeze_growth": 2.0,
          "hyphen_penalty": 40.0, "ragged_cost": 1.5, "widow_cost": 2e9,
          "emergency_costs": (2e11, 3e12, 4e13), "max_badness": 2e6, "looseness": 3.0}


def test_paragraph_tuning_reaches_the_line_breaker(tmp_path):
    """Every break cost of the layout's paragraph block is what the breaker is given."""
    from typeset.layout.compose import Composer
    src = (L.LAYOUTS_DIR / "guangxi.yaml").read_text(encoding="utf-8")
    block = "".join(f"  {k}: {list(v) if isinstance(v, tuple) else v}\n" for k, v in TUNING.items())
    p = tmp_path / "tuned.yaml"
    p.write_text(src.replace("paragraph:\n", "paragraph:\n" + block, 1), encoding="utf-8")
    settings = Composer(L.load_layout(str(p)), book=None).body_settings
    assert {k: getattr(settings, k) for k in TUNING} == TUNING
    defaults = Composer(L.load_layout("guangxi"), book=None).body_settings
    from typeset.text.types import BreakSettings
    assert {k: getattr(defaults, k) for k in TUNING} == \
        {k: getattr(BreakSettings(), k) for k in TUNING}        # today's values by default
