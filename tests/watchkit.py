"""Helpers of the `typeset watch` tests: the watch in a thread, saving as an editor does, a
small issue."""
from __future__ import annotations

import http.client
import io
import json
import os
import threading
import time
from pathlib import Path

from typeset.watch import run

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "issues" / "sample"
ARTICLE = "articles/05-shizheng-yiliu.md"
EDIT = ("做情况清楚的知情人", "做情况明白的知情人")      # one paragraph, a word of the same width


class Watching:
    """`typeset.watch.run` in a thread, with its steps and lines collected."""

    def __init__(self, manifest: Path, output: Path, **options):
        self.steps: list = []
        self.lines: list[str] = []
        self.cond = threading.Condition()
        self.stop = threading.Event()
        self.url: str | None = None
        self.error: BaseException | None = None
        ready = threading.Event()

        def on_step(step):
            with self.cond:
                self.steps.append(step)
                self.cond.notify_all()

        def target():
            try:
                run(manifest, output=output, stop=self.stop, say=self.lines.append,
                    on_step=on_step, on_ready=lambda url: (setattr(self, "url", url),
                                                           ready.set()), **options)
            except BaseException as err:        # noqa: BLE001 — reported by the test
                self.error = err
                ready.set()

        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()
        assert ready.wait(180), "the first build did not finish"
        assert self.error is None, self.error
        self.port = int(self.url.rstrip("/").rsplit(":", 1)[1])

    def wait_step(self, n: int, timeout: float = 60):
        """The n-th step (0: the first build)."""
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.steps) > n, timeout), \
                f"no rebuild {n} after {timeout} s; lines: {self.lines}"
            return self.steps[n]

    def settle(self, quiet: float = 0.6) -> int:
        """Wait until no rebuild happened for `quiet` seconds; the number of steps."""
        while True:
            n = len(self.steps)
            time.sleep(quiet)
            if len(self.steps) == n:
                return n

    def get(self, path: str, host: str | None = None) -> tuple[int, dict, bytes]:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Host": host} if host else {}
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, dict(r.getheaders()), body

    def state(self) -> dict:
        status, _, body = self.get("/state")
        assert status == 200
        return json.loads(body)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()


def save(path: Path, text: str) -> None:
    """As an editor saves: a temporary file renamed over the old one."""
    tmp = path.with_name("." + path.name + ".swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def tiny_issue(folder: Path, articles=("a0.md", "a1.md")) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(articles):
        (folder / name).write_text(f"---\ntitle: 第{k + 1}篇文章\n---\n\n正文第一段，第{k + 1}篇。\n\n"
                                   "第二段文字。\n", encoding="utf-8")
    (folder / "issue.yaml").write_text(manifest_text(articles), encoding="utf-8")
    return folder / "issue.yaml"


def manifest_text(articles) -> str:
    return ("layout: guangxi\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
            f"    articles: [{', '.join(articles)}]\n")


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def page_texts(pdf: bytes) -> list[str]:
    from pypdf import PdfReader
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


