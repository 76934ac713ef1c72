"""Every figure kind from tiny and degenerate results directories, with warnings as errors.

One or two replications (no spread, no t-interval), a run whose replications all failed (empty
tables), and metrics that never exist (``collapse_day`` without a collapse): no numpy
RuntimeWarning ('Mean of empty slice', 'invalid value encountered') and no matplotlib layout
warning may come out of drawing or saving a figure.
"""

from __future__ import annotations

import contextlib
import warnings

import pytest

import ceasemon as cm
from ceasemon import plots
from ceasemon.errors import CeasemonWarning
from ceasemon.model import simulation

SHORT = {"duration": "3d"}
QUIET = {"backend": "serial", "quiet": True}
GRID = {"coalition.decision_window": ["5d", "30d"], "coalition.quorum": [0.3, 0.6]}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Results directories made once: run1, run2, run0 (all failed), compare1, sweep1."""
    root = tmp_path_factory.mktemp("tiny-results")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CeasemonWarning)  # "all replications failed"
        cm.run("baseline", 1, 5, overrides=SHORT, events=True, out_dir=root / "run1", **QUIET)
        cm.run("baseline", 2, 5, overrides=SHORT, out_dir=root / "run2", **QUIET)
        pair = ["baseline", "no-guarantee"]
        cm.compare(pair, 1, 5, overrides=SHORT, out_dir=root / "cmp1", **QUIET)
        cm.sweep("baseline", GRID, 1, 5, overrides=SHORT, out_dir=root / "sweep1", **QUIET)
        with pytest.MonkeyPatch.context() as mp:

            def boom(model, seq, **options):
                raise RuntimeError("model bug")

            mp.setattr(simulation, "simulate", boom)
            with contextlib.suppress(Exception):  # the API may refuse a run that all failed
                cm.run("baseline", 2, 5, overrides=SHORT, out_dir=root / "run0", **QUIET)
    return root


CASES = [(d, k, ()) for d in ("run1", "run2", "run0") for k in plots.RUN_KINDS]
CASES += [
    ("cmp1", "compare", ()),
    ("cmp1", "compare", ("collapsed", "collapse_day", "response_delay_d", "detected_share")),
    ("sweep1", "sweep", ("collapsed", "collapse_day", "detected_share", "response_delay_d")),
]


@pytest.mark.parametrize(("where", "kind", "metrics"), CASES)
def test_figures_of_tiny_results_raise_no_warning(tiny, where, kind, metrics):
    d = tiny / where
    if not (d / "manifest.json").exists():
        pytest.skip(f"{where} was not written (the API refused a run whose replications failed)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = plots.plot(d, kind, "png", metrics=metrics)
    assert written and all(p.stat().st_size > 5_000 for p in written)
