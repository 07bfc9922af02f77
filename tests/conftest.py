import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # sample_data is a package of the repository, not of the product

SAMPLES = ROOT / "sample_data"


def pytest_collection_modifyitems(config, items):
    """A test marked `libreoffice` is slow, and skipped where LibreOffice is not installed."""
    missing = None
    for item in items:
        if item.get_closest_marker("libreoffice"):
            item.add_marker(pytest.mark.slow)
            if missing is None:
                from perfeval_xl.lo import find_soffice

                missing = find_soffice() is None
            if missing:
                item.add_marker(pytest.mark.skip(reason="LibreOffice (soffice) is not installed"))


def fill_row(level1, level2, level3, nature, target, unit, actual, weight, score=None) -> dict:
    """One indicator row of a template fill (perfeval_xl.write.template); a score only when typed over the formula."""
    row = {"level1": level1, "level2": level2, "level3": level3, "nature": nature, "target": target,
           "unit": unit, "actual": actual, "weight": weight}
    if score is not None:
        row["score"] = score
    return row


@pytest.fixture(scope="session")
def expected():
    return json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
