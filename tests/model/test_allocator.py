"""The allocator setting: freed temporaries are reused instead of faulted in again.

Each case runs in a fresh interpreter (the setting is per process) and counts
minor page faults, not time: ten temporaries of 1.6 MB made and freed 50 times
fault about 390 pages each with glibc's defaults and none once the memory is
kept.
"""

import os
import subprocess
import sys

import pytest

PROBE = """
import resource, sys
import numpy as np
from ceasemon.model.kernels.allocator import keep_freed_memory
print(keep_freed_memory())

def work():
    arrays = [np.ones(200_000) for _ in range(10)]
    return sum(float(a[0]) for a in arrays)

for _ in range(5):
    work()
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    work()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 50)
"""

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"),
    reason="the setting applies to glibc's malloc only",
)


def probe(**env: str) -> tuple[str, float]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    full.pop("CEASEMON_MALLOC_TUNING", None)
    full.update(env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=full, capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], float(out[1])


@glibc
def test_kept_memory_is_reused_without_page_faults():
    applied, faults = probe()
    assert applied == "True"
    assert faults < 50  # ten 1.6 MB temporaries would be about 3,900 faulted pages


@glibc
@pytest.mark.parametrize(
    "env", [{"CEASEMON_MALLOC_TUNING": "0"}, {"MALLOC_TRIM_THRESHOLD_": "131072"}]
)
def test_the_setting_can_be_refused_and_glibc_variables_win(env):
    applied, faults = probe(**env)
    assert applied == "False"
    assert faults > 1000  # glibc gives the blocks back and faults them in again


def test_simulate_applies_the_setting(monkeypatch):
    import ceasemon as cm
    from ceasemon.model import simulation
    from ceasemon.model.engines import draws

    calls = []
    monkeypatch.setattr(draws, "keep_freed_memory", lambda: calls.append(1))
    simulation.simulate(cm.load_scenario("baseline", {"duration": "2d"}), 1)
    assert calls == [1]
