"""Benchmark: `typeset watch` — the time from saving a one-paragraph edit to the updated page
being in the browser's hands.

A copy of the sample issue is watched by `typeset.watch.run` in this process (a thread; the
server on 127.0.0.1), with the caches warm. A client thread listens to the preview's event
stream as the page's script does: on each event it asks /state and fetches the PNG of every
page whose version changed. Then, --runs times, one paragraph of one article is edited (a
word swapped for another, and back on the next run), saved the way editors save (a temporary
file renamed over the article; --in-place writes into the file), and the time is split:

    detect    save -> the change seen and settled (file-system event or poll, then the
              QUIET debounce: the change must stay still 0.05 s)
    rebuild   the warm build: load, compose, render the PDF, write it (with its own split)
    render    the preview: PDFium renders the pages that may have changed, pixels compared,
              PNGs of the changed ones, state published
    serve     the event reaches the client, /state, the changed pages' PNGs fetched
    total     save -> the last changed page's PNG received

Medians over --runs (after --warmup edits that are not counted). --poll watches by polling
instead of file-system events. --session rebuilds with typeset.session.Session (issue 13)
through `watch.rebuild.SessionBuild`, where it exists. --browser also times a real headless chromium (Playwright,
`/usr/bin/chromium`): save -> the new image shown in the page.

Run from the repository root:  python bench/watch.py [--runs 9] [--poll] [--browser] [--json F]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "issues" / "sample"
ARTICLE = "articles/05-shizheng-yiliu.md"
EDIT = ("做情况清楚的知情人", "做情况明白的知情人")       # one paragraph's words, swapped


class Client(threading.Thread):
    """Listens to /events; on each event fetches /state and the PNGs of pages whose
    version changed; records (perf_counter, generation, changed page indices)."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port = port
        self.versions: dict[int, int] = {}
        self.done: list[tuple[float, int, list[int]]] = []
        self.cond = threading.Condition()

    def get(self, path: str) -> bytes:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", path)
        body = c.getresponse().read()
        c.close()
        return body

    def run(self) -> None:
        try:
            self._listen()
        except OSError:             # the server stopped
            pass

    def _listen(self) -> None:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=None)
        c.request("GET", "/events")
        r = c.getresponse()
        while True:
            line = r.fp.readline()
            if not line:
                return
            if not line.startswith(b"data:"):
                continue
            state = json.loads(self.get("/state"))
            changed = [p["index"] for p in state["pages"]
                       if self.versions.get(p["index"]) != p["version"]]
            for i in changed:
                self.get(f"/page/{i}.png?v={state['pages'][i]['version']}")
                self.versions[i] = state["pages"][i]["version"]
            with self.cond:
                self.done.append((time.perf_counter(), state["generation"], changed))
                self.cond.notify_all()

    def wait_pages(self, after: float, timeout: float = 30) -> tuple[float, list[int]]:
        """The first time after `after` that the client fetched changed pages."""
        end = time.time() + timeout
        with self.cond:
            while True:
                for t, _, changed in self.done:
                    if t > after and changed:
                        return t, changed
                left = end - time.time()
                if left <= 0:
                    raise TimeoutError("no page update seen")
                self.cond.wait(left)


