"""Benchmark: whole-issue builds against Typst, measured in the same run (issue 13).

What it measures, each build in a fresh process (nothing shared between runs but the disk
caches):

* the sample issue (40 pages: text, 3 figures, 2 tables, footnotes) and issues generated from
  it with ten and a hundred times its articles (`make_issue`: copy k of an article has the
  sentences of each paragraph rotated k places, so no two copies break the same way and the
  paragraph cache cannot share their lines);
* `typeset build` (print, PDF/X-4) with the caches warm (a build of the same issue ran before
  with the same $TYPESET_CACHE) and cold (an empty $TYPESET_CACHE each run);
* Typst (the `typst` package from PyPI) compiling the same issue from a generated .typ file:
  the same page size, text block, fonts and sizes, first-line indent and justification, one
  article per page, the same figures (the same picture files at the same widths, with their
  captions), the same tables (header and rows) and the same footnotes. Typst keeps no cache
  between processes, so its cold and warm runs are the same thing;
* the runs are paired and alternating (typeset, Typst, typeset, Typst …), --runs of each
  (median of at least 5 by default); the load average is printed before and after: on a
  shared machine absolute times are noise, the ratio (typeset / Typst) is the figure;
* wall time, CPU time (user + system) and peak memory (maximum resident set size) of the
  child process: Typst lays out on every core, so on an idle machine its wall time gains
  what a busy one takes away; the CPU ratio moves less with the load;
* ms per page of a warm build at 1x, 10x, 100x (linearity);
* a one-shot `typeset build` after one paragraph is corrected (`bench_corrected`), paired
  with Typst on the same corrected text: a warm build of an unchanged issue may take its
  finished file whole from the cache (render/finished.py), so the warm rows alone would
  hide what a real correction costs from the command line (--no-corrected skips it);
* save -> updated PDF in a warm process (`typeset.session.Session`): one paragraph edited
  (a character changed) and the PDF rebuilt, median of --runs edits.

Python writes bytecode caches as any installed package has them (PYTHONDONTWRITEBYTECODE is
removed from the children's environment, and one build runs before any is timed).

Writes the table as JSON (default bench/results.json; --json PATH).

Run from the repository root:  python bench/build.py [--runs 5] [--sizes 1,10,100]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "issues" / "sample" / "issue.yaml"


# -- generated issues ---------------------------------------------------------------------------

_PLAIN = re.compile(r"^(?!\s*(?:[|!#:>]|\[\^|-\s|\d+\.\s))\S")


def _rotate(paragraph: str, k: int) -> str:
    """The paragraph's sentences (ending in 。) rotated k places; a bold run-in at the start
    (up to the last `**`) stays first and whole, so the Markdown stays balanced."""
    head = ""
    if paragraph.startswith("**"):
        end = paragraph.rfind("**") + 2
        head, paragraph = paragraph[:end], paragraph[end:]
    parts = [s + "。" for s in paragraph.split("。")]
    last = parts.pop()[:-1]             # after the last 。 (usually nothing)
    if len(parts) < 2:
        return head + paragraph
    k %= len(parts)
    return head + "".join(parts[k:] + parts[:k]) + last


def _article_copy(text: str, k: int) -> str:
    if k == 0:
        return text
    front_end = text.index("\n---", 3) + 4
    body = text[front_end:].split("\n")
    out = [_rotate(line, k) if _PLAIN.match(line) else line for line in body]
    return text[:front_end] + "\n".join(out)


def make_issue(times: int, dest: Path, source: Path = SAMPLE) -> Path:
    """The sample issue with each article `times` times (see the module doc), in `dest`;
    returns the manifest's path."""
    import yaml
    src_dir = source.parent
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "articles").mkdir(parents=True)
    shutil.copytree(src_dir / "images", dest / "images")
    for section in doc["sections"]:
        arts = []
        for rel in section["articles"]:
            text = (src_dir / rel).read_text(encoding="utf-8")
            stem = Path(rel).stem
            for k in range(times):
                name = f"articles/{stem}-{k + 1:03d}.md"
                (dest / name).write_text(_article_copy(text, k), encoding="utf-8")
                arts.append(name)
        section["articles"] = arts
    manifest = dest / "issue.yaml"
    manifest.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    return manifest


# -- the Typst peer -----------------------------------------------------------------------------

def _esc(text: str) -> str:
    return "".join("\\" + c if c in "\\#*_`$<>@[]=-+/~\"'" else c for c in text)


