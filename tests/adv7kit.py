"""Small issues written fresh for the wave-7 adversarial tests (tests/test_adv7_*.py): a few
short articles, a layout of their own, and `typeset build` run in a process of its own with an
empty cache (the reference every warm or cached build is compared with)."""
from __future__ import annotations

import io
import os
import signal
import struct
import subprocess
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: sentences written for these tests (not from any corpus)
SENTENCES = (
    "我们在县里调查了三个月，走访了许多村子和工厂，记下了大家的意见。",
    "会议认为，今年的工作要抓住重点，把群众最关心的事情办好办实。",
    "河边的小路修好以后，附近的农户把自家种的水果拿到集市上去卖。",
    "委员们提出，应当加快建设乡村道路，改善学校和医院的条件。",
)


def article_text(title: str, paragraphs: list[str], extra: str = "") -> str:
    return (f"---\ntitle: {title}\nauthors: [王小明]\n---\n\n" + "\n\n".join(paragraphs)
            + "\n" + extra)


def write_issue(root: Path, articles: int = 3, paragraphs: int = 3,
                sections: int = 2) -> Path:
    """An issue of `articles` short articles in `sections` sections (layout: a copy of
    guangxi as house.yaml, so a test may change it); returns the manifest."""
    (root / "articles").mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(articles):
        paras = [SENTENCES[(i + k) % 4] * (1 + k) for k in range(paragraphs)]
        (root / "articles" / f"a{i}.md").write_text(
            article_text(f"第{i + 1}篇 调查报告", paras), encoding="utf-8")
        names.append(f"articles/a{i}.md")
    per = max(1, -(-articles // sections))
    listing = "".join(
        f"  - title: 栏目{j + 1}\n    articles:\n"
        + "".join(f"      - {n}\n" for n in names[j * per:(j + 1) * per])
        for j in range(sections))
    (root / "house.yaml").write_text((ROOT / "layouts" / "guangxi.yaml")
                                     .read_text(encoding="utf-8"), encoding="utf-8")
    m = root / "issue.yaml"
    m.write_text("layout: house.yaml\njournal: 测试政协\nyear: 2024\nnumber: 2\n"
                 f"sections:\n{listing}", encoding="utf-8")
    return m


def cold_build(manifest: Path, out: Path, cache: Path, *extra: str) -> bytes:
    """`typeset build` in a process of its own with the cache folder `cache` (empty: a
    cold build); returns the PDF's bytes."""
    env = dict(os.environ, TYPESET_CACHE=str(cache), PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "typeset", "build", str(manifest), "-o",
                        str(out), *extra], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out.read_bytes()


def check_pdf(path: Path, cache: Path) -> subprocess.CompletedProcess:
    """`typeset check --pdf FILE` in a process of its own."""
    env = dict(os.environ, TYPESET_CACHE=str(cache), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "typeset", "check", "--pdf", str(path)],
                          env=env, capture_output=True, text=True)


def png(path: Path, size: tuple[int, int], colour: tuple[int, int, int], total: int) -> None:
    """A PNG of `size` pixels padded by a tEXt chunk to exactly `total` bytes (so two
    pictures of other shapes can have the same file size)."""
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    data = buf.getvalue()
    body = b"tEXt" + b"Comment\0"
    body += b"x" * (total - len(data) - 12 - len(body) + 4)
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    end = data.rindex(b"IEND") - 4
    out = data[:end] + chunk + data[end:]
    assert len(out) == total
    Path(path).write_bytes(out)



def issue_with_picture(root: Path) -> tuple[Path, Path]:
    """`write_issue` whose second article places articles/p.png (a 600x400 PNG of 20,000
    bytes, so another of that size can replace it); returns (manifest, picture)."""
    m = write_issue(root)
    pic = m.parent / "articles" / "p.png"
    png(pic, (600, 400), (200, 60, 60), 20000)
    art = m.parent / "articles" / "a1.md"
    art.write_text(art.read_text(encoding="utf-8") + "\n![河边的码头](p.png){width=half}\n",
                   encoding="utf-8")
    return m, pic


def issue_with_kai_copy(root: Path) -> tuple[Path, Path]:
    """A two-article issue whose layout takes its 楷体 face from a copy of LXGW WenKai beside
    the manifest (kai.ttf, for a test to change) and whose first article sets 楷体 text;
    returns (manifest, kai.ttf)."""
    import shutil
    m = write_issue(root, articles=2, paragraphs=2, sections=1)
    kai = m.parent / "kai.ttf"
    shutil.copyfile(ROOT / "fonts" / "LXGWWenKai-Regular.ttf", kai)
    layout = m.parent / "house.yaml"
    layout.write_text(layout.read_text(encoding="utf-8").replace(
        "kai: [LXGWWenKai-Regular.ttf", "kai: [./kai.ttf"), encoding="utf-8")
    (m.parent / "articles" / "a0.md").write_text(
        article_text("楷体标题", ["*这是楷体的一段文字*。"]), encoding="utf-8")
    return m, kai


def picture_sizes(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) of every picture the PDF's pages show, in page order."""
    from tests.picturekit import pdf_images
    return [(int(im["width"]), int(im["height"]))
            for page in pdf_images(Path(pdf).read_bytes()) for im in page]

#: a `typeset build` that stops in the middle of writing its PDF (half of the first chunk
#: written, then READY created) until a signal ends it: argv READY MANIFEST OUT
STALLED_BUILD = r"""
import sys, time
ready, manifest, out = sys.argv[1:4]
import typeset.fsutil as F
write = F._FdFile.write
done = []
def stall(self, b):
    if done:
        return write(self, b)
    done.append(1)
    write(self, bytes(b)[:len(b) // 2])
    open(ready, "w").close()
    time.sleep(60)
F._FdFile.write = stall
from typeset.cli import main
sys.exit(main(["build", manifest, "-o", out]))
"""


def stalled_build(manifest: Path, out: Path, cache: Path, ready: Path) -> subprocess.Popen:
    """Start STALLED_BUILD and wait until it is writing; returns the process."""
    import time
    env = dict(os.environ, TYPESET_CACHE=str(cache), PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, "-c", STALLED_BUILD, str(ready), str(manifest),
                          str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for _ in range(1200):
        if ready.exists() or p.poll() is not None:
            break
        time.sleep(0.05)
    assert ready.exists(), p.communicate()
    return p


class SaveDuringRebuild:
    """A `Rebuilder` over typeset watch's own (`SessionBuild`) that saves `path` with `text`
    at the end of its `when`-th rebuild: after the session has read every file, before the
    watch looks at the files again — a save made while the issue was being rebuilt."""

    def __init__(self, inner, when: int, path: Path, text: str):
        self.inner, self.when, self.path, self.text, self.count = inner, when, path, text, 0

    def rebuild(self):
        outcome = self.inner.rebuild()
        self.count += 1
        if self.count == self.when:
            from tests.watchkit import save
            save(self.path, self.text)
        return outcome

    def inputs(self):
        return self.inner.inputs()

    def close(self):
        self.inner.close()

