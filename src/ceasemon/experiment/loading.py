"""Reading any results directory back: a run's, a comparison's or a sweep's.

The results layer reads a run (``results.load_run``); comparisons and sweeps are
experiments, whose results classes live with them, so the one entry point that
reads every kind lives here, above both.
"""

from __future__ import annotations

import os

from ..results import RunResult, load_run, read_manifest
from .compare import CompareResult, load_comparison
from .sweep import SweepResult, load_sweep


def load_results(path: str | os.PathLike[str]) -> RunResult | CompareResult | SweepResult:
    """Read a results directory written by ``run``, ``compare`` or ``sweep``.

    Returns:
        A ``RunResult``, ``CompareResult`` or ``SweepResult``, by the kind
        recorded in the directory's manifest.

    Raises:
        UserError: the directory is missing.
        ResultsError: it is not a complete results directory, or a file in it is
            missing, damaged or disagrees with the manifest (the message names it).
    """
    kind = read_manifest(path).get("kind", "run")
    if kind == "compare":
        return load_comparison(path)
    if kind == "sweep":
        return load_sweep(path)
    return load_run(path)
