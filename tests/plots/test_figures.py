"""Every figure from small real results directories, in every format, without simulating."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ceasemon as cm
from ceasemon import plots
from ceasemon.experiment import runner
from ceasemon.model import simulation

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}
#: Smallest plausible size of a figure with axes, text and data, by format (bytes).
MIN_BYTES = {"png": 20_000, "svg": 20_000, "pdf": 8_000}
WHERE = {
    "timeseries": "run",
    "line": "run",
    "delays": "run",
    "attribution": "run",
    "deterrence": "run",
    "compare": "compare",
    "sweep": "sweep",
}


def check_file(path, fmt):
    data = path.read_bytes()
    assert len(data) > MIN_BYTES[fmt], f"{path.name}: only {len(data)} bytes"
    if fmt == "svg":
        assert b"<svg" in data[:2000]
    else:
        assert data.startswith(MAGIC[fmt])


@pytest.fixture
def no_simulation(results, monkeypatch):
    """Any attempt to simulate (directly or through the runner) fails the test.

    The results directories are made first (that runs simulations), then simulating is refused.
    """
    for name in ("run", "map", "compare", "sweep", "sweep3"):
        results[name]

    def refuse(*args, **kwargs):
        raise AssertionError("a figure function ran a simulation")

    monkeypatch.setattr(simulation, "simulate", refuse)
    monkeypatch.setattr(runner, "run_replication", refuse)
    monkeypatch.setattr(runner, "run_chunk", refuse)


@pytest.mark.parametrize("fmt", plots.FORMATS)
@pytest.mark.parametrize("kind", plots.KINDS)
def test_every_kind_in_every_format(results, kind, fmt, no_simulation):
    d = results[WHERE[kind]]
    written = plots.plot(d, kind, fmt)
    stem = "sweep_collapsed" if kind == "sweep" else kind
    assert written == [d / f"{stem}.{fmt}"]
    check_file(written[0], fmt)


@pytest.mark.parametrize("fmt", plots.FORMATS)
def test_a_polyline_adds_the_map_view(results, fmt, no_simulation):
    written = plots.plot(results["map"], "line", fmt)
    assert [p.name for p in written] == [f"line.{fmt}", f"line_map.{fmt}"]
    for p in written:
        check_file(p, fmt)


def test_all_draws_the_figures_that_fit_each_directory(results, no_simulation):
    names = {p.name for p in plots.plot(results["run"])}
    assert names == {f"{k}.png" for k in plots.RUN_KINDS}
    assert [p.name for p in plots.plot(results["compare"])] == ["compare.png"]
    assert [p.name for p in plots.plot(results["sweep"])] == ["sweep_collapsed.png"]
    # a comparison's scenario subdirectories are run directories
    sub = results["compare"] / "no-guarantee"
    assert [p.name for p in plots.plot(sub, "deterrence")] == ["deterrence.png"]


def test_figure_functions_take_results_or_paths_and_return_figures(results, no_simulation):
    from matplotlib.figure import Figure

    res = cm.load_results(results["run"])
    for func in plots.FIGURES.values():
        assert isinstance(func(res), Figure)
        assert isinstance(func(results["run"]), Figure)
    assert isinstance(plots.compare_figure(results["compare"], ["breaches"]), Figure)
    fig = plots.sweep_figure(results["sweep"], "detected_share", "coalition.quorum")
    assert isinstance(fig, Figure)


def test_sweep_with_three_parameters_has_a_panel_per_other_value(results, no_simulation):
    fig = plots.sweep_figure(
        results["sweep3"], "collapsed", x="coalition.decision_window", y="coalition.quorum"
    )
    heatmaps = [ax for ax in fig.axes if ax.images]
    assert len(heatmaps) == 2
    assert {ax.get_title(loc="left") for ax in heatmaps} == {
        "attribution.analysts = 8",
        "attribution.analysts = 16",
    }


def test_figures_have_titles_labels_and_legends(results, no_simulation):
    res = cm.load_results(results["run"])
    fig = plots.timeseries_figure(res)
    assert fig._suptitle is not None and "baseline" in fig._suptitle.get_text()
    for ax in fig.axes:
        assert ax.get_title(loc="left") and ax.get_ylabel() == "per day"
    assert fig.axes[-1].get_xlabel() == "day since the ceasefire started"
    fig = plots.delays_figure(res)
    assert fig.legends and fig.legends[0].get_title().get_text() == "breach type"
    fig = plots.deterrence_figure(res)
    surv, inten = fig.axes[:2]
    assert surv.get_ylabel() == "probability the ceasefire still holds"
    assert "Greenwood" in " ".join(t.get_text() for t in surv.get_legend().get_texts())
    assert inten.get_ylabel() == "breach rate / baseline rate"
    fig = plots.line_figure(res)
    assert fig.axes[-1].get_xlabel() == "km along the contact line"


def test_figures_of_a_run_whose_replications_all_failed(results, tmp_path, monkeypatch):
    def boom(model, seq, **options):
        raise RuntimeError("model bug")

    monkeypatch.setattr(simulation, "simulate", boom)
    with pytest.raises(cm.ReplicationsFailedError) as failed:
        cm.run("baseline", 2, 1, overrides={"duration": "5d"}, backend="serial")
    res = failed.value.result  # what the run produced, kept for a look
    assert len(res.replications) == 0 and len(res.sectors) == 0
    res.save(tmp_path / "empty")
    written = plots.plot(tmp_path / "empty")
    assert len(written) == len(plots.RUN_KINDS)
    for p in written:  # axes, titles and a "no data" note
        assert p.read_bytes().startswith(MAGIC["png"]) and p.stat().st_size > 5_000


def test_drawing_neither_imports_pyplot_nor_changes_the_backend(results):
    code = (
        "import sys, matplotlib\n"
        "matplotlib.use('svg')\n"
        "from ceasemon import plots\n"
        f"plots.plot({str(results['run'])!r}, 'deterrence')\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
        "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
