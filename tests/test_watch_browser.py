"""`typeset watch` in a real browser: Debian's chromium, headless, driven by Playwright.

The preview is opened on a copy of the sample issue; a paragraph is edited on disk and the
page's picture must change in place (no reload: a marker set in the page survives), only that
page's; a broken save must show the error panel with file:line (as text, never as HTML) over
the last good pages; the fix must hide it again. A screenshot of the preview is kept in the
test's folder (and copied to $TYPESET_SCREENSHOT when set).

Skipped, with the reason, where Playwright or the browser (/usr/bin/chromium, or
$TYPESET_CHROMIUM) is not installed; `.ci/run` installs chromium where it can.
"""
from __future__ import annotations

import os
import shutil

import pytest

from tests.watchkit import ARTICLE, EDIT, SAMPLE, Watching, save

CHROMIUM = os.environ.get("TYPESET_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(f"no browser: {CHROMIUM} is not installed (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install -e '.[test]')")

VERSIONS = ("() => Array.from(document.querySelectorAll('main figure[id]'))"
            ".map(f => [f.id, f.querySelector('img').dataset.version || ''])")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def test_the_preview_updates_in_place_and_shows_the_error(browser, tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "sample")
    manifest = tmp_path / "sample" / "issue.yaml"
    w = Watching(manifest, tmp_path / "sample.pdf")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(w.url)
        from typeset.build import compose
        n = len(compose(manifest).pages)
        page.wait_for_function("n => document.querySelectorAll('img[data-version]')"
                               ".length === n", arg=n)
        # spreads as the pages will face each other: 封一 alone on the right, then 2|3, …
        spreads = page.eval_on_selector_all(
            "main .spread", "ss => ss.map(s => Array.from(s.children).map(f => f.id || '-'))")
        assert spreads[0] == ["-", "p0"] and spreads[1] == ["p1", "p2"]
        assert spreads[-1] == [f"p{n - 1}", "-"] and len(spreads) == n // 2 + 1
        assert page.inner_text("#p0 figcaption") == "封一"
        assert page.inner_text("#p4 figcaption") == "1"      # 封一, 封二, 目录, its blank verso
        assert page.eval_on_selector("#p4 img", "i => i.complete && i.naturalWidth") == 698
        assert page.is_hidden("#problem")
        page.evaluate("() => { window.__sameDocument = 42; }")
        before = dict(page.evaluate(VERSIONS))
        w.settle()

        # one paragraph edited on disk: its page's picture changes in place, no other's
        steps = len(w.steps)
        article = tmp_path / "sample" / ARTICLE
        save(article, article.read_text(encoding="utf-8").replace(EDIT[0], EDIT[1], 1))
        step = w.wait_step(steps)
        assert step.outcome.ok and len(step.applied.updated) == 1
        k = step.applied.updated[0]
        page.wait_for_function(f"(v) => document.querySelector('#p{k} img').dataset.version"
                               " !== v", arg=before[f"p{k}"])
        after = dict(page.evaluate(VERSIONS))
        assert [f for f in before if before[f] != after[f]] == [f"p{k}"]
        assert page.evaluate("() => window.__sameDocument") == 42        # not reloaded
        src = page.eval_on_selector(f"#p{k} img", "i => i.src")
        assert src.endswith(f"/page/{k}.png?v={after[f'p{k}']}")
        assert page.eval_on_selector(f"#p{k} img", "i => i.complete && i.naturalWidth") == 698
        # the picture the page shows is the new one
        served = w.get(f"/page/{k}.png")[2]
        shown = page.evaluate("(u) => fetch(u).then(r => r.arrayBuffer())"
                              ".then(b => Array.from(new Uint8Array(b)).length)", src)
        assert shown == len(served)

        # a broken save: the error panel with file:line, the last good pages stay
        w.settle()
        good = manifest.read_text(encoding="utf-8")
        save(manifest, good.replace("number: 2", "number: [2"))
        page.wait_for_selector("#problem:not([hidden])")
        assert page.inner_text("#where") == f"{manifest}:7:5"
        assert "malformed YAML" in page.inner_text("#message")
        assert page.inner_text("#hint").startswith("hint: ")
        assert "last good build" in page.inner_text("#kept")
        assert page.title().startswith("✗ ")
        assert dict(page.evaluate(VERSIONS)) == after                  # pages as they were
        page.screenshot(path=str(tmp_path / "preview-error.png"))

        # an error quoting the sources is text, never markup
        w.settle()
        save(manifest, good.replace("articles/01-zhuxi-huiyi.md",
                                    "articles/<img src=x onerror=window.__pwned=1>.md"))
        page.wait_for_function("() => document.getElementById('message').textContent"
                               ".includes('<img')")
        assert page.evaluate("() => window.__pwned") is None
        assert page.eval_on_selector_all("#problem img", "xs => xs.length") == 0

        # fixed: the panel goes, the pages stay
        save(manifest, good)
        page.wait_for_selector("#problem", state="hidden")
        assert not page.title().startswith("✗")
        assert page.evaluate("() => window.__sameDocument") == 42
        page.wait_for_timeout(300)
        page.screenshot(path=str(tmp_path / "preview.png"))
        shot = os.environ.get("TYPESET_SCREENSHOT")
        if shot:
            shutil.copy(tmp_path / "preview.png", shot)
            shutil.copy(tmp_path / "preview-error.png",
                        os.path.splitext(shot)[0] + "-error.png")
        # nothing was asked of any other server: the page works offline
        assert all(u.startswith(w.url.rstrip("/")) for u in requests), requests
    finally:
        page.close()
        w.close()
