"""Verification of docs/model.md section "4 Reporting and coalition" (and "5 Response").

The pipeline in front of the coalition is made transparent: one full-coverage
detector with p = 1, no latency, no service time, a confusion row that always
names the aggressor, and urgent reporting for every severity, so every
aggressor breach starts its own decision at the moment of the breach.  All
nations ratify.  Decisions draw their delays and votes independently, so the
share of decisions reaching quorum has a binomial standard error.

* Fixed delays d_j, weights w_j, support 1: the coalition decides at the
  weighted order statistic  min{ d : sum_{j: d_j <= d} w_j >= q sum_j w_j },
  if that is within the decision window (else never); with quorum 0 at once.
* Exponential delays (mean m), n equal weights, support 1: the decision comes
  at the k-th order statistic of n exponentials, k = ceil(q n), with
  E = m sum_{i<k} 1/(n - i) and Var = m^2 sum_{i<k} 1/(n - i)^2.
* Random votes (support s_j < 1), independent: P(quorum) is the sum over the
  sets of yes-voters whose weight reaches q W of prod s_j prod (1 - s_j), with
  s_j replaced by s_j P(d_j <= window) for random delays; for equal weights a
  binomial tail.  ``analytic.quorum_probability`` must agree with an
  independent enumeration (a convolution of the yes-weight distribution).
* Support decay: a nation voting at time t says yes with probability
  support (1 - decay)^(t / 365); with one nation (any quorum > 0) a decision
  reported at t_r with delay d succeeds with exactly that probability at t_r + d.
"""

import math

import numpy as np
import pytest
from scipy import stats
from verification_tools import binomial_se, check, check_share, replications

from ceasemon.model import analytic
from ceasemon.model.simulation import build_model

DURATION = 500.0


def coalition_scenario(
    make_scenario, nations, quorum, window, duration=DURATION, decay=0.0, **changes
):
    return make_scenario(
        {
            "duration": f"{duration:g}d",
            "parties.red.rates_per_day": {"shot": 2},
            "parties.blue.rates_per_day": {},
            "sensors": {"ears": {"coverage": "full", "p_detect": {"shot": 1.0, "shell": 1.0}}},
            "attribution.service_time": "0s",
            "attribution.confusion.red": {"red": 1.0},
            "reporting.urgent_severity": 0,
            "coalition": {
                "quorum": quorum,
                "decision_window": f"{window:g}d",
                "support_decay_per_year": decay,
                "nations": nations,
            },
            **changes,
        }
    )


def decisions(recs, window, duration=DURATION):
    """(t_report, delay to decision or NaN) of decisions whose window ends inside the run."""
    t, d = [], []
    for rec in recs:
        dec = rec.decisions
        keep = dec.t_report <= duration - window - 1.0
        t.append(dec.t_report[keep])
        d.append(dec.t_decided[keep] - dec.t_report[keep])
    return np.concatenate(t), np.concatenate(d)


def weighted_order_statistic(delays, weights, quorum, window):
    """The first delay at which the cumulative weight of (yes) voters reaches the quorum."""
    need = quorum * sum(weights)
    if need <= 0:
        return 0.0
    acc = 0.0
    for d, w in sorted(zip(delays, weights, strict=True)):
        if d > window:
            break
        acc += w
        if acc >= need - 1e-9:
            return d
    return math.nan


def yes_weight_distribution(weights, yes):
    """Distribution of the weight of yes votes (a convolution over nations)."""
    dist = {0.0: 1.0}
    for w, p in zip(weights, yes, strict=True):
        new: dict[float, float] = {}
        for total, q in dist.items():
            new[total + w] = new.get(total + w, 0.0) + q * p
            new[total] = new.get(total, 0.0) + q * (1 - p)
        dist = new
    return dist


def quorum_enumeration(weights, yes, quorum):
    need = quorum * sum(weights)
    return sum(q for w, q in yes_weight_distribution(weights, yes).items() if w >= need - 1e-9)


WEIGHTED = {  # weight, delay (days), support
    "A": (2.0, 2.0, 0.9),
    "B": (1.0, 4.0, 0.6),
    "C": (3.0, 1.0, 0.5),
    "D": (1.5, 7.0, 0.7),
}


def nations_of(table, support=None):
    return {
        name: {
            "weight": w,
            "ratification": 1,
            "delay": f"{d:g}d",
            "support": s if support is None else support,
        }
        for name, (w, d, s) in table.items()
    }


