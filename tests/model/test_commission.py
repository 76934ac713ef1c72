"""The commission stage: its declared delays, the rational wait, one meeting per instant."""

from __future__ import annotations

import numpy as np
import pytest

from ceasemon.model import timing
from ceasemon.model.analytic import View
from ceasemon.model.build import build_model
from ceasemon.model.reporting import Reports
from ceasemon.model.streams import Streams


def _model(make_scenario, **commission):
    return build_model(make_scenario({"coalition.commission": commission}))


def test_without_a_commission_the_stage_holds_nothing(make_scenario):
    model = build_model(make_scenario())
    assert not model.commission.enabled
    assert model.commission.passage(None).delay == 0.0


@pytest.mark.parametrize(
    ("report_interval", "meeting", "routine_wait"),
    [
        # daily reports, weekly meetings: a report waits 0..6 days, equally often: mean 3
        ("1d", "7d", 3.0),
        # reports every 7 days land on meetings: no wait
        ("7d", "1d", 0.0),
        # reports every 1.5 d, daily meetings: waits 0.5 and 0 in turn: mean 0.25
        ("1.5d", "1d", 0.25),
    ],
)
def test_the_rational_view_waits_for_the_meeting_by_phase(
    make_scenario, report_interval, meeting, routine_wait
):
    # MINIMAL: shot (severity 1) is routine, shell (5) urgent; deliberation 2 d is added to both;
    # an urgent report leaves at any time, so it waits half an interval on average
    model = build_model(
        make_scenario(
            {
                "reporting.report_interval": report_interval,
                "coalition.commission": {"meeting_interval": meeting, "deliberation": "2d"},
            }
        )
    )
    view = View(model, np.ones(2, bool), np.zeros(1), np.random.default_rng(0))
    m = float(meeting.rstrip("d"))
    assert np.allclose(model.commission.passage(view).delay, [routine_wait + 2, m / 2 + 2])


def test_an_extraordinary_type_waits_for_no_meeting(make_scenario):
    model = _model(make_scenario, meeting_interval="7d", extraordinary_severity=5)
    view = View(model, np.ones(2, bool), np.zeros(1), np.random.default_rng(0))
    assert np.allclose(model.commission.passage(view).delay, [3.0, 0.0])


def test_the_step_bound_and_the_deadline_include_the_commission(make_scenario):
    # MINIMAL: least report-to-response 3 d, deadline 30 d (tests/model/test_stages.py); a
    # commission adds its least deliberation (1 d) and its longest (7 d interval + 1 d)
    sc = make_scenario({"coalition.commission": {"meeting_interval": "7d", "deliberation": "1d"}})
    assert timing.response_lag(sc) == 4.0
    assert timing.learning_deadline(sc) == 38.0


def test_one_meeting_per_instant_and_evidence_carried_over(make_scenario):
    model = _model(make_scenario, meeting_interval="7d", min_incidents=2)
    run = model.commission.start(Streams(np.random.SeedSequence(1)), np.array([1.0, 5.0, 1.0]))
    rep = Reports(np.array([1.0]), np.array([1.0]), np.array([0]), np.array([0]))
    assert run.file(rep, np.array([1.0])).size == 0  # no extraordinary threshold
    assert run.meet(7.0) is None  # one incident: below the standard, carried over
    rep2 = Reports(np.array([8.0]), np.array([5.0]), np.array([1]), np.array([0]))
    run.file(rep2, np.array([8.0]))
    case = run.meet(14.0)
    assert case is not None and list(case) == [0, 1] and run.count == 1
    assert run.meet(14.0) is None  # the same instant: the same meeting
