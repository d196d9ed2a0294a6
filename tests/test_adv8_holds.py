"""Adversarial round 8: issue shapes that held (61eee64), kept as tests where the suite had no
case of that shape. Text written fresh (tests/issuekit.py)."""
from __future__ import annotations

import random
import re

from tests.issuekit import issue as _issue, page_texts as _page_texts, sentence as _sentence, \
    typeset_cli as _typeset, words as _words


def _flat(texts: list[str]) -> str:
    return re.sub(r"\s+", "", "".join(texts))


def _in_order(text: str, flat: str) -> bool:
    """Every character of `text`, in order, in `flat` (running heads and folios between)."""
    it = iter(flat)
    return all(ch in it for ch in text)


def test_a_paragraph_of_twenty_thousand_characters_without_punctuation(tmp_path):
    """No break is better than another: every character printed, in order, no overflow,
    and `check` finds nothing outside the page (~0.7 s of CPU, 23 pages)."""
    r = random.Random(11)
    text = _words(r, 20000)
    m = _issue(tmp_path / "i", [text])
    res = _typeset(tmp_path, "build", m, "-o", tmp_path / "out.pdf")
    assert res.returncode == 0, res.stderr
    assert _in_order(text, _flat(_page_texts(tmp_path / "out.pdf")))
    chk = _typeset(tmp_path, "check", m)
    assert re.search(r"outside the trim box:\s+0\b", chk.stdout)
    assert re.search(r"lines over the measure:\s+0\b", chk.stdout)


def test_pictures_twenty_thousand_pixels_wide_one_high_and_one_by_one(tmp_path):
    """Extreme proportions scale into the text block (a 1x20000 picture to a hairline under
    figure.max_height), every caption printed, nothing outside the page; the 1x1 picture is
    reported under the layout's resolution (0 ppi)."""
    from PIL import Image
    (tmp_path / "i" / "articles" / "images").mkdir(parents=True)
    r = random.Random(12)
    parts = []
    for i, size in enumerate([(20000, 200), (2000, 1), (1, 1), (20000, 1), (1, 20000)]):
        Image.new("RGB", size, (200, 30, 30)).save(tmp_path / "i" / "articles" / "images"
                                                    / f"x{i}.png")
        parts += ["".join(_sentence(r) for _ in range(2)), f"![图{i + 1} 奇形{i + 1}](images/x{i}.png)"]
    m = _issue(tmp_path / "i", ["\n\n".join(parts)])
    res = _typeset(tmp_path, "build", m, "-o", tmp_path / "out.pdf")
    assert res.returncode == 0, res.stderr
    flat = _flat(_page_texts(tmp_path / "out.pdf"))
    for i in range(5):
        assert f"奇形{i + 1}" in flat
    assert "0 ppi" in res.stdout + res.stderr
    chk = _typeset(tmp_path, "check", m)
    assert re.search(r"outside the trim box:\s+0\b", chk.stdout)
    assert re.search(r"drawn over each other:\s+0\b", chk.stdout)


def test_shapes_refused_at_their_line(tmp_path):
    """A section with no articles, the same article twice (also as ./ and through a symbolic
    link), lists nested ten deep, a subhead or a title taller than a page: exit 1, the file
    and line, a hint, no traceback, nothing written."""
    r = random.Random(13)
    root = tmp_path / "i"
    m = _issue(root, ["".join(_sentence(r) for _ in range(3))])
    base = m.read_text(encoding="utf-8")
    out = tmp_path / "out.pdf"

    def refused(where: str, words: str) -> None:
        res = _typeset(tmp_path, "build", m, "-o", out)
        assert res.returncode == 1, res.stdout + res.stderr
        assert re.search(where, res.stderr) and words in res.stderr, res.stderr
        assert "hint:" in res.stderr and "Traceback" not in res.stderr
        assert not out.exists()

    m.write_text(base + "  - title: 空栏目\n    articles: []\n", encoding="utf-8")
    refused(r"issue\.yaml:\d+:\d+", "at least one article")
    (root / "articles" / "link.md").symlink_to("a0.md")
    for again in ("articles/a0.md", "./articles/a0.md", "articles/link.md"):
        m.write_text(base + f"      - {again}\n", encoding="utf-8")
        refused(r"issue\.yaml:9:\d+", "listed twice")
    m.write_text(base, encoding="utf-8")
    art = root / "articles" / "a0.md"
    head = art.read_text(encoding="utf-8")
    art.write_text(head + "\n" + "".join("  " * d + f"- 第{d + 1}层\n" for d in range(10)),
                   encoding="utf-8")
    refused(r"a0\.md:\d+:\d+", "nested too deep")
    art.write_text(head + "\n## " + _words(r, 2000) + "\n\n" + _sentence(r) + "\n",
                   encoding="utf-8")
    refused(r"a0\.md:\d+", "more than a page has")
    art.write_text(head.replace("测试文章1", _words(r, 500)), encoding="utf-8")
    refused(r"a0\.md:2", "more than a page has")


def test_two_hundred_one_paragraph_articles_build_alike_cold_and_warm(tmp_path):
    """200 articles of one paragraph each: 8 contents pages, every title in the contents,
    a warm rebuild byte-identical to the cold build (~0.75 s of CPU cold)."""
    r = random.Random(14)
    bodies = ["".join(_sentence(r) for _ in range(2)) for _ in range(200)]
    m = _issue(tmp_path / "i", bodies)
    res = _typeset(tmp_path, "build", m, "-o", tmp_path / "cold.pdf")
    assert res.returncode == 0, res.stderr
    assert "200 body" in res.stdout
    res = _typeset(tmp_path, "build", m, "-o", tmp_path / "warm.pdf")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "cold.pdf").read_bytes() == (tmp_path / "warm.pdf").read_bytes()
    flat = _flat(_page_texts(tmp_path / "warm.pdf"))
    assert all(b in flat for b in bodies)
    assert "测试文章200" in flat
