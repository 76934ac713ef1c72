"""The notebooks in notebooks/ run top to bottom, and are stored without outputs.

Each runs in a fresh kernel (``python3``: the kernel spec that ipykernel installs into the
environment running the tests, so a fresh ``.venv`` finds it) with a temporary working directory,
so the results directories it writes never land in the repository.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))
#: Each notebook must run in under 2 minutes on 2 cores when run alone; under a loaded test run
#: this generous bound only catches a notebook that has grown far too slow.
TIMEOUT_S = 600


def test_the_three_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01-quickstart.ipynb",
        "02-deterrence-frontier.ipynb",
        "03-sensor-layout.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean_and_explained(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    code = [c for c in nb.cells if c.cell_type == "code"]
    prose = [c for c in nb.cells if c.cell_type == "markdown"]
    assert not any(c.outputs or c.execution_count for c in code), "stored outputs"
    assert len(prose) >= 5 and nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source.startswith("# ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    t0 = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    seconds = time.perf_counter() - t0
    print(f"{path.name}: {seconds:.1f} s")
    images = sum(
        "image/png" in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )
    assert images >= 2, "the figures were not displayed"
    assert list(tmp_path.glob("results/*/manifest.json"))
    assert seconds < TIMEOUT_S
