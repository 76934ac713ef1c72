"""docs/extending.md's stage example, run as written: both engines, bounds, derived times."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from test_engines import assert_identical

from ceasemon.measures.metrics import metrics
from ceasemon.model import timing
from ceasemon.model.build import PIPELINE, build_model, with_stage
from ceasemon.model.coalition import Coalition
from ceasemon.model.simulation import simulate
from ceasemon.model.streams import replication_seed

DOC = Path(__file__).resolve().parents[2] / "docs" / "extending.md"


@pytest.fixture(scope="module")
def vetting():
    """The ``Vetting`` stage, from the one unindented python block of the page."""
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert len(blocks) == 1, "the page has one top-level python block: the stage example"
    namespace: dict = {}
    exec(compile(blocks[0], str(DOC), "exec"), namespace)
    return namespace["Vetting"]


@pytest.fixture
def scenario(make_scenario):
    """MINIMAL with an adaptive aggressor that learns, for a few weeks."""
    return make_scenario(
        {"aggressor.policy": "adaptive", "aggressor.responsiveness": 2.0, "duration": "40d"}
    )


def test_both_engines_agree_with_the_added_stage(vetting, scenario):
    model = build_model(scenario, with_stage("vetting", vetting))
    fast = simulate(model, replication_seed(4, 0))
    slow = simulate(model, replication_seed(4, 0), engine="simpy")
    assert np.isfinite(fast.decisions.t_decided).sum() > 20
    assert_identical(fast, slow)


def test_decisions_wait_as_long_as_the_stage_declares_and_one_in_ten_is_stopped(vetting, scenario):
    pipeline = with_stage("vetting", vetting)
    model = build_model(scenario, pipeline)
    vet, coal = vetting.delay(scenario), Coalition.delay(scenario)
    waited, stopped, started = [], 0, 0
    for i in range(6):
        rec = simulate(model, replication_seed(9, i))
        d = rec.decisions
        done = np.isfinite(d.t_decided)
        waited.append(d.t_decided[done] - d.t_report[done])
        # MINIMAL's nations both say yes with probability >= 0.8 (2 d and 4 d delays, window
        # 20 d): a report that passed vetting is decided unless both say no or it ran out of
        # time; a stopped report is never decided.  Count the reports far from the end.
        early = d.t_report < rec.end_time - (vet.longest + coal.longest)
        stopped += int((early & ~done).sum())
        started += int(early.sum())
    waited = np.concatenate(waited)
    assert (waited >= vet.least + 2.0 - 1e-9).all()  # a day's review + the quickest vote (2 d)
    assert (waited <= vet.longest + coal.longest + 1e-9).all()
    # P(not decided | early) = 0.1 + 0.9 * P(no quorum); quorum needs A (weight 2 of 3 > 0.5
    # of 3) or... A alone has 2/3 >= 0.5: P(no quorum) = P(A says no and B too) <= 0.1 * 0.2.
    # So the share lies in [0.1, 0.1 + 0.9 * 0.02] = [0.1, 0.118]; 4 binomial SEs around it.
    p_lo, p_hi = 0.1, 0.1 + 0.9 * 0.02
    se = math.sqrt(p_hi * (1 - p_lo) / started)
    assert p_lo - 4 * se <= stopped / started <= p_hi + 4 * se


def test_the_derived_times_include_the_added_stage(vetting, scenario):
    pipeline = with_stage("vetting", vetting)
    # MINIMAL: least lag 3 d (quickest vote 2 d + quickest rung 1 d); deadline 30 d
    # (window 20 d + slowest rung 10 d).  The stage adds its least (1 d) and longest (13 d).
    assert timing.response_lag(scenario, pipeline=PIPELINE) == 3.0
    assert timing.response_lag(scenario, pipeline=pipeline) == 4.0
    assert timing.learning_deadline(scenario, pipeline=pipeline) == 30.0 + 13.0
    model = build_model(scenario, pipeline)
    assert [type(s).__name__ for s in model.stages][3:5] == ["Reporting", "Vetting"]


def test_the_rational_aggressors_view_includes_the_added_stage(vetting, make_scenario):
    from ceasemon.model.analytic import View, pipeline_passage

    sc = make_scenario({"aggressor.policy": "rational"})
    members = np.ones(2, bool)
    plain = build_model(sc)
    vetted = build_model(sc, with_stage("vetting", vetting))
    a = pipeline_passage(View(plain, members, np.zeros(1), np.random.default_rng(0)))
    b = pipeline_passage(View(vetted, members, np.zeros(1), np.random.default_rng(0)))
    assert b.probability == pytest.approx(a.probability * 0.9, rel=1e-12)
    assert b.delay == pytest.approx(a.delay + 3.0, rel=1e-12)
    # and a run with the stage still produces finite metrics
    m = metrics(simulate(vetted, replication_seed(1, 0)))
    assert math.isfinite(m["breaches"])
