"""The golden baseline: a fixed run's metrics must not move unless regenerated on purpose.

Counts must match exactly; real-valued metrics to 1e-9 relative (the last bits of
vectorised exp/log may differ between CPUs).  If this fails after a change meant to alter
results, run ``make golden`` and commit golden.json with the reason.
"""

import json
import math
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from golden_cases import CASES, compute  # noqa: E402

GOLDEN = json.loads((HERE / "golden.json").read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_metrics_unchanged(name):
    got = compute(name)
    want = GOLDEN[name]
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.keys() == w.keys()
        for key in w:
            a, b = g[key], w[key]
            if b is None:
                assert a is None, f"{name}[{i}].{key}: {a} is no longer NaN"
            elif float(b).is_integer() and key not in ("collapse_day",):
                assert a == b, f"{name}[{i}].{key}: {a} != golden {b} (run make golden if intended)"
            else:
                assert a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (
                    f"{name}[{i}].{key}: {a} != golden {b} (run make golden if intended)"
                )
