"""Damaged results directories are bad input: ``ResultsError`` naming the file, ``plot`` exit 2.

A results directory may be truncated by a full disk elsewhere, copied half-way, edited by
hand or replaced piece by piece.  ``cm.load_results`` checks the manifest's shape and every
table in one place (``ceasemon.results``): it either raises ``ResultsError`` naming the file
or loads a result equal to the one that was saved; ``ceasemon plot`` exits 0 or 2, never 1,
never with a traceback.  The fuzz test below applies seeded random damage to a small run.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import ceasemon as cm
from ceasemon.cli import cli

RUN_TABLES = ["replications", "timeseries", "sectors", "confusion", "delays"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("saved") / "run"
    res = cm.run("baseline", 2, 7, overrides={"duration": "3d"}, backend="serial", quiet=True)
    res.save(d)
    return d


@pytest.fixture(scope="module")
def saved_sweep(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("saved") / "sweep"
    cm.sweep(
        "baseline",
        {"coalition.quorum": [0.5, 0.6]},
        1,
        7,
        overrides={"duration": "2d"},
        backend="serial",
        quiet=True,
        out_dir=d,
    )
    return d


@pytest.fixture
def copy_of(tmp_path):
    def make(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copytree(src, dst)
        return dst

    return make


def truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])


def random_bytes(p: Path) -> None:
    p.write_bytes(random.Random(p.name).randbytes(700))


def as_directory(p: Path) -> None:
    p.unlink()
    p.mkdir()


EXAMPLES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "truncated parquet": ("replications.parquet", truncate),
    "random parquet": ("timeseries.parquet", random_bytes),
    "missing table": ("replications.parquet", Path.unlink),
    "missing summary": ("summary.json", Path.unlink),
    "manifest {}": ("manifest.json", lambda p: p.write_text("{}")),
    "manifest [1, 2]": ("manifest.json", lambda p: p.write_text("[1, 2]")),
    "table replaced by a directory": ("replications.parquet", as_directory),
    "figure table replaced by a directory": ("sectors.parquet", as_directory),
    "empty replication table": (
        "replications.parquet",
        lambda p: pd.read_parquet(p).iloc[:0].to_parquet(p, index=False),
    ),
    "summary [1]": ("summary.json", lambda p: p.write_text("[1]")),
    "string seed": (
        "manifest.json",
        lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "seed": "7"})),
    ),
}


@pytest.mark.parametrize("case", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_a_damaged_run_is_a_results_error_naming_the_file(saved, copy_of, case):
    name, damage = case
    d = copy_of(saved)
    damage(d / name)
    with pytest.raises(cm.ResultsError) as info:
        cm.load_results(d)
    assert name in str(info.value) and info.value.path.name == name
    assert isinstance(info.value, cm.UserError)
    r = CliRunner().invoke(cli, ["plot", str(d), "--kind", "timeseries", "-q"])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: ") and name in r.stderr
    assert "bug in ceasemon" not in r.stderr and "Traceback" not in r.output


SWEEP_EXAMPLES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "truncated point record": ("points/point-0001.json", truncate),
    "random point table": ("points/point-0000.parquet", random_bytes),
    "missing point table": ("points/point-0000.parquet", Path.unlink),
    "point record [1, 2]": ("points/point-0000.json", lambda p: p.write_text("[1, 2]")),
    "sweep manifest {}": ("manifest.json", lambda p: p.write_text("{}")),
}


@pytest.mark.parametrize("case", SWEEP_EXAMPLES.values(), ids=SWEEP_EXAMPLES.keys())
def test_a_damaged_sweep_is_a_results_error_naming_the_file(saved_sweep, copy_of, case):
    name, damage = case
    d = copy_of(saved_sweep)
    damage(d / name)
    with pytest.raises(cm.ResultsError) as info:
        cm.load_results(d)
    assert Path(name).name in str(info.value)


def test_resume_runs_a_damaged_point_again(saved_sweep, copy_of):
    d = copy_of(saved_sweep)
    truncate(d / "points" / "point-0001.json")
    random_bytes(d / "points" / "point-0000.parquet")
    again = cm.sweep(
        "baseline",
        {"coalition.quorum": [0.5, 0.6]},
        1,
        7,
        overrides={"duration": "2d"},
        backend="serial",
        quiet=True,
        out_dir=d,
        resume=True,
    )
    pd.testing.assert_frame_equal(again.table, cm.load_results(saved_sweep).table)
    pd.testing.assert_frame_equal(cm.load_results(d).table, again.table)


# --------------------------------------------------------------------------- fuzz
def _json_damage(rng: random.Random, p: Path) -> None:
    data = json.loads(p.read_text())
    choice = rng.randrange(4)
    if choice == 0:
        p.write_text(json.dumps(rng.choice([{}, [1, 2], "x", 1, None, {"metrics": []}])))
    elif choice == 1:
        p.write_text(p.read_text()[: rng.randrange(len(p.read_text()))])
    elif choice == 2 and isinstance(data, dict):
        key = rng.choice(
            [
                k
                for k in ("scenario", "seed", "completed", "failed", "metrics", "replications")
                if k in data
            ]
        )
        data[key] = rng.choice(["7", [], {}, None, True, 1.5])
        p.write_text(json.dumps(data))
    else:
        p.write_bytes(rng.randbytes(rng.randrange(1, 300)))


def _parquet_damage(rng: random.Random, p: Path) -> None:
    data = p.read_bytes()
    choice = rng.randrange(5)
    if choice == 0:
        p.write_bytes(data[: rng.randrange(len(data))])
    elif choice == 1:
        p.write_bytes(rng.randbytes(rng.randrange(0, 2000)))
    elif choice == 2:
        p.unlink()
    elif choice == 3:
        as_directory(p)
    else:  # a column gone, or a number column turned into text
        frame = pd.read_parquet(p)
        col = rng.choice(list(frame.columns))
        if rng.random() < 0.5:
            frame = frame.drop(columns=[col])
        else:
            frame[col] = frame[col].astype(str)
        frame.to_parquet(p, index=False)


def damage(rng: random.Random, d: Path) -> str:
    """Apply one seeded random damage to a run's directory; say what was done."""
    files = sorted(p for p in d.iterdir() if p.is_file())
    p = rng.choice(files)
    if p.suffix == ".json":
        _json_damage(rng, p)
    elif p.suffix == ".parquet":
        _parquet_damage(rng, p)
    elif rng.random() < 0.5:  # a CSV or a figure: not read back
        p.unlink()
    else:
        p.write_bytes(rng.randbytes(100))
    if rng.random() < 0.3:
        (d / "notes.txt").write_text("the user's")
    return p.name


