"""Profile one baseline replication-year (fixed and adaptive) and list the hot spots.

Usage::

    python benchmarks/hotspots.py [--policy fixed|adaptive|both] [--top 15] [--days 365]
                                  [--sensors-factor 10]

With ``--pyinstrument`` (``pip install -e ".[bench]"``, which ``make bench`` does) the
replication runs under pyinstrument's sampling profiler instead and its call tree is printed:
no per-call overhead, so small numpy calls are not overweighted.

Runs ``simulate`` under cProfile after a warm-up run and prints, per policy,
the functions with the most own time (``tottime``) and the most time
including callees (``cumtime``), each as a share of the replication's total.
cProfile adds a cost per Python call, so functions that make many small calls
look somewhat heavier than they are; use py-spy for a sampling profile if in
doubt (``py-spy record -o out.svg -- python benchmarks/hotspots.py``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import probes


def warm_model(policy: str, days: int, seed: int, sensors: float):
    """The baseline model for ``policy`` and ``days``, after one warm-up replication.

    ``sensors`` scales every positioned group as the bench's scaling section
    does (10 gives the 20,000-sensor row).
    """
    from bench import sensor_overrides

    from ceasemon.model.simulation import build_model, simulate

    overrides = {"aggressor.policy": policy, "duration": f"{days}d"}
    if policy == "fixed":
        overrides["aggressor.offensive"] = None  # a fixed aggressor has no offensive
    if sensors != 1.0:
        overrides.update(sensor_overrides(sensors)[0])
    if policy == "adaptive":
        overrides["aggressor.offensive"] = None  # the full period, no collapse
    model = build_model(probes.load(overrides))
    simulate(model, 10_000 + seed)
    return model


def profile(policy: str, days: int, top: int, seed: int = 1, sensors: float = 1.0) -> str:
    """Profile one replication under cProfile; return the report text."""
    from ceasemon.model.simulation import simulate

    model = warm_model(policy, days, seed, sensors)
    prof = cProfile.Profile()
    prof.enable()
    simulate(model, seed)
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt
    out = io.StringIO()
    n = sum(len(g.positions) for g in model.groups if not g.full)
    out.write(f"== {policy}: {days} d, {n:,} sensors, {total:.3f} s under cProfile ==\n")
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():
        where = func if file == "~" else f"{Path(file).name}:{line}({func})"
        rows.append((where, nc, tt, ct))
    for key, label in ((2, "own time (tottime)"), (3, "including callees (cumtime)")):
        out.write(f"-- top {top} by {label}\n")
        out.write(f"{'share':>7} {'seconds':>8} {'calls':>9}  function\n")
        for where, nc, tt, ct in sorted(rows, key=lambda r: -r[key])[:top]:
            v = tt if key == 2 else ct
            out.write(f"{100 * v / total:6.1f}% {v:8.3f} {nc:9d}  {where}\n")
    return out.getvalue()


def profile_sampling(policy: str, days: int, seed: int = 1, sensors: float = 1.0) -> str:
    """One replication under pyinstrument (a sampling profiler); its call tree as text."""
    from pyinstrument import Profiler

    from ceasemon.model.simulation import simulate

    model = warm_model(policy, days, seed, sensors)
    prof = Profiler(interval=0.0005)
    prof.start()
    simulate(model, seed)
    prof.stop()
    return prof.output_text(unicode=False, color=False)


def main() -> int:
    """Profile the requested policies and print the reports."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policy", choices=("fixed", "adaptive", "both"), default="both")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument(
        "--sensors-factor", type=float, default=1.0, help="scale positioned groups (10: 20,000)"
    )
    ap.add_argument(
        "--pyinstrument", action="store_true", help="sampling profile (needs the bench extra)"
    )
    a = ap.parse_args()
    policies = ("fixed", "adaptive") if a.policy == "both" else (a.policy,)
    for pol in policies:
        if a.pyinstrument:
            print(profile_sampling(pol, a.days, sensors=a.sensors_factor))
        else:
            print(profile(pol, a.days, a.top, sensors=a.sensors_factor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