def typst_source(manifest: Path) -> str:
    """The issue as a Typst document with the layout's geometry, fonts and sizes and the same
    content: titles, subtitles, bylines, paragraphs with bold runs, subheads, figures (the same
    files, widths and captions), tables (header and rows) and footnotes."""
    from typeset.model.layout import load_layout
    from typeset.model.manifest import load_issue

    issue = load_issue(manifest)
    layout = load_layout(issue.layout, relative_to=manifest.parent)
    tb, page = layout.textblock, layout.page
    body = layout.styles["body"]
    margin_x = (page.width - layout.measure) / 2
    lead = tb.line_pitch - body.size

    def inlines(runs, notes=None) -> str:
        out = []
        for i in runs:
            if i.note is not None:
                note = notes[i.note]
                out.append("#footnote[" + "".join(inlines(p) for p in note.paragraphs) + "]")
            elif i.bold:
                out.append(f"*{_esc(i.text)}*")
            else:
                out.append(_esc(i.text))
        return "".join(out)

    out = [f'#set page(width: {page.width:.2f}pt, height: {page.height:.2f}pt, '
           f'margin: (x: {margin_x:.2f}pt, top: {tb.top:.2f}pt, bottom: {tb.top:.2f}pt), '
           f'numbering: "1")',
           f'#set text(font: ("Noto Serif CJK SC",), size: {body.size}pt, lang: "zh", '
           f'top-edge: 0.88em, bottom-edge: -0.12em)',   # a 1 em line box: pitch = size + leading
           f'#set par(justify: true, first-line-indent: (amount: 2em, all: true), '
           f'leading: {lead:.2f}pt, spacing: {lead:.2f}pt)',
           '#show heading: set text(font: ("Noto Sans CJK SC",), weight: "bold", size: 14pt)',
           '#show figure.caption: set text(font: ("LXGW WenKai",), size: 10.5pt)',
           '#set table(stroke: none)',
           '#show table: set text(size: 10.5pt)',
           '#set footnote.entry(separator: line(length: 30%, stroke: 0.5pt))',
           '#show footnote.entry: set text(size: 9pt)']
    for section in issue.sections:
        for art in section.articles:
            notes = {n.label: n for n in art.notes}
            out.append("#pagebreak(weak: true)")
            for t in art.front.title:
                out.append('#align(center, text(font: ("Noto Sans CJK SC",), weight: "bold", '
                           f'size: 22pt)[{_esc(t)}])')
            if art.front.subtitle:
                out.append('#align(center, text(font: ("LXGW WenKai",), size: 14pt)['
                           + _esc(art.front.subtitle) + "])")
            names = "　".join(art.front.authors) or art.front.byline or ""
            if names:
                out.append('#align(center, text(font: ("LXGW WenKai",))[' + _esc(names) + "])")
            if art.front.lead:
                out.append('#pad(x: 2em, text(font: ("LXGW WenKai",))['
                           + _esc(art.front.lead) + "])")
            for block in art.blocks:
                if block.kind == "heading":
                    out.append("== " + inlines(block.inlines, notes))
                elif block.kind == "figure":
                    fig = block.figure
                    rel = os.path.relpath(fig.picture.path, manifest.parent)
                    width = "50%" if fig.width == "half" else "100%"
                    cap = inlines(block.inlines) + (
                        "　" + _esc(fig.credit) if fig.credit else "")
                    out.append(f'#figure(image("{rel}", width: {width}), caption: [{cap}])')
                elif block.kind == "table":
                    t = block.table
                    cells = [f"[{inlines(c)}]" for c in t.header]
                    for row in t.rows:
                        cells += [f"[{inlines(c)}]" for c in row]
                    aligns = ", ".join({"right": "right", "center": "center"}.get(a, "left")
                                       for a in t.aligns)
                    cap = inlines(block.inlines)
                    out.append(f"#figure(table(columns: {len(t.aligns)}, align: ({aligns},), "
                               f"table.hline(), {cells[0]}, "
                               + ", ".join(cells[1:len(t.header)])
                               + (", " if len(t.header) > 1 else "")
                               + "table.hline(stroke: 0.5pt), "
                               + ", ".join(cells[len(t.header):]) + ", table.hline()), "
                               f"caption: [{cap}], kind: table)")
                else:
                    out.append(inlines(block.inlines, notes) + "\n")
            if art.front.note:
                out.append(_esc(f"（{art.front.note}）") + "\n")
    return "\n\n".join(out)


# -- running and measuring ----------------------------------------------------------------------

def _env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