def same_result(a, b) -> None:
    assert a.manifest == b.manifest
    for name in ("summary", *RUN_TABLES):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def check_damaged(saved: Path, tmp: Path, seed: int, plot_kind: str) -> None:
    rng = random.Random(seed)
    d = tmp / f"case-{seed}"
    shutil.copytree(saved, d)
    what = [damage(rng, d) for _ in range(rng.choice([1, 1, 2]))]
    try:
        res = cm.load_results(d)
    except cm.ResultsError as exc:
        assert exc.path is not None and exc.path.name in str(exc), (seed, what, exc)
        assert exc.path.name in what or exc.path.name == "run", (seed, what, exc)
    else:
        same_result(res, cm.load_results(saved))
    r = CliRunner().invoke(cli, ["plot", str(d), "--kind", plot_kind, "-q"])
    assert r.exit_code in (0, 2), (seed, what, r.output)
    assert "Traceback" not in r.output and "bug in ceasemon" not in r.output, (seed, what)


@pytest.mark.parametrize("seed", range(10))
def test_fuzz_damaged_results_quick(saved, tmp_path, seed):
    check_damaged(saved, tmp_path, seed, "timeseries")


@pytest.mark.slow
def test_fuzz_damaged_results_long(saved, tmp_path):
    for seed in range(100, 400):
        check_damaged(saved, tmp_path, seed, "all" if seed % 10 == 0 else "timeseries")
