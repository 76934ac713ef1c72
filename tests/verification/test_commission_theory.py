"""The Special Commission against its rules and closed forms (MODEL 8).

Set-up: one nation, support 1, a vote one hour after the referral, quorum 0.5, a fixed
aggressor, every report urgent (``urgent_severity`` 0: a report per incident, leaving the
moment the incident is attributed).  Aggressor breaches form a homogeneous Poisson process;
detection latency and service are fixed (minutes), and with 4 analysts for a few dozen
incidents a day the queue is nearly always empty, so report times are a Poisson process too
(a fixed shift of one).  Tolerances are 4 standard errors of the quantity tested.
"""

from __future__ import annotations

import math

import numpy as np

from ceasemon.model.build import build_model
from ceasemon.model.simulation import simulate
from ceasemon.model.streams import replication_seed

T = 120.0  # days
VOTE = 1 / 24  # the nation's vote delay
DELIB = 2.0  # days from a meeting to the referral
WEEK = 7.0


def _model(make_scenario, commission: dict, **changes):
    base = {
        "coalition.nations": {
            "A": {"weight": 1, "ratification": 1, "delay": "1h", "support": 1.0},
        },
        "reporting.urgent_severity": 0,
        "duration": f"{T:g}d",
        "coalition.commission": commission,
    }
    return build_model(make_scenario({**base, **changes}))


def _run(model, seed: int = 5):
    rec = simulate(model, replication_seed(seed, 0))
    ev = rec.events
    named = np.asarray(ev["attributed"]) == 0  # verdicts naming the aggressor (red, party 0)
    reported = named & np.isfinite(np.asarray(ev["t_reported"]))
    return rec, ev, reported


def test_weekly_cases_are_the_meetings_that_had_evidence_and_the_wait_is_uniform(make_scenario):
    # Meetings at 7, 14, ... (< T).  A meeting has a case iff some aggressor-named report
    # arrived since the previous one (min_incidents 1): recounted here from the events table,
    # exactly.  Each named incident's decision comes at (next meeting) + DELIB + VOTE after
    # its report; with Poisson report times, given the counts, the report times are i.i.d.
    # uniform within each week, so the wait to the meeting is i.i.d. U(0, 7): mean 3.5,
    # sd 7 / sqrt(12).  The mean of n waits is within 4 sd / sqrt(n) of 3.5.
    model = _model(make_scenario, {"meeting_interval": "7d", "deliberation": f"{DELIB:g}d"})
    rec, ev, named = _run(model)
    t_rep = np.asarray(ev["t_reported"])[named]
    meetings = np.arange(1, math.ceil(T / WEEK)) * WEEK
    meetings = meetings[meetings < T]
    week = np.searchsorted(meetings, t_rep, side="left")  # meeting index each report goes to
    with_evidence = np.unique(week[week < len(meetings)])
    assert len(rec.decisions.t_report) == len(with_evidence) > 10
    assert np.allclose(rec.decisions.t_report, meetings[with_evidence])
    # the case column: the incidents of one meeting share its case number, in meeting order
    case = np.asarray(ev["case"])[named]
    held = week < len(meetings)
    assert np.array_equal(case[held], np.searchsorted(with_evidence, week[held]))
    assert np.isnan(case[~held]).all()  # reported after the last meeting: no case yet
    t_dec = np.asarray(ev["t_decided"])[named]
    ok = np.isfinite(t_dec)
    wait = t_dec[ok] - t_rep[ok] - DELIB - VOTE
    assert wait.min() >= -1e-9 and wait.max() <= WEEK + 1e-9
    n = len(wait)
    assert n > 300
    tol = 4 * (WEEK / math.sqrt(12)) / math.sqrt(n)
    assert abs(wait.mean() - WEEK / 2) <= tol, (wait.mean(), tol, n)


def test_a_standard_of_evidence_never_met_gives_no_case(make_scenario):
    # min_incidents above every aggressor-named incident of the run: nothing is ever referred,
    # so no decision and no response, and no incident has a case.
    model = _model(make_scenario, {"meeting_interval": "7d", "min_incidents": 100_000})
    rec, ev, named = _run(model)
    assert named.sum() > 100  # there was evidence, only never enough
    assert len(rec.decisions.t_report) == 0
    assert np.isnan(np.asarray(ev["case"])).all()
    assert not np.isfinite(np.asarray(ev["t_response"])).any()


def test_evidence_carries_over_until_the_standard_is_met(make_scenario):
    # min_incidents 3 with daily meetings: a meeting refers a case iff the incidents carried
    # over plus those reported since reach 3; replayed here from the events table, exactly.
    model = _model(make_scenario, {"meeting_interval": "1d", "min_incidents": 3})
    rec, ev, named = _run(model)
    t_rep = np.sort(np.asarray(ev["t_reported"])[named])
    pooled, expected = 0, []
    for m in np.arange(1, math.ceil(T)):
        if m >= T:
            break
        pooled += int(((t_rep > m - 1) & (t_rep <= m)).sum())
        if pooled >= 3:
            expected.append(float(m))
            pooled = 0
    assert len(expected) > 5
    assert np.allclose(rec.decisions.t_report, expected)


def test_extraordinary_sessions_make_one_case_per_qualifying_incident(make_scenario):
    # No regular meeting inside the run (interval longer than it) and only shells (severity 5,
    # at the extraordinary threshold) from the aggressor: each aggressor-named shell report
    # calls a meeting at once, so one case per such incident (continuous times: no two at one
    # instant), decided exactly DELIB + VOTE after its report.  (The defender's shots that are
    # blamed on the aggressor, severity 1, call no meeting: they join the next shell's case.)
    model = _model(
        make_scenario,
        {"meeting_interval": "1000d", "deliberation": f"{DELIB:g}d", "extraordinary_severity": 5},
        **{"parties.red.rates_per_day": {"shot": 0, "shell": 5}},
    )
    rec, ev, named = _run(model)
    named &= np.asarray(ev["severity"]) >= 5
    n = int(named.sum())
    assert n > 100
    assert len(rec.decisions.t_report) == n
    case = np.asarray(ev["case"])[named]
    assert np.array_equal(np.sort(case), np.arange(n))
    t_rep = np.asarray(ev["t_reported"])[named]
    t_dec = np.asarray(ev["t_decided"])[named]
    ok = np.isfinite(t_dec)
    assert ok.sum() > 0.9 * n  # all but the last days' (decided after the end)
    assert np.allclose(t_dec[ok] - t_rep[ok], DELIB + VOTE)


def test_below_the_extraordinary_threshold_incidents_wait_for_the_regular_meeting(make_scenario):
    # Shots (severity 1) below the threshold 5 wait for the weekly meeting unless a shell's
    # extraordinary meeting comes first: no shot's decision comes sooner than DELIB + VOTE after
    # the first meeting at or after its report, of either kind.
    model = _model(
        make_scenario,
        {"meeting_interval": "7d", "deliberation": f"{DELIB:g}d", "extraordinary_severity": 5},
    )
    _, ev, named = _run(model)
    shell = np.asarray(ev["severity"]) >= 5
    t_rep = np.asarray(ev["t_reported"])
    calls = np.unique(t_rep[named & shell])
    regular = np.arange(1, math.ceil(T / WEEK)) * WEEK
    meetings = np.union1d(calls, regular[regular < T])
    shots = named & ~shell & np.isfinite(np.asarray(ev["t_decided"]))
    nxt = meetings[np.searchsorted(meetings, t_rep[shots], side="left")]
    assert shots.sum() > 100
    assert np.allclose(np.asarray(ev["t_decided"])[shots], nxt + DELIB + VOTE)