@pytest.mark.parametrize(
    ("quorum", "window"), [(0.6, 20.0), (0.8, 20.0), (0.9, 20.0), (0.9, 5.0), (0.0, 20.0)]
)
def test_fixed_delays_decide_at_the_weighted_order_statistic(make_scenario, quorum, window):
    nations = nations_of(WEIGHTED, support=1.0)
    model = build_model(coalition_scenario(make_scenario, nations, quorum, window))
    weights = [v[0] for v in WEIGHTED.values()]
    delays = [v[1] for v in WEIGHTED.values()]
    expected = weighted_order_statistic(delays, weights, quorum, window)
    recs = replications(model, root=701, n=1)
    _, got = decisions(recs, window)
    assert len(got) > 500
    if math.isnan(expected):
        assert np.isnan(got).all()
    else:
        np.testing.assert_allclose(got, expected, atol=1e-9)
    # the same through the events: t_decided - t_reported of the aggressor's incidents
    ev = recs[0].events
    sel = ev["t_reported"] <= DURATION - window - 1.0
    np.testing.assert_allclose(ev["t_decided"][sel] - ev["t_reported"][sel], expected, atol=1e-9)


def test_exponential_delays_decide_at_the_kth_order_statistic(make_scenario):
    n, mean, quorum, window = 5, 3.0, 0.6, 60.0
    nations = {
        f"N{i}": {
            "ratification": 1,
            "delay": {"dist": "exponential", "mean": f"{mean:g}d"},
            "support": 1,
        }
        for i in range(n)
    }
    model = build_model(coalition_scenario(make_scenario, nations, quorum, window))
    k = math.ceil(quorum * n)
    e = mean * sum(1 / (n - i) for i in range(k))
    var = mean**2 * sum(1 / (n - i) ** 2 for i in range(k))
    _, got = decisions(replications(model, root=702, n=12), window)
    assert np.isfinite(got).all()
    check(
        f"time to quorum = order statistic k={k} of {n} exponential delays (d)",
        got.mean(),
        e,
        math.sqrt(var / len(got)),
    )


def test_random_votes_reach_quorum_with_the_weighted_subset_probability(make_scenario):
    quorum, window = 0.6, 20.0
    model = build_model(coalition_scenario(make_scenario, nations_of(WEIGHTED), quorum, window))
    weights = [v[0] for v in WEIGHTED.values()]
    support = [v[2] for v in WEIGHTED.values()]
    expected = quorum_enumeration(weights, support, quorum)
    members = np.ones(len(weights), bool)
    got = analytic.quorum_probability(model.coalition, members, np.array([support]))[0]
    assert got == pytest.approx(expected, rel=1e-12)
    _, delay = decisions(replications(model, root=703, n=12), window)
    check_share(
        "weighted random votes: share of decisions reaching quorum", np.isfinite(delay), expected
    )
    # the time of a successful decision is one of the possible order statistics
    assert set(np.unique(np.round(delay[np.isfinite(delay)], 9))) <= {1.0, 2.0, 4.0, 7.0}


def test_random_votes_and_delays_reach_quorum_with_the_binomial_probability(make_scenario):
    n, s, mean, quorum, window = 5, 0.8, 5.0, 0.6, 4.0
    nations = {
        f"N{i}": {
            "ratification": 1,
            "delay": {"dist": "exponential", "mean": f"{mean:g}d"},
            "support": s,
        }
        for i in range(n)
    }
    model = build_model(coalition_scenario(make_scenario, nations, quorum, window))
    yes = s * (1 - math.exp(-window / mean))  # votes yes and in time
    k = math.ceil(quorum * n)
    expected = float(stats.binom.sf(k - 1, n, yes))
    assert quorum_enumeration([1.0] * n, [yes] * n, quorum) == pytest.approx(expected)
    got = analytic.quorum_probability(model.coalition, np.ones(n, bool), np.full((1, n), yes))[0]
    assert got == pytest.approx(expected, rel=1e-12)
    recs = replications(model, root=704, n=12)
    _, delay = decisions(recs, window)
    check_share(
        "binomial random votes and delays: share reaching quorum", np.isfinite(delay), expected
    )
    # a decision reaching quorum is answered by a response (one rung fits every severity)
    resp = np.concatenate(
        [r.decisions.t_response[r.decisions.t_report <= DURATION - window - 1.0] for r in recs]
    )
    np.testing.assert_array_equal(np.isfinite(resp), np.isfinite(delay))


