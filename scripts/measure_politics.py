"""Measure what version 2's politics (issue 16) change in the packaged scenarios.

Reproduces every number of docs/model.md, "What version 2's politics change (measured)":

    PYTHONPATH=src .venv/bin/python scripts/measure_politics.py            # 30 replications, seed 1
    PYTHONPATH=src .venv/bin/python scripts/measure_politics.py -n 4       # a quick look

Each group of rows is one ``ceasemon.compare`` (common random numbers, process backend), so the
differences are paired replication by replication; each comparison is also written to
``<out>/<group>`` (``ceasemon compare``'s results directory). The table prints, for each metric,
the reference's mean with its 95% interval, the variant's, and the paired difference (variant
minus reference) with its 95% interval, the intervals being the ones ``compare`` uses (Wilson /
Newcombe for ``collapsed``, t-intervals clipped to the metric's range otherwise).

Counts per year are RATES over the simulated days: a run stops at a collapse ("events after a
collapse are not simulated", docs/model.md), so ``decisions_per_year`` is ``decisions /
(collapse_day if collapsed else duration) * 365`` in each replication (plain t-intervals).

Groups whose name ends in ``no-offensive`` set ``aggressor.offensive: null`` in every scenario:
the ceasefire never collapses, so the whole year is simulated and events after day 60 (the US
ratification at ~180 d, the jamming at 90 d, the election shock at 182 d) can act. Takes about
two minutes on two cores (under ten on a slow machine). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import ceasemon as cm
from ceasemon.experiment.compare import paired_difference
from ceasemon.measures.metrics import info_of, summarize

NO_OFFENSIVE = {"aggressor.offensive": None}
COMMISSION_VARIANTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("baseline", "baseline", {}),
    ("extraordinary-10", "baseline", {"coalition.commission.extraordinary_severity": 10}),
    ("extraordinary-off", "baseline", {"coalition.commission.extraordinary_severity": None}),
    ("commission-off", "baseline", {"coalition.commission": None}),
)
US_DAY_0 = {"coalition.nations.US.ratification": {"probability": 1.0, "delay": "0d"}}
FULL_COST = {"response.cost_scaling": "full"}
PACKAGED = (
    ("baseline", "baseline", {}),
    ("us-never-ratifies", "us-never-ratifies", {}),
    ("jammed-donetsk", "jammed-donetsk", {}),
    ("election-shock", "election-shock", {}),
)
RATES = ("decisions", "responses", "cost_imposed")
COMMISSION_METRICS = (
    "decisions_per_year",
    "responses_per_year",
    "collapsed",
    "collapse_day",
    "responded_share",
    "response_delay_d",
)
GUARANTEE_METRICS = ("collapsed", "collapse_day", "aggressor_intensity_mean", "responded_share")
PACKAGED_METRICS = (
    "collapsed",
    "collapse_day",
    "cost_imposed",
    "cost_imposed_per_year",
    "responded_share",
    "members_final",
    "responses",
    "detected_share",
)


@dataclass
class Group:
    """One comparison: scenarios (label, packaged name, overrides), the first the reference."""

    name: str
    scenarios: Sequence[tuple[str, str, dict[str, Any]]]
    metrics: Sequence[str]
    common: dict[str, Any] = field(default_factory=dict)


GROUPS: tuple[Group, ...] = (
    Group("commission", COMMISSION_VARIANTS, COMMISSION_METRICS),
    Group("commission-no-offensive", COMMISSION_VARIANTS, COMMISSION_METRICS, NO_OFFENSIVE),
    Group(
        "guarantee",
        (
            ("baseline", "baseline", {}),
            ("no-guarantee", "no-guarantee", {}),
            ("commission-off", "baseline", {"coalition.commission": None}),
            ("no-guarantee-commission-off", "no-guarantee", {"coalition.commission": None}),
            ("us-member-day-0", "baseline", US_DAY_0),
            ("cost-full", "baseline", FULL_COST),
            ("cost-full-commission-off", "baseline", {**FULL_COST, "coalition.commission": None}),
            ("us-day-0-cost-full", "baseline", {**US_DAY_0, **FULL_COST}),
        ),
        GUARANTEE_METRICS,
    ),
    Group(
        "cost-full-commission",
        (
            ("cost-full", "baseline", FULL_COST),
            ("cost-full-commission-off", "baseline", {**FULL_COST, "coalition.commission": None}),
        ),
        GUARANTEE_METRICS,
    ),
    Group(
        "two-years",
        (("baseline", "baseline", {}), ("no-guarantee", "no-guarantee", {})),
        ("collapsed", "collapse_day"),
        {"duration": "730d"},
    ),
    Group("packaged", PACKAGED, PACKAGED_METRICS),
    Group("packaged-no-offensive", PACKAGED, PACKAGED_METRICS, NO_OFFENSIVE),
)


def scenario(name: str, label: str, overrides: dict[str, Any], common: dict[str, Any]) -> Any:
    """A packaged scenario with overrides, renamed to its label (compare labels by name)."""
    return cm.load_scenario(name, overrides={**common, **overrides, "name": label})


def with_rates(result: Any) -> pd.DataFrame:
    """The replication table plus ``<count>_per_year`` over the simulated days."""
    reps = result.replications.set_index("replication").copy()
    collapsed = reps["collapsed"].to_numpy(float) == 1.0
    days = np.where(collapsed, reps["collapse_day"].to_numpy(float), result.scenario.duration)
    for count in RATES:
        reps[f"{count}_per_year"] = reps[count].to_numpy(float) / days * 365.0
    return reps


def info(metric: str) -> Any:
    """The metric's declared interval, none (plain t) for the derived rates."""
    return None if metric.endswith("_per_year") else info_of(metric)


