"""Verification of docs/model.md section "3 Incidents and attribution".

* Verdicts: each incident's verdict is drawn from the confusion row of its true
  party ("none" for false alarms), independently, so per true party the shares
  of the verdicts are the row (multinomial standard errors).  ``metrics``'
  attribution accuracy and false accusations follow: given the counts N_party,
  accuracy = sum_party N_party conf[party][party] / sum N_party and
  E[false accusations] = sum_{row != defender} N_row conf[row][defender].
* False alarms: each up sensor raises Poisson(f) alarms per day, each an
  incident of one detection, so the false-alarm incidents that are verified
  over [w, T] number Poisson(f * n_sensors * (T - w) * P(enough detections)),
  with P(enough) = 1 for min_detections 1 and 0 for 2.  Failing sensors raise
  alarms only while up: the mean becomes f * int_0^T sum_j P(sensor j up at t) dt
  and the variance of this Cox count is mean + f^2 sum_j Var(int_0^T up_j dt).
  A false alarm's type is drawn in proportion to the group's p_detect.
"""

import math

import numpy as np
import pytest
from verification_tools import FALSE_ALARM, check, replications, up_share_moments

from ceasemon.measures.metrics import metrics
from ceasemon.model.records import NOT_ATTRIBUTED, UNKNOWN
from ceasemon.model.simulation import build_model

CONFUSION = {
    "red": {"red": 0.7, "blue": 0.1, "unknown": 0.2},
    "blue": {"red": 0.15, "blue": 0.6, "unknown": 0.25},
    "none": {"red": 0.3, "blue": 0.1, "unknown": 0.6},
}


def test_verdict_shares_are_the_confusion_rows(make_scenario):
    sc = make_scenario(
        {
            "duration": "1000d",
            "sensors": {
                "sat": {
                    "coverage": "full",
                    "p_detect": {"shot": 1.0, "shell": 1.0},
                    "false_alarms_per_day": 10,
                }
            },
            "attribution.confusion": CONFUSION,
            "attribution.service_time": "0s",
        }
    )
    model = build_model(sc)
    (rec,) = replications(model, root=601, n=1)
    ev = rec.events
    # every incident is verified at once (p = 1, no latency, no service time)
    assert not np.any(ev["attributed"] == NOT_ATTRIBUTED)
    parties = model.labels().parties
    code = {name: i for i, name in enumerate(parties)} | {"unknown": UNKNOWN}
    rows = {"red": ev["party"] == code["red"], "blue": ev["party"] == code["blue"]}
    rows["none"] = ev["kind"] == FALSE_ALARM
    n = {}
    for row, sel in rows.items():
        n[row] = int(sel.sum())
        for verdict, p in CONFUSION[row].items():
            share = np.mean(ev["attributed"][sel] == code[verdict])
            se = math.sqrt(p * (1 - p) / n[row])
            check(f"verdicts of true {row}: share '{verdict}'", share, p, se)
    m = metrics(rec)
    acc = CONFUSION["red"]["red"] * n["red"] + CONFUSION["blue"]["blue"] * n["blue"]
    var = sum(CONFUSION[r][r] * (1 - CONFUSION[r][r]) * n[r] for r in ("red", "blue"))
    total = n["red"] + n["blue"]
    check(
        "metrics attribution_accuracy",
        m["attribution_accuracy"],
        acc / total,
        math.sqrt(var) / total,
    )
    mean = sum(CONFUSION[r]["blue"] * n[r] for r in ("red", "none"))
    var = sum(CONFUSION[r]["blue"] * (1 - CONFUSION[r]["blue"]) * n[r] for r in ("red", "none"))
    check("metrics false_accusations", m["false_accusations"], mean, math.sqrt(var))


def false_alarm_scenario(make_scenario, min_detections, failures=False):
    ears = {
        "count": 50,
        "range_km": 3,
        "p_detect": {"shot": 0.6, "shell": 0.8},
        "false_alarms_per_day": 0.2,
    }
    if failures:
        ears |= {"mtbf": "3d", "mttr": "1d"}
    return make_scenario(
        {
            "duration": "100d",
            "warmup": "10d" if not failures else "0d",
            "sensors": {"ears": ears},
            "attribution.min_detections": min_detections,
            "attribution.service_time": "0s",
        }
    )


@pytest.mark.parametrize("min_detections", [1, 2])
def test_false_alarm_incidents(make_scenario, min_detections):
    reps = 10
    model = build_model(false_alarm_scenario(make_scenario, min_detections))
    recs = replications(model, root=602, n=reps)
    counts = np.array([metrics(rec)["false_alarm_incidents"] for rec in recs])
    p_enough = 1.0 if min_detections == 1 else 0.0  # a false alarm is one detection
    mean = 0.2 * 50 * (100 - 10) * p_enough
    label = f"false-alarm incidents, min_detections {min_detections}"
    if p_enough == 0:
        assert counts.sum() == 0, label
        raised = sum(int((rec.events["kind"] == FALSE_ALARM).sum()) for rec in recs)
        assert raised > 0  # alarms were raised, none was verifiable
        return
    # the sum over independent replications is Poisson(reps * mean)
    check(f"{label}: f x sensors x time", counts.mean(), mean, math.sqrt(mean / reps))
    # types in proportion to p_detect: shot 0.6 / 1.4
    ev_types = np.concatenate(
        [rec.events["type"][rec.events["kind"] == FALSE_ALARM] for rec in recs]
    )
    p_shot = 0.6 / 1.4
    check(
        "false alarms: share of type shot = p_shot / sum p",
        np.mean(ev_types == model.types.index("shot")),
        p_shot,
        math.sqrt(p_shot * (1 - p_shot) / len(ev_types)),
    )


def test_false_alarms_of_failing_sensors(make_scenario):
    reps, f, n_sensors, duration, mtbf, mttr = 10, 0.2, 50, 100.0, 3.0, 1.0
    model = build_model(false_alarm_scenario(make_scenario, 1, failures=True))
    counts = np.array(
        [metrics(rec)["false_alarm_incidents"] for rec in replications(model, 603, reps)]
    )
    up_mean, up_var = up_share_moments(mtbf, mttr, 0.0, duration)
    mean = f * n_sensors * duration * up_mean
    var = mean + f**2 * n_sensors * duration**2 * up_var
    check(
        "false-alarm incidents of failing sensors = f x sensors x up time",
        counts.mean(),
        mean,
        math.sqrt(var / reps),
    )
