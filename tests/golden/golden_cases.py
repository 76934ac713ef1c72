"""The golden cases: short baseline runs under each aggressor policy, fixed seeds."""

from __future__ import annotations

import math

import ceasemon as cm
from ceasemon.measures.metrics import metrics
from ceasemon.model.simulation import build_model, simulate
from ceasemon.model.streams import replication_seed

CASES = {
    "fixed": {"aggressor.policy": "fixed", "aggressor.offensive": None, "duration": "45d"},
    "adaptive": {"duration": "45d", "aggressor.offensive.window": "20d"},
    "rational": {"aggressor.policy": "rational", "duration": "45d"},
    "slow-politics": {"duration": "45d"},
}
SEED = 20260106
REPLICATIONS = 3


def compute(name: str) -> list[dict[str, float | None]]:
    """Per-replication metrics of one case (NaN written as None)."""
    scenario = "slow-politics" if name == "slow-politics" else "baseline"
    model = build_model(cm.load_scenario(scenario, overrides=CASES[name]))
    rows = []
    for i in range(REPLICATIONS):
        m = metrics(simulate(model, replication_seed(SEED, i)))
        rows.append({k: (None if math.isnan(v) else v) for k, v in m.items()})
    return rows
