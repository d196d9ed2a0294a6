from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Generated articles are large by design (a page make-up test needs several pages of text) and a
# shared CI machine is slow at times: neither is a defect of the input, so the health checks
# that judge size and speed do not fail a run. Tests that set their own settings say so too.
settings.register_profile("typeset", suppress_health_check=[HealthCheck.data_too_large,
                                                             HealthCheck.too_slow])
settings.load_profile("typeset")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "issues" / "sample" / "issue.yaml"
CORPUS = ROOT.parent / "shared" / "corpus" / "chongqing-sample" / "issue.yaml"


@pytest.fixture(scope="module")
def private_cache(tmp_path_factory):
    """A cache directory of the module's own: font and subset caches start cold."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TYPESET_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="session")
def sample_composition():
    from typeset.build import compose

    return compose(SAMPLE)


@pytest.fixture(scope="session")
def sample_pdf(sample_composition, tmp_path_factory) -> Path:
    """The sample issue written once per session, as the build writes it."""
    from typeset.build import write

    out = tmp_path_factory.mktemp("sample") / "sample.pdf"
    write(sample_composition, out)
    return out


@pytest.fixture(scope="session")
def sample_pdf_text(sample_pdf) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(sample_pdf).pages]
