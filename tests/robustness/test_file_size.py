"""A scenario file is refused by its size before it is read.

A 3 GB file used to be read whole (3.2 GB of memory, 34 s) before the 5 MB refusal.  The loader
now looks at the size first and reads at most one byte past the limit, so a huge (here sparse)
file is refused at once, in constant memory, and a file whose reported size is wrong (it grows,
or is a special file) still cannot make it read more.
"""

from __future__ import annotations

import os
import time
import tracemalloc

import pytest
from click.testing import CliRunner

from ceasemon.cli import cli
from ceasemon.scenario import ScenarioError, load_scenario
from ceasemon.scenario import loader as loader_module

LIMIT = loader_module._MAX_FILE_BYTES
MIB = 1024 * 1024


def sparse(path, size: int):
    with open(path, "wb") as f:
        f.truncate(size)  # no data blocks: costs nothing to make, 100 MB to read
    return path


def refused_within(path, seconds: float, peak_bytes: int) -> ScenarioError:
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ScenarioError) as info:
            load_scenario(str(path))
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f} s to refuse"
    assert peak < peak_bytes, f"peak {peak / MIB:.1f} MiB to refuse"
    return info.value


def test_a_huge_file_is_refused_without_reading_it(tmp_path):
    path = sparse(tmp_path / "huge.yaml", 100 * 10**6)
    exc = refused_within(path, seconds=1.0, peak_bytes=2 * MIB)
    (p,) = exc.problems
    assert p.file == str(path)
    assert p.message == (
        f"the file is 100,000,000 bytes; a scenario file may be at most {LIMIT:,} bytes"
    )


def test_the_cli_refuses_it_with_exit_2(tmp_path):
    path = sparse(tmp_path / "huge.yaml", 100 * 10**6)
    r = CliRunner().invoke(cli, ["validate", str(path)])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"error: {path}: the file is 100,000,000 bytes")


def test_an_extended_parent_is_checked_by_size_too(tmp_path):
    sparse(tmp_path / "parent.yaml", LIMIT + 1)
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: c\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="at most") as info:
        load_scenario(str(child))
    assert "parent.yaml" in str(info.value)


def test_one_byte_over_the_limit_is_refused_and_the_limit_itself_is_not(tmp_path):
    over = sparse(tmp_path / "over.yaml", LIMIT + 1)
    with pytest.raises(ScenarioError, match=f"is {LIMIT + 1:,} bytes"):
        load_scenario(str(over))
    at = sparse(tmp_path / "at.yaml", LIMIT)  # read (all NUL bytes), then refused for them
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(at))
    assert "at most" not in str(info.value) and "U+0000" in str(info.value)


def test_a_file_whose_size_is_misreported_is_read_no_further(tmp_path, monkeypatch):
    # a file that grows after the stat, or a special file reporting size 0: the read is bounded
    real_fstat = os.fstat

    def lying_fstat(fd):
        st = real_fstat(fd)
        return os.stat_result((*st[:6], 0, *st[7:]))

    monkeypatch.setattr(loader_module.os, "fstat", lying_fstat)
    path = sparse(tmp_path / "huge.yaml", 100 * 10**6)
    exc = refused_within(path, seconds=1.0, peak_bytes=LIMIT + 2 * MIB)
    assert exc.problems[0].message == (
        f"the file is more than {LIMIT:,} bytes; a scenario file may be at most {LIMIT:,} bytes"
    )
