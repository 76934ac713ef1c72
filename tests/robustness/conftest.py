"""The long fuzzing runs here are opt-in: ``pytest -m slow tests/robustness`` runs them.

``make test`` runs the whole suite, ``slow`` tests included; the ``slow`` tests of this
directory only repeat the CI properties on many more examples (minutes each), so they are
skipped unless the marker expression asks for ``slow`` explicitly.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    expr = config.getoption("markexpr") or ""
    if "slow" in expr and "not slow" not in expr:
        return
    skip = pytest.mark.skip(reason="long fuzzing run: select it with -m slow")
    here = str(config.rootpath / "tests" / "robustness")
    for item in items:
        if "slow" in item.keywords and str(item.path).startswith(here):
            item.add_marker(skip)
