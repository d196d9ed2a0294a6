#!/bin/sh
# Rebuild FOGRA39-typeset.icc, the CMYK characterisation embedded in the print (PDF/X) variant.
# Needs Debian's `argyll` (ArgyllCMS colprof) and `icc-profiles-free` (FOGRA39L.ti3, Zlib
# licence) packages; tested with argyll 2.3.1 and icc-profiles-free 2.0.1.  Takes ~2 minutes.
# Run from the repository root:  sh typeset/render/icc/make_fogra39.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp /usr/share/color/icc/FOGRA39L.ti3 "$tmp/FOGRA39L.ti3"
cd "$tmp"
# -qm medium quality A2B/B2A tables; -kr ramp black generation; -l330 total area coverage 330 %
# (ISO 12647-2 coated); -S perceptual/saturation tables gamut-mapped from sRGB; -nc leaves the
# measurement data out of the profile.
colprof -qm -nc -kr -l330 -L100 -S /usr/share/color/argyll/ref/sRGB.icm -cmt -dpp \
  -D "Coated FOGRA39 (typeset, from FOGRA39L data)" \
  -C "Made with ArgyllCMS from FOGRA39L.ti3 (Fogra data, Zlib licence, K.-U. Behrmann); see README" \
  -M "ISO 12647-2:2004 Amd 1, FOGRA39" \
  -O FOGRA39-typeset.icc FOGRA39L
# The header's creation date (bytes 24-35) is set to a fixed value so a rebuild is comparable.
python3 - FOGRA39-typeset.icc <<'PY'
import struct, sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
d[24:36] = struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
open(p, "wb").write(bytes(d))
PY
cp FOGRA39-typeset.icc "$here/FOGRA39-typeset.icc"
echo "wrote $here/FOGRA39-typeset.icc"