def fmt(mean: float, low: float, high: float) -> str:
    """``mean [low, high]`` with three significant digits (NaN shown as nan)."""

    def g(x: float) -> str:
        if not math.isfinite(x):
            return "nan"
        return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"

    return f"{g(mean)} [{g(low)}, {g(high)}]"


def group_rows(group: Group, cmp: Any) -> list[dict[str, str]]:
    """Rows of the printed table for one comparison."""
    labels = list(cmp.results)
    tables = {label: with_rates(cmp.results[label]) for label in labels}
    span = max(float(cmp.results[label].scenario.duration) for label in labels)
    ref = labels[0]
    rows = []
    for metric in group.metrics:
        if group.common.get("aggressor.offensive", "") is None and metric.startswith("collapse"):
            continue  # no offensive: never collapses, collapse_day has no value
        a = tables[ref][metric]
        s_ref = summarize(a.to_numpy(float), info=info(metric), duration=span)
        for label in labels[1:]:
            b = tables[label][metric].reindex(a.index)
            s = summarize(b.to_numpy(float), info=info(metric), duration=span)
            d = paired_difference(
                a.to_numpy(float), b.to_numpy(float), info=info(metric), duration=span
            )
            rows.append(
                {
                    "group": group.name,
                    "metric": metric,
                    "reference": f"{ref} {fmt(s_ref['mean'], s_ref['ci_low'], s_ref['ci_high'])}",
                    "variant": f"{label} {fmt(s['mean'], s['ci_low'], s['ci_high'])}",
                    "difference": fmt(d["diff"], d["ci_low"], d["ci_high"]),
                }
            )
    return rows


def nan_report(group: Group, cmp: Any) -> list[str]:
    """Metrics whose mean is NaN in a scenario, with why when no number belongs there.

    ``collapse_day`` has no value without a collapse and ``response_delay_d`` none without a
    response; any other NaN mean is flagged UNEXPECTED.
    """
    out = []
    table = cmp.comparison
    for r in table[table["mean"].isna()].itertuples():
        reps = cmp.results[r.scenario].replications
        if r.metric == "collapse_day" and reps["collapsed"].sum() == 0:
            why = "no collapse"
        elif r.metric == "response_delay_d" and reps["responses"].sum() == 0:
            why = "no response"
        else:
            why = "UNEXPECTED"
        out.append(f"{group.name}: {r.scenario} {r.metric} (n={r.n}): {why}")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Run every group and print the table and the NaN means."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--replications", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("-o", "--out", default="/tmp/meas", help="parent of the results directories")
    ap.add_argument("--groups", default="", help="comma-separated group names (default: all)")
    args = ap.parse_args(argv)
    wanted = set(filter(None, args.groups.split(",")))
    rows: list[dict[str, str]] = []
    nans: list[str] = []
    for group in GROUPS:
        if wanted and group.name not in wanted:
            continue
        scs = [scenario(name, label, ov, group.common) for label, name, ov in group.scenarios]
        cmp = cm.compare(
            scs,
            replications=args.replications,
            seed=args.seed,
            backend="process",
            jobs=args.jobs,
            quiet=True,
            out_dir=f"{args.out}/{group.name}",
            force=True,
        )
        rows += group_rows(group, cmp)
        nans += nan_report(group, cmp)
        print(f"done: {group.name} ({cmp.manifest['wall_seconds']:.0f} s)", flush=True)
    with pd.option_context("display.max_rows", None, "display.width", 250):
        print(pd.DataFrame(rows).to_string(index=False))
    print("\nNaN means (metric without a value in every replication):")
    print("\n".join(nans) if nans else "none")


if __name__ == "__main__":
    main()