def test_support_decays_by_the_yearly_rate(make_scenario):
    s, decay, delay_d, duration = 0.9, 0.5, 2.0, 1095.0
    nations = {"A": {"ratification": 1, "delay": f"{delay_d:g}d", "support": s}}
    model = build_model(
        coalition_scenario(make_scenario, nations, 0.5, 10.0, duration=duration, decay=decay)
    )
    # the model's view: P(yes) on breach day t is s (1 - decay)^((t + delay) / 365)
    days = np.array([0.0, 100.0, 365.0, 1000.0])
    p_view = analytic.response_probability(model, np.ones(1, bool), days, np.random.default_rng(0))
    np.testing.assert_allclose(p_view[:, 0], s * (1 - decay) ** ((days + delay_d) / 365))

    t_report, delay = decisions(replications(model, root=705, n=6), 10.0, duration)
    p = s * (1 - decay) ** ((t_report + delay_d) / 365.0)
    hit = np.isfinite(delay)
    check(
        "support decay: decisions reaching quorum (all years)",
        hit.sum(),
        p.sum(),
        math.sqrt(np.sum(p * (1 - p))),
    )
    for year in range(3):
        sel = (t_report >= 365 * year) & (t_report < 365 * (year + 1))
        check(
            f"support decay: share reaching quorum in year {year + 1}",
            hit[sel].mean(),
            p[sel].mean(),
            math.sqrt(np.sum(p[sel] * (1 - p[sel]))) / sel.sum(),
        )


def test_periodic_reports_bundle_a_period_and_take_its_worst_severity(make_scenario):
    """Routine reports (docs/model.md 4) and the response ladder (5).

    With every incident routine (urgent_severity above every severity), named
    aggressor incidents of type t arriving as Poisson(lambda_t) and reported at
    the end of their period (interval 1 d), each period starts a decision iff it
    holds at least one such incident, independently across periods:

        P(decision in a period)                  = 1 - exp(-(lambda_shot + lambda_shell))
        P(severity 5 | decision)                 = (1 - exp(-lambda_shell)) / P(decision)

    and the report waits for the end of the period: E[t_reported - t_attributed]
    = interval / 2 (attribution times uniform within the period).  Support 1,
    so every decision is taken after the nation's delay and answered by the
    last rung at or below its severity after that rung's implementation time.
    """
    lam_shot, lam_shell, duration = 0.4, 0.3, 5000.0
    sc = coalition_scenario(
        make_scenario,
        {"A": {"ratification": 1, "delay": "2d", "support": 1}},
        0.5,
        5.0,
        duration=duration,
        **{
            "parties.red.rates_per_day": {"shot": lam_shot, "shell": lam_shell},
            "reporting.urgent_severity": 10,
        },
    )
    model = build_model(sc)
    (rec,) = replications(model, root=706, n=1)
    dec = rec.decisions
    periods = int(duration) - 1  # reports at days 1 .. T-1 (the one at T closes no period)
    assert np.all(dec.t_report == np.round(dec.t_report))
    p_dec = 1 - math.exp(-(lam_shot + lam_shell))
    check(
        "routine reports: share of periods with a decision",
        len(dec.t_report) / periods,
        p_dec,
        binomial_se(p_dec, periods),
    )
    p5 = (1 - math.exp(-lam_shell)) / p_dec
    check_share("routine reports: share of decisions of severity 5", dec.severity == 5, p5)
    # ladder: severity 5 -> economic after 10 d, else diplomatic after 1 d; decided after 2 d
    done = dec.t_report <= duration - 2 - 10
    np.testing.assert_allclose(dec.t_decided[done] - dec.t_report[done], 2.0)
    impl = np.where(dec.severity[done] >= 5, 10.0, 1.0)
    np.testing.assert_allclose(dec.t_response[done] - dec.t_decided[done], impl)
    economic = model.labels().actions.index("economic")
    diplomatic = model.labels().actions.index("diplomatic")
    np.testing.assert_array_equal(
        dec.action[done], np.where(dec.severity[done] >= 5, economic, diplomatic)
    )
    ev = rec.events
    rep = np.isfinite(ev["t_reported"])
    wait = ev["t_reported"][rep] - ev["t_attributed"][rep]
    check(
        "routine reports: mean wait for the report = interval / 2 (d)",
        wait.mean(),
        0.5,
        math.sqrt(1 / 12 / len(wait)),
    )