#: CPU seconds (user + system) of the last child `run` waited for
LAST_CPU = [0.0]


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of a child process; its CPU seconds in LAST_CPU[0]."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024.0


def typeset_cmd(manifest: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "typeset", "build", str(manifest), "-o", str(out)]


def typst_cmd(typ: Path, out: Path) -> list[str]:
    return [sys.executable, "-c",
            "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2], "
            "font_paths=[sys.argv[3]], ignore_system_fonts=True)",
            str(typ), str(out), str(ROOT / "fonts")]


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader
    return len(PdfReader(path).pages)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def median(xs):
    return statistics.median(xs) if xs else None


def bench_size(times: int, tmp: Path, runs: int, have_typst: bool, cold: bool,
               peer: bool) -> dict:
    """Warm (and cold) builds of the issue `times` times the sample, paired with Typst."""
    manifest = make_issue(times, tmp / f"issue-x{times}")     # x1: a copy of the sample
    out, peer_out = tmp / f"x{times}.pdf", tmp / f"x{times}-typst.pdf"
    cache = tmp / f"cache-x{times}"
    cmd = typeset_cmd(manifest, out)
    run(cmd, _env(TYPESET_CACHE=str(cache)))           # warms the caches (and bytecode)
    row: dict = {"times": times, "load_before": load()}
    typ = None
    if have_typst and peer:
        typ = manifest.parent / "peer.typ"
        typ.write_text(typst_source(manifest), encoding="utf-8")
        run(typst_cmd(typ, peer_out), _env())         # one unmeasured run, as for typeset
    warm, warm_rss, peer_t, peer_rss, cold_t, cold_rss = [], [], [], [], [], []
    warm_cpu, peer_cpu = [], []
    for i in range(runs):
        t, m = run(cmd, _env(TYPESET_CACHE=str(cache)))
        warm.append(t)
        warm_rss.append(m)
        warm_cpu.append(LAST_CPU[0])
        if typ is not None:
            t, m = run(typst_cmd(typ, peer_out), _env())
            peer_t.append(t)
            peer_rss.append(m)
            peer_cpu.append(LAST_CPU[0])
        if cold:
            empty = tmp / f"cold-x{times}-{i}"
            t, m = run(cmd, _env(TYPESET_CACHE=str(empty)))
            shutil.rmtree(empty, ignore_errors=True)
            cold_t.append(t)
            cold_rss.append(m)
    row["pages"] = pdf_pages(out)
    row["warm_s"] = median(warm)
    row["warm_runs"] = warm
    row["warm_rss_mb"] = max(warm_rss)
    row["warm_cpu_s"] = median(warm_cpu)
    row["ms_per_page_warm"] = 1000 * row["warm_s"] / row["pages"]
    if cold:
        row["cold_s"] = median(cold_t)
        row["cold_runs"] = cold_t
        row["cold_rss_mb"] = max(cold_rss)
    if typ is not None:
        row["typst_pages"] = pdf_pages(peer_out)
        row["typst_s"] = median(peer_t)
        row["typst_runs"] = peer_t
        row["typst_rss_mb"] = max(peer_rss)
        row["typst_cpu_s"] = median(peer_cpu)
        row["ratio_warm_cpu"] = median([a / b for a, b in zip(warm_cpu, peer_cpu)])
        # paired ratios: each typeset run over the Typst run next to it, then the median
        row["ratio_warm"] = median([a / b for a, b in zip(warm, peer_t)])
        if cold:
            row["ratio_cold"] = median([a / b for a, b in zip(cold_t, peer_t)])
        row["ratio_rss"] = row["warm_rss_mb"] / row["typst_rss_mb"]
    row["load_after"] = load()
    return row


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of the second half of each plain paragraph of an article's body (after
    any bold run-in: an edit there leaves the Markdown as it is)."""
    out, pos = [], text.index("\n---", 3) + 4
    for line in text[pos:].split("\n"):
        if _PLAIN.match(line) and len(line) > 60 and "[^" not in line:
            after = line.rfind("**") + 2                     # past a bold run-in
            out.append((pos + max(after, len(line) // 2), pos + len(line)))
        pos += len(line) + 1
    return out


#: characters no article of the sample uses (all in Noto Serif CJK): an edit that brings one
#: in makes the body face's subset again
RARE = "龘靐齉爨蠼鬣鼋夔饕餮犇骉麤羴鱻"


def bench_edit(tmp: Path, runs: int) -> dict:
    """Save -> updated PDF in a warm process: a Session of a copy of the sample issue, one
    paragraph edited before each rebuild (each time another paragraph of article 05):

    * "correction": one character of the paragraph replaced by a character that the first
      article already uses (no new character: the fonts' subsets stay as they were);
    * "new character": a character the issue does not use yet added to the paragraph (the
      body face's subset is made again: ~0.15 s of CFF subsetting).
    """
    from typeset.session import Session

    manifest = make_issue(1, tmp / "issue-edit")
    arts = sorted((manifest.parent / "articles").glob("*.md"))
    first_text = arts[0].read_text(encoding="utf-8")
    article = next(a for a in arts if a.name.startswith("05-"))
    original = article.read_text(encoding="utf-8")
    paras = _paragraphs(original)
    common = [c for c in dict.fromkeys(first_text[first_text.index("\n---", 3):])
              if "\u4e00" <= c <= "\u9fff"]
    env = os.environ.get("TYPESET_CACHE")
    os.environ["TYPESET_CACHE"] = str(tmp / "cache-edit")
    result: dict = {}
    try:
        session = Session(manifest, output=tmp / "edit.pdf")
        first = session.rebuild()
        session.rebuild()
        result["first_build_s"] = first.seconds
        result["pages"] = first.page_count
        for kind in ("correction", "new character"):
            times, drawn, stages = [], [], []
            for i in range(runs):
                a, b = paras[i % len(paras)]
                mid = next(k for k in range(a, b) if "\u4e00" <= original[k] <= "\u9fff")
                if kind == "correction":
                    c = next(ch for ch in common[i:] if ch != original[mid])
                    text = original[:mid] + c + original[mid + 1:]
                else:
                    text = original[:mid] + RARE[i % len(RARE)] + original[mid:]
                article.write_text(text, encoding="utf-8")
                res = session.rebuild()
                if res.errors:
                    raise SystemExit(f"edit {i}: {res.errors}")
                times.append(res.seconds)
                drawn.append(len(res.pages_drawn))
                stages.append({k: round(v, 4) for k, v in res.timings.items()})
                article.write_text(original, encoding="utf-8")
                session.rebuild()                     # back to the sample between edits
            result[kind] = {"median_s": median(times), "runs_s": times, "pages_drawn": drawn,
                            "stages": stages}
        session.close()
    finally:
        article.write_text(original, encoding="utf-8")
        if env is None:
            os.environ.pop("TYPESET_CACHE", None)
        else:
            os.environ["TYPESET_CACHE"] = env
    return result


def bench_corrected(tmp: Path, runs: int, have_typst: bool) -> dict:
    """A one-shot `typeset build` (fresh process, caches warm) after one paragraph of a copy
    of the sample is corrected, paired with Typst compiling the same corrected text: what a
    correction costs from the command line, where a warm build of an unchanged issue may
    take its finished file from the cache (render/finished.py) and this build cannot. Run k
    replaces one character of paragraph k of article 05 (by one the issue already uses: no
    new subset) on top of the corrections before it, so each build differs from the build
    before it by one paragraph."""
    manifest = make_issue(1, tmp / "issue-corrected")
    arts = sorted((manifest.parent / "articles").glob("*.md"))
    first_text = arts[0].read_text(encoding="utf-8")
    common = [c for c in dict.fromkeys(first_text[first_text.index("\n---", 3):])
              if "\u4e00" <= c <= "\u9fff"]
    article = next(a for a in arts if a.name.startswith("05-"))
    text = article.read_text(encoding="utf-8")
    paras = _paragraphs(text)
    out, peer_out = tmp / "corrected.pdf", tmp / "corrected-typst.pdf"
    env = _env(TYPESET_CACHE=str(tmp / "cache-corrected"))
    cmd = typeset_cmd(manifest, out)
    run(cmd, env)                                     # warms the caches (and bytecode)
    typ = manifest.parent / "peer.typ"
    row: dict = {"load_before": load()}
    if have_typst:
        typ.write_text(typst_source(manifest), encoding="utf-8")
        run(typst_cmd(typ, peer_out), _env())         # one unmeasured run
    own, own_cpu, peer_t, peer_cpu = [], [], [], []
    for i in range(runs):
        a, b = paras[i % len(paras)]
        mid = next(k for k in range(a, b) if "\u4e00" <= text[k] <= "\u9fff")
        c = next(ch for ch in common[i:] if ch != text[mid])
        text = text[:mid] + c + text[mid + 1:]
        article.write_text(text, encoding="utf-8")
        t, _ = run(cmd, env)
        own.append(t)
        own_cpu.append(LAST_CPU[0])
        if have_typst:
            typ.write_text(typst_source(manifest), encoding="utf-8")
            t, _ = run(typst_cmd(typ, peer_out), _env())
            peer_t.append(t)
            peer_cpu.append(LAST_CPU[0])
    row.update({"pages": pdf_pages(out), "corrected_s": median(own), "corrected_runs": own,
                "corrected_cpu_s": median(own_cpu)})
    if have_typst:
        row.update({"typst_s": median(peer_t), "typst_runs": peer_t,
                    "typst_cpu_s": median(peer_cpu),
                    "ratio": median([x / y for x, y in zip(own, peer_t)]),
                    "ratio_cpu": median([x / y for x, y in zip(own_cpu, peer_cpu)])})
    row["load_after"] = load()
    return row


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1,10,100",
                    help="issue sizes in multiples of the sample (default 1,10,100)")
    ap.add_argument("--peer-sizes", default="1,10",
                    help="sizes at which Typst runs too (default 1,10)")
    ap.add_argument("--cold-sizes", default="1",
                    help="sizes at which cold builds run (default 1)")
    ap.add_argument("--big-runs", type=int, default=3, help="runs at sizes of 100 or more")
    ap.add_argument("--no-edit", action="store_true", help="skip the save -> PDF measurement")
    ap.add_argument("--no-corrected", action="store_true",
                    help="skip the one-shot build after one paragraph is corrected")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results.json"))
    args = ap.parse_args()
    try:
        import typst
        have_typst = True
    except ImportError:
        typst = None
        have_typst = False
        print("(typst not installed: pip install typst, for the peer figures)")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    peer = {int(s) for s in args.peer_sizes.split(",") if s}
    cold = {int(s) for s in args.cold_sizes.split(",") if s}
    result = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()},
              "runs": args.runs, "sizes": []}
    if have_typst:
        result["typst_version"] = getattr(typst, "__version__", "?")
    print(f"load average {load()}  ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="typeset-bench-") as tmp:
        tmp = Path(tmp)
        for times in sizes:
            n = args.runs if times < 100 else args.big_runs
            row = bench_size(times, tmp, n, have_typst, times in cold, times in peer)
            result["sizes"].append(row)
            line = (f"x{times:<4d} {row['pages']:5d} pages  warm {row['warm_s']:7.3f} s "
                    f"({row['ms_per_page_warm']:5.1f} ms/page, {row['warm_rss_mb']:5.0f} MB)")
            if "cold_s" in row:
                line += f"  cold {row['cold_s']:6.2f} s"
            if "typst_s" in row:
                line += (f" | typst {row['typst_pages']:5d} pages {row['typst_s']:7.3f} s "
                         f"{row['typst_rss_mb']:5.0f} MB | ratio warm {row['ratio_warm']:4.2f}x")
                if "ratio_cold" in row:
                    line += f" cold {row['ratio_cold']:4.2f}x"
                line += (f" memory {row['ratio_rss']:4.2f}x | CPU {row['warm_cpu_s']:.3f} s "
                         f"vs {row['typst_cpu_s']:.3f} s: {row['ratio_warm_cpu']:4.2f}x")
            print(line + f"  [load {row['load_before']} -> {row['load_after']}]", flush=True)
        if not args.no_corrected:
            row = bench_corrected(tmp, args.runs, have_typst)
            result["corrected"] = row
            line = (f"warm, one paragraph corrected: {row['corrected_s']:.3f} s "
                    f"(CPU {row['corrected_cpu_s']:.3f} s)")
            if "typst_s" in row:
                line += (f" | typst {row['typst_s']:.3f} s (CPU {row['typst_cpu_s']:.3f} s) | "
                         f"ratio {row['ratio']:4.2f}x, CPU {row['ratio_cpu']:4.2f}x")
            print(line + f"  [load {row['load_before']} -> {row['load_after']}]", flush=True)
        if not args.no_edit:
            try:
                edit = bench_edit(tmp, max(args.runs, 5))
            except ImportError:
                edit = None
                print("(no typeset.session: save -> PDF not measured)")
            if edit:
                result["edit"] = edit
                for kind in ("correction", "new character"):
                    e = edit[kind]
                    print(f"save -> PDF, one paragraph edited ({kind}), warm process: "
                          f"{e['median_s']:.3f} s (median of {len(e['runs_s'])}; pages drawn "
                          f"{e['pages_drawn']} of {edit['pages']})", flush=True)
    result["load_end"] = load()
    Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n",
                               encoding="utf-8")
    print(f"written {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
