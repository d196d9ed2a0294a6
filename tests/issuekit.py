"""Issues of one article written fresh for a test (adversarial round 8's shapes): seeded
sentences of common characters and the manifest around them."""
from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

#: common characters, drawn at random (a test's own text, never the corpus'), four rows
_ROWS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同",
         "工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起",
         "小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平",
         "形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意")
POOL = "".join(_ROWS)


def pool(rows: int) -> str:
    """The first `rows` rows of POOL (tests written with a smaller pool keep their text)."""
    return "".join(_ROWS[:rows])


def words(r: random.Random, n: int, pool: str = POOL) -> str:
    return "".join(r.choice(pool) for _ in range(n))


def sentence(r: random.Random, n: int | None = None, pool: str = POOL) -> str:
    """A sentence of `n` (12–30) characters with a comma inside, ending in 。"""
    n = n or r.randint(12, 30)
    s = words(r, n, pool)
    k = r.randint(4, n - 4)
    return s[:k] + "，" + s[k:] + "。"


def one_article_issue(root: Path, body: str, *, layout: str = "guangxi",
                      edit: tuple[str, str] | None = None,
                      article: str = "articles/a0.md") -> Path:
    """An issue of one section holding one article (`article`, relative to `root`, with
    `body` after its front matter); `edit` (old, new) sets it in a copy of guangxi with one
    line changed. Returns the manifest."""
    path = root / article
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: 测试文章\nauthors: [王小明]\n---\n\n{body}\n",
                    encoding="utf-8")
    if edit is not None:
        text = (ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
        assert edit[0] in text
        (root / "house.yaml").write_text(text.replace(*edit), encoding="utf-8")
        layout = "house.yaml"
    m = root / "issue.yaml"
    m.write_text(f"layout: {layout}\njournal: 测试政协\nyear: 2024\nnumber: 2\nsections:\n"
                 f"  - title: 调查研究\n    articles:\n      - {article}\n", encoding="utf-8")
    return m


def issue(root: Path, bodies: list[str], layout: str = "guangxi") -> Path:
    """An issue of one section holding one article per body (articles/a<i>.md, titled
    测试文章<i+1>). Returns the manifest."""
    (root / "articles").mkdir(parents=True, exist_ok=True)
    names = []
    for i, body in enumerate(bodies):
        (root / "articles" / f"a{i}.md").write_text(
            f"---\ntitle: 测试文章{i + 1}\nauthors: [王小明]\n---\n\n{body}\n", encoding="utf-8")
        names.append(f"articles/a{i}.md")
    m = root / "issue.yaml"
    m.write_text(f"layout: {layout}\njournal: 测试政协\nyear: 2024\nnumber: 2\nsections:\n"
                 "  - title: 调查研究\n    articles:\n"
                 + "".join(f"      - {n}\n" for n in names), encoding="utf-8")
    return m


def typeset_cli(tmp_path: Path, *args) -> subprocess.CompletedProcess:
    """`python -m typeset ARGS` in a process of its own, in `tmp_path`, with a cache there."""
    env = dict(os.environ, TYPESET_CACHE=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "typeset", *map(str, args)], env=env,
                          capture_output=True, text=True, cwd=tmp_path)


def page_texts(pdf: Path) -> list[str]:
    """The text pypdf extracts from each page of `pdf`."""
    from pypdf import PdfReader
    return [p.extract_text() or "" for p in PdfReader(str(pdf)).pages]