def save(path: Path, text: str, in_place: bool) -> None:
    if in_place:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return
    tmp = path.with_name(path.name + ".tmp~")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--poll", action="store_true", help="poll instead of file-system events")
    ap.add_argument("--in-place", action="store_true", help="save by writing into the file")
    ap.add_argument("--browser", action="store_true", help="also time headless chromium")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--session", action="store_true",
                    help="rebuild with typeset.session.Session (watch.rebuild.SessionBuild) "
                         "instead of WarmBuild, where it exists")
    args = ap.parse_args()

    from typeset.watch import run

    tmp = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    shutil.copytree(SAMPLE, tmp / "sample")
    manifest = tmp / "sample" / "issue.yaml"
    article = tmp / "sample" / ARTICLE
    steps: list = []
    ready = threading.Event()
    url: list[str] = []
    stop = threading.Event()
    os.chdir(tmp)
    rebuilder = None
    if args.session:
        from typeset.watch.rebuild import SessionBuild
        rebuilder = SessionBuild(manifest, output=tmp / "out.pdf")
    th = threading.Thread(target=run, args=(manifest,), daemon=True,
                          kwargs=dict(output=tmp / "out.pdf", stop=stop, events=not args.poll,
                                      rebuilder=rebuilder,
                                      say=lambda line: None, on_step=steps.append,
                                      on_ready=lambda u: (url.append(u), ready.set())))
    th.start()
    if not ready.wait(120):
        print("the first build did not finish", file=sys.stderr)
        return 1
    port = int(url[0].rsplit(":", 1)[1].strip("/"))
    client = Client(port)
    client.start()
    time.sleep(0.5)

    browser = None
    if args.browser:
        browser = Browser(url[0])

    text = article.read_text(encoding="utf-8")
    assert EDIT[0] in text
    rows = []
    for k in range(args.warmup + args.runs):
        old, new = (EDIT if k % 2 == 0 else EDIT[::-1])
        text = text.replace(old, new, 1)
        before = len(steps)
        seen_by_browser = browser.arm() if browser else None
        t_save = time.perf_counter()
        save(article, text, args.in_place)
        t_done, changed = client.wait_pages(t_save)
        t_browser = browser.wait(seen_by_browser) if browser else None
        while len(steps) == before:
            time.sleep(0.005)
        step = steps[before]
        if k < args.warmup:
            continue
        row = {"detect": step.change.settled - t_save, "rebuild": step.built - step.started,
               "render": step.published - step.built, "serve": t_done - step.published,
               "total": t_done - t_save, "pages": len(changed),
               "rendered": len(step.applied.rendered)}
        row.update({f"rebuild.{n}": v for n, v in step.outcome.timings.items()})
        if t_browser is not None:
            row["browser"] = t_browser - t_save
        rows.append(row)
        time.sleep(0.3)
    stop.set()
    if browser:
        browser.close()
    th.join(10)

    keys = list(rows[0])
    med = {key: statistics.median(r[key] for r in rows) for key in keys}
    load = os.getloadavg()
    print(f"typeset watch, sample issue (40 pages), one paragraph edited, {args.runs} runs "
          f"({'Session' if args.session else 'WarmBuild'}, "
          f"{'polling' if args.poll else 'file-system events'}, "
          f"{'written in place' if args.in_place else 'temporary file renamed'}); "
          f"load average {load[0]:.1f}")
    for key in keys:
        if key in ("pages", "rendered"):
            what = "pages re-sent" if key == "pages" else "pages rendered"
            print(f"  {what:<22} {med[key]:.0f}")
        else:
            lo = min(r[key] for r in rows)
            hi = max(r[key] for r in rows)
            print(f"  {key:<22} {med[key] * 1000:7.1f} ms   (min {lo * 1000:.1f}, "
                  f"max {hi * 1000:.1f})")
    if args.json:
        Path(args.json).write_text(json.dumps({"median": med, "runs": rows}, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


class Browser:
    """Headless chromium showing the preview (Playwright)."""

    def __init__(self, url: str):
        from playwright.sync_api import sync_playwright
        self._pw = sync_playwright().start()
        self._b = self._pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        self.page = self._b.new_page()
        self.page.goto(url)
        self.page.wait_for_selector("#p0 img[data-version]")

    def arm(self) -> str:
        return self.page.evaluate(
            "() => Array.from(document.querySelectorAll('img[data-version]'))"
            ".map(i => i.dataset.version).join(',')")

    def wait(self, before: str) -> float:
        self.page.wait_for_function(
            "(b) => Array.from(document.querySelectorAll('img[data-version]'))"
            ".map(i => i.dataset.version).join(',') !== b", arg=before, polling="raf")
        return time.perf_counter()

    def close(self) -> None:
        self._b.close()
        self._pw.stop()


if __name__ == "__main__":
    sys.exit(main())
