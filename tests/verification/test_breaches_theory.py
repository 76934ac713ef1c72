"""Verification of docs/model.md section "1 Contact line and breaches".

Checked against closed forms, through ``simulate`` (events columns and ``metrics``):

* each party's breaches of each type are a Poisson process: over independent
  replications of length T the count has mean = variance = rate * T;
* retaliation thins the aggressor's process (probability q) and shifts it by the
  delay d: the defender's count is Poisson(rate_d * T + q * rate_a * (T - d));
* a breach's sector has probability length * weight * party weight / total,
  and its position is uniform inside the sector.
"""

import math

import numpy as np
import pytest
from verification_tools import BREACH, check, replications

from ceasemon.measures.metrics import metrics
from ceasemon.model.simulation import build_model

T = 5.0  # days per replication
N_REPS = 400


def sample_variance_se(mean: float, n: int) -> float:
    """SE of the sample variance of n Poisson(mean) counts.

    Var(s^2) = (mu4 - sigma^4 (n - 3) / (n - 1)) / n, with the Poisson central
    moments sigma^2 = mean and mu4 = mean (1 + 3 mean).
    """
    mu4 = mean * (1.0 + 3.0 * mean)
    return math.sqrt((mu4 - mean**2 * (n - 3) / (n - 1)) / n)


def test_counts_per_party_and_type_are_poisson(make_scenario):
    rates = {("red", "shot"): 20.0, ("red", "shell"): 5.0, ("blue", "shot"): 10.0}
    rates[("blue", "shell")] = 2.0
    model = build_model(
        make_scenario({"duration": f"{T:g}d", "parties.blue.rates_per_day.shell": 2})
    )
    recs = replications(model, root=101, n=N_REPS)
    parties = model.labels().parties
    types = model.labels().types
    counts = {key: [] for key in rates}
    per_metric = {"aggressor_breaches": [], "defender_breaches": [], "breaches_shot": []}
    for rec in recs:
        ev = rec.events
        b = ev["kind"] == BREACH
        for party, type_ in rates:
            sel = b & (ev["party"] == parties.index(party)) & (ev["type"] == types.index(type_))
            counts[(party, type_)].append(int(sel.sum()))
        m = metrics(rec)
        for k in per_metric:
            per_metric[k].append(m[k])
    for (party, type_), rate in rates.items():
        x = np.asarray(counts[(party, type_)], float)
        mean = rate * T
        check(f"breaches {party}/{type_}: mean count", x.mean(), mean, math.sqrt(mean / N_REPS))
        check(
            f"breaches {party}/{type_}: count variance",
            x.var(ddof=1),
            mean,
            sample_variance_se(mean, N_REPS),
        )
    # the same through metrics(): sums of independent Poisson counts are Poisson
    for name, rate in [("aggressor_breaches", 25.0), ("defender_breaches", 12.0)]:
        x = np.asarray(per_metric[name])
        check(f"metrics {name}: mean", x.mean(), rate * T, math.sqrt(rate * T / N_REPS))
    x = np.asarray(per_metric["breaches_shot"])
    check("metrics breaches_shot: mean", x.mean(), 30 * T, math.sqrt(30 * T / N_REPS))


def test_retaliation_adds_a_thinned_shifted_copy_of_the_aggressor(make_scenario):
    q, d = 0.5, 1.0
    model = build_model(
        make_scenario(
            {
                "duration": f"{T:g}d",
                "parties.blue.retaliation": {"probability": q, "delay": f"{d:g}d"},
            }
        )
    )
    recs = replications(model, root=102, n=N_REPS)
    own, answers = [], []
    for rec in recs:
        ev = rec.events
        blue = (ev["kind"] == BREACH) & (ev["party"] == model.defender_index)
        own.append(int((blue & ~ev["retaliation"]).sum()))
        answers.append(int((blue & ev["retaliation"]).sum()))
        # an answer is at the place and of the type of an aggressor breach d earlier
        red = (ev["kind"] == BREACH) & (ev["party"] == model.aggressor_index)
        ans = blue & ev["retaliation"]
        key_red = set(
            zip(
                np.round(ev["t_breach"][red] + d, 9),
                ev["position_km"][red],
                ev["type"][red],
                strict=True,
            )
        )
        key_ans = set(
            zip(
                np.round(ev["t_breach"][ans], 9),
                ev["position_km"][ans],
                ev["type"][ans],
                strict=True,
            )
        )
        assert key_ans <= key_red
    # own breaches: Poisson(10 T); answers: Poisson(q * 25 * (T - d)) (answers after T are lost)
    for name, x, mean in [
        ("defender own breaches", own, 10 * T),
        ("retaliations", answers, q * 25 * (T - d)),
    ]:
        x = np.asarray(x, float)
        check(f"{name}: mean count", x.mean(), mean, math.sqrt(mean / N_REPS))
        check(f"{name}: count variance", x.var(ddof=1), mean, sample_variance_se(mean, N_REPS))


SECTORS = [
    {"name": "a", "start_km": 0, "end_km": 20, "terrain": "open", "weight": 1},
    {"name": "b", "start_km": 20, "end_km": 50, "terrain": "forest", "weight": 0.5},
    {"name": "c", "start_km": 50, "end_km": 100, "terrain": "urban", "weight": 2},
]
PARTY_WEIGHTS = {"red": {"a": 2}, "blue": {"c": 0.5}}


@pytest.mark.parametrize("party", ["red", "blue"])
def test_sectors_by_length_times_weights_and_positions_uniform_within(make_scenario, party):
    model = build_model(
        make_scenario(
            {
                "duration": "300d",
                "contact_line.sectors": SECTORS,
                "parties.red.sector_weights": PARTY_WEIGHTS["red"],
                "parties.blue.sector_weights": PARTY_WEIGHTS["blue"],
                "sensors.ears.count": 10,
            }
        )
    )
    # closed form: sector mass = length * weight * party weight (missing party weights are 1)
    mass = np.array(
        [
            (s["end_km"] - s["start_km"]) * s["weight"] * PARTY_WEIGHTS[party].get(s["name"], 1.0)
            for s in SECTORS
        ]
    )
    share = mass / mass.sum()
    recs = replications(model, root=103, n=2)
    index = model.labels().parties.index(party)
    pos, sec = [], []
    for rec in recs:
        ev = rec.events
        sel = (ev["kind"] == BREACH) & (ev["party"] == index)
        pos.append(ev["position_km"][sel])
        sec.append(ev["sector"][sel])
    pos, sec = np.concatenate(pos), np.concatenate(sec)
    n = len(pos)
    names = model.line.names
    for k, s in enumerate(SECTORS):
        j = names.index(s["name"])
        inside = sec == j
        # sectors are drawn independently per breach: a multinomial share
        check(
            f"{party} breaches in sector {s['name']}: share",
            inside.mean(),
            share[k],
            math.sqrt(share[k] * (1 - share[k]) / n),
        )
        u = (pos[inside] - s["start_km"]) / (s["end_km"] - s["start_km"])
        assert u.min() >= 0 and u.max() < 1
        m = len(u)
        # uniform: mean 1/2 (sd 1/sqrt(12)), and each tenth of the sector holds 1/10
        check(
            f"{party} sector {s['name']}: mean relative position",
            u.mean(),
            0.5,
            1 / math.sqrt(12 * m),
        )
        tenths = np.bincount(np.minimum((u * 10).astype(int), 9), minlength=10) / m
        for i, t in enumerate(tenths):
            check(
                f"{party} sector {s['name']}: share in tenth {i}",
                t,
                0.1,
                math.sqrt(0.09 / m),
            )
