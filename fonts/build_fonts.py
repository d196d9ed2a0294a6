#!/usr/bin/env python3
"""Rebuild typeset's shipped fonts (fonts/) from the Debian font packages, or verify them.

The faces come from two Debian packages; install them first:

    apt-get install fonts-noto-cjk fonts-lxgw-wenkai

Then, from the repository root:

    python fonts/build_fonts.py            # rebuild fonts/*.otf|ttf, OFL-*.txt, manifest.yaml
    python fonts/build_fonts.py --verify   # check shipped files against manifest.yaml (sha256,
                                           # sizes, licence texts; sources too when installed)
    python fonts/build_fonts.py --check-rebuild
                                           # rebuild into a temporary directory and require the
                                           # bytes to equal the shipped ones (determinism)

What it does, exactly (also written into manifest.yaml, key `processing`):

* Noto Serif/Sans CJK: Debian ships them only as .ttc collections of 5-10 faces (JP, KR, SC,
  TC, HK, ...) sharing one CFF table. The SC face is picked by its PostScript name and written
  as a single OpenType/CFF font after a fontTools subset whose only purpose is size (the
  extracted face would still carry every region's glyphs, ~17-24 MB each):
  - every code point of the SC face's own cmap is kept (no character is dropped);
  - all GSUB/GPOS features are kept for the DFLT script and for the default and ZHS (Chinese
    Simplified) language systems of every script; the JAN, KOR, ZHT and ZHH language systems
    are removed, and with them the glyphs reachable *only* through their `locl` substitutions
    (the Japanese, Korean and Traditional Chinese regional forms);
  - glyphs unreachable from the kept cmap through the kept features are dropped;
  - CID numbers are unchanged (the CFF stays CID-keyed, Adobe-Identity-0); hinting, all name
    records (every language), vertical metrics (vhea/vmtx/VORG), BASE, OS/2 Unicode and code
    page ranges and the head timestamp are kept as in the source.
  The names are not changed: the Reserved Font Name of Noto CJK is "Source" (upstream
  LICENSE), which these fonts do not use.
* LXGW WenKai: Debian ships a single TrueType font; it is copied byte for byte (unmodified, so
  the Reserved Font Names "霞鹜" and "LXGW" stay valid).
* Licence files: the SIL OFL 1.1 text is taken verbatim from the package's
  /usr/share/doc/<package>/copyright (its `License:` paragraph decoded per the Debian
  copyright-format 1.0 rules: one leading space removed, a line holding only " ." is an empty
  line), preceded by the copyright notices of the font (name ID 0) and of the package.

Output is deterministic: the same sources and fontTools version give the same bytes (fontTools
does not recalculate timestamps here; the manifest is written with a fixed key order). Faces
are built in a temporary directory and moved into place only when all succeeded.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent
MANIFEST = FONTS_DIR / "manifest.yaml"
BUDGET_BYTES = 60 * 1000 * 1000   # the limit for fonts/ ("under ~60 MB")

NOTO_DIR = "/usr/share/fonts/opentype/noto"
WENKAI_DIR = "/usr/share/fonts/truetype/lxgw-wenkai"

# Language systems kept in GSUB/GPOS (see the module docstring).
_SCRIPTS = ("cyrl", "grek", "hang", "hani", "kana", "latn")
LAYOUT_SCRIPTS = ["DFLT"] + [f"{s}.{l}" for s in _SCRIPTS for l in ("dflt", "ZHS")]

NOTO_LICENSE = "OFL-NotoCJK.txt"
WENKAI_LICENSE = "OFL-LXGWWenKai.txt"

# The shipped faces, in order. Chosen by measurement against the budget (sizes of the built
# files): NotoSerifCJKsc-Regular 16.43 MB, NotoSansCJKsc-Bold 11.37 MB, LXGWWenKai-Regular
# 15.68 MB are required (43.5 MB). Of the optional faces, Noto Serif CJK SC Bold (17.06 MB)
# would bring fonts/ to 60.6 MB, over the budget; Noto Sans CJK SC Regular (~11 MB) fits and
# is shipped instead.
FACES = [
    dict(file="NotoSerifCJKsc-Regular.otf", role="song", family="Noto Serif CJK SC",
         style="Regular", weight=400, source=f"{NOTO_DIR}/NotoSerifCJK-Regular.ttc",
         postscript="NotoSerifCJKsc-Regular", method="subset", license=NOTO_LICENSE),
    dict(file="NotoSansCJKsc-Bold.otf", role="hei", family="Noto Sans CJK SC",
         style="Bold", weight=700, source=f"{NOTO_DIR}/NotoSansCJK-Bold.ttc",
         postscript="NotoSansCJKsc-Bold", method="subset", license=NOTO_LICENSE),
    dict(file="NotoSansCJKsc-Regular.otf", role="hei", family="Noto Sans CJK SC",
         style="Regular", weight=400, source=f"{NOTO_DIR}/NotoSansCJK-Regular.ttc",
         postscript="NotoSansCJKsc-Regular", method="subset", license=NOTO_LICENSE),
    dict(file="LXGWWenKai-Regular.ttf", role="kai", family="LXGW WenKai",
         style="Regular", weight=400, source=f"{WENKAI_DIR}/LXGWWenKai-Regular.ttf",
         postscript="LXGWWenKai-Regular", method="copy", license=WENKAI_LICENSE),
]

LICENSES = {
    NOTO_LICENSE: dict(package="fonts-noto-cjk"),
    WENKAI_LICENSE: dict(package="fonts-lxgw-wenkai"),
}

PROCESSING = {
    "subset": (
        "SC face picked from the Debian .ttc by PostScript name; fontTools subset keeping every "
        "code point of that face's cmap, all GSUB/GPOS features of the DFLT script and of the "
        "dflt and ZHS language systems of every other script (JAN/KOR/ZHT/ZHH language systems "
        "removed, so glyphs reachable only through their locl forms are dropped), glyph closure "
        "over the kept features, CIDs/hinting/all names/vertical metrics/BASE/VORG/OS/2 ranges/"
        "head timestamp unchanged; layout_scripts=" + ",".join(LAYOUT_SCRIPTS)),
    "copy": "copied byte for byte from the Debian package (unmodified)",
}


def sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def package_of(path: str) -> tuple[str, str]:
    """(package, version) of the Debian package that installed `path`."""
    owner = _run("dpkg-query", "-S", path).split(":", 1)[0].strip()
    version = _run("dpkg-query", "-W", "-f=${Version}", owner)
    return owner, version


def debian_license_text(package: str) -> str:
    """The text of the stand-alone `License: <OFL>` paragraph of the package's copyright file,
    decoded per Debian copyright-format 1.0 (one leading space removed; " ." is an empty line);
    verbatim otherwise."""
    text = Path(f"/usr/share/doc/{package}/copyright").read_text(encoding="utf-8")
    for para in text.split("\n\n"):
        lines = para.splitlines()
        if not lines or not lines[0].startswith("License:"):
            continue          # a Files paragraph carries a one-line License field only
        short = lines[0].split(":", 1)[1].strip().upper()
        if "OFL" not in short and "SIL" not in short:
            continue
        body = ["" if line == " ." else line[1:] for line in lines[1:] if line.startswith(" ")]
        while body and body[-1] == "":
            body.pop()
        if body:
            return "\n".join(body) + "\n"
    raise SystemExit(f"no OFL licence paragraph in /usr/share/doc/{package}/copyright")


def debian_copyright_notices(package: str) -> list[str]:
    """The `Copyright:` field (and a `Comment:`) of the `Files: *` paragraph."""
    text = Path(f"/usr/share/doc/{package}/copyright").read_text(encoding="utf-8")
    for para in text.split("\n\n"):
        if para.startswith("Files: *"):
            notes, field = [], None
            for line in para.splitlines()[1:]:
                if line.startswith(("Copyright:", "Comment:")):
                    field = line.split(":", 1)[0]
                    rest = line.split(":", 1)[1].strip()
                    if rest:
                        notes.append(f"{field}: {rest}" if field == "Comment" else rest)
                elif line.startswith(" ") and field:
                    notes.append(line.strip())
                else:
                    field = None
            return notes
    return []


def license_file_text(package: str, faces: list[dict]) -> str:
    from fontTools.ttLib import TTFont
    head = []
    for face in faces:
        index = face_index(face["source"], face["postscript"]) if face["method"] == "subset" else -1
        f = TTFont(face["source"], fontNumber=index, lazy=True)
        head.append(f"Copyright notice in {face['file']} (name ID 0): {f['name'].getDebugName(0)}")
    head += [
        f"Copyright in the Debian package {package} (/usr/share/doc/{package}/copyright):",
        *("  " + n for n in debian_copyright_notices(package)),
        "",
        "The fonts are licensed under the SIL Open Font License, Version 1.1, reproduced below",
        f"verbatim from /usr/share/doc/{package}/copyright.",
        "",
    ]
    return "\n".join(head) + "\n" + debian_license_text(package)


def face_index(ttc: str, postscript: str) -> int:
    from fontTools.ttLib import TTCollection
    coll = TTCollection(ttc, lazy=True)
    for i, font in enumerate(coll.fonts):
        if font["name"].getDebugName(6) == postscript:
            return i
    raise SystemExit(f"{ttc}: no face with PostScript name {postscript}")


def subset_face(src: str, index: int, out: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    font = TTFont(src, fontNumber=index, lazy=False, recalcTimestamp=False)
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.layout_scripts = list(LAYOUT_SCRIPTS)
    opts.layout_closure = True
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.name_legacy = True
    opts.notdef_outline = True
    opts.glyph_names = True
    opts.legacy_kern = True
    opts.symbol_cmap = True
    opts.legacy_cmap = True
    opts.hinting = True
    opts.drop_tables = []
    opts.passthrough_tables = True
    opts.prune_unicode_ranges = False
    opts.prune_codepage_ranges = False
    opts.recalc_timestamp = False
    opts.recalc_bounds = False
    cmap = font.getBestCmap()
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=cmap.keys())
    sub.subset(font)
    font.recalcTimestamp = False
    font.save(str(out))
    # The subset must map exactly the code points the SC face maps.
    check = TTFont(str(out), lazy=True)
    if set(check.getBestCmap()) != set(cmap):
        raise SystemExit(f"{out.name}: subset lost code points")


def describe(path: Path) -> dict:
    from fontTools.ttLib import TTFont
    f = TTFont(str(path), lazy=True)
    return dict(
        font_version=f["name"].getDebugName(5),
        glyphs=f["maxp"].numGlyphs,
        code_points=len(f.getBestCmap()),
        outlines="CFF" if "CFF " in f else "TrueType",
    )


def build(dest: Path, quiet: bool = False) -> dict:
    """Build every face, licence file and the manifest into `dest` (an empty directory)."""
    import fontTools
    import yaml
    entries = []
    for face in FACES:
        src = face["source"]
        if not os.path.exists(src):
            raise SystemExit(f"{src} not found; run: apt-get install fonts-noto-cjk fonts-lxgw-wenkai")
        pkg, version = package_of(src)
        out = dest / face["file"]
        index = None
        if face["method"] == "subset":
            index = face_index(src, face["postscript"])
            if not quiet:
                print(f"subsetting {face['file']} from {src} (face {index}) ...", flush=True)
            subset_face(src, index, out)
        else:
            if not quiet:
                print(f"copying {face['file']} from {src} ...", flush=True)
            shutil.copyfile(src, out)
        info = describe(out)
        entries.append(dict(
            file=face["file"], family=face["family"], style=face["style"], weight=face["weight"],
            role=face["role"], postscript_name=face["postscript"], **info,
            size=out.stat().st_size, sha256=sha256_file(out), license=face["license"],
            processing=PROCESSING[face["method"]],
            source=dict(package=pkg, version=version, file=src,
                        **({"face_index": index} if index is not None else {}),
                        sha256=sha256_file(src)),
        ))
    licenses = []
    for name, lic in LICENSES.items():
        text = license_file_text(lic["package"], [f for f in FACES if f["license"] == name])
        (dest / name).write_text(text, encoding="utf-8")
        licenses.append(dict(file=name, package=lic["package"],
                             source=f"/usr/share/doc/{lic['package']}/copyright",
                             sha256=sha256_file(dest / name)))
    total = sum(e["size"] for e in entries) + sum((dest / l["file"]).stat().st_size for l in licenses)
    manifest = dict(
        about="Fonts shipped with typeset; rebuilt by fonts/build_fonts.py "
              "(apt-get install fonts-noto-cjk fonts-lxgw-wenkai; python fonts/build_fonts.py). "
              "Verify with: python fonts/build_fonts.py --verify",
        builder=dict(script="fonts/build_fonts.py", fonttools=fontTools.version),
        budget_bytes=BUDGET_BYTES,
        total_bytes=total,
        fonts=entries,
        licenses=licenses,
    )
    if total > BUDGET_BYTES:
        raise SystemExit(f"fonts/ would be {total} bytes, over the {BUDGET_BYTES} byte budget")
    with open(dest / "manifest.yaml", "w", encoding="utf-8") as f:
        f.write("# Generated by fonts/build_fonts.py; do not edit by hand.\n")
        yaml.safe_dump(manifest, f, sort_keys=False, allow_unicode=True, width=100)
    return manifest


def shipped_files() -> list[str]:
    return [f["file"] for f in FACES] + list(LICENSES) + ["manifest.yaml"]


def cmd_build() -> int:
    with tempfile.TemporaryDirectory(prefix="typeset-fonts-") as tmp:
        manifest = build(Path(tmp))
        for name in shipped_files():
            staged = FONTS_DIR / f".{name}.tmp"
            shutil.copyfile(Path(tmp) / name, staged)
            os.replace(staged, FONTS_DIR / name)
    print(f"fonts/: {len(manifest['fonts'])} faces, {manifest['total_bytes']} bytes")
    return 0


def cmd_verify() -> int:
    import yaml
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    problems = []
    total = 0
    for entry in manifest["fonts"] + manifest["licenses"]:
        path = FONTS_DIR / entry["file"]
        if not path.exists():
            problems.append(f"{entry['file']}: missing")
            continue
        total += path.stat().st_size
        if sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['file']}: sha256 differs from manifest.yaml")
    for entry in manifest["fonts"]:
        src = entry["source"]
        if os.path.exists(src["file"]) and sha256_file(src["file"]) != src["sha256"]:
            problems.append(f"{entry['file']}: installed source {src['file']} differs from the one "
                            f"it was built from ({src['package']} {src['version']})")
    for lic in manifest["licenses"]:
        if os.path.exists(lic["source"]):
            body = debian_license_text(lic["package"])
            if not (FONTS_DIR / lic["file"]).read_text(encoding="utf-8").endswith(body):
                problems.append(f"{lic['file']}: licence text is not verbatim from {lic['source']}")
    if total != manifest["total_bytes"]:
        problems.append(f"total size {total} != manifest total_bytes {manifest['total_bytes']}")
    if total > BUDGET_BYTES:
        problems.append(f"fonts/ is {total} bytes, over the {BUDGET_BYTES} byte budget")
    for p in problems:
        print(f"verify: {p}", file=sys.stderr)
    if not problems:
        print(f"verify: ok ({len(manifest['fonts'])} faces, {total} bytes)")
    return 1 if problems else 0


def cmd_check_rebuild() -> int:
    with tempfile.TemporaryDirectory(prefix="typeset-fonts-") as tmp:
        build(Path(tmp))
        bad = [n for n in shipped_files()
               if not (FONTS_DIR / n).exists()
               or sha256_file(Path(tmp) / n) != sha256_file(FONTS_DIR / n)]
    for n in bad:
        print(f"check-rebuild: {n} differs from a fresh rebuild", file=sys.stderr)
    if not bad:
        print("check-rebuild: ok (a fresh rebuild gives identical bytes)")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--verify", action="store_true", help="check shipped files against manifest.yaml")
    g.add_argument("--check-rebuild", action="store_true",
                   help="rebuild into a temporary directory and compare bytes")
    args = ap.parse_args(argv)
    if args.verify:
        return cmd_verify()
    if args.check_rebuild:
        return cmd_check_rebuild()
    return cmd_build()


if __name__ == "__main__":
    sys.exit(main())
