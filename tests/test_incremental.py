"""Incremental builds (issue 13 part 4): pages whose content did not change are not drawn again,
and whatever is reused, the file is byte for byte the one a cold build writes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from typeset.build import compose, render
from typeset.render.pagestreams import PageStreams

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "issues" / "sample" / "issue.yaml"


@pytest.fixture()
def issue(tmp_path, monkeypatch) -> Path:
    """A copy of the sample issue (its articles may be edited) with a cache of its own."""
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    dest = tmp_path / "issue"
    shutil.copytree(SAMPLE.parent, dest)
    return dest / "issue.yaml"


def edit(manifest: Path, article: str, old: str, new: str) -> None:
    path = next((manifest.parent / "articles").glob(article))
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unchanged_pages_reuse_their_streams_and_the_bytes_are_the_same(issue):
    streams = PageStreams()
    comp = compose(issue)
    first = render(comp, streams=streams)
    pages = len(comp.pages)
    assert streams.misses + streams.hits == pages     # (blank pages are alike: hits)
    assert streams.misses > pages - 5
    streams.begin()
    again = render(compose(issue), streams=streams)
    assert again == first
    assert streams.misses == 0 and streams.hits == pages
    # one paragraph of one article changed: only the pages that draw something else are
    # drawn again, and the file is the one a build without any stream gives
    edit(issue, "05-*.md", "。", "，另。")
    streams.begin()
    comp = compose(issue)
    edited = render(comp, streams=streams)
    assert 0 < streams.misses < pages // 2, streams.misses
    assert edited == render(comp, streams=PageStreams()) == render(comp, use_cache=False)
    assert edited != first


def test_page_streams_on_disk_are_reused_by_the_next_process(issue):
    cold = render(compose(issue))                      # writes the cache file
    files = list((Path(issue.parent.parent / "cache") / "pages").glob("*.bin"))
    assert len(files) == 1
    from typeset.render.writer import page_streams
    streams = page_streams(f"{issue.resolve()}\0print-x4")
    assert streams._index and len(streams._index) >= len(compose(issue).pages) - 2
    assert render(compose(issue)) == cold
    # a damaged stream in the file is not used: its page is drawn again, same bytes
    data = bytearray(files[0].read_bytes())
    data[-10] ^= 0xFF
    files[0].write_bytes(bytes(data))
    assert render(compose(issue)) == cold
