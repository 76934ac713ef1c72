"""Shared test data: the packaged scenario names and the table of bad scenario inputs.

The table is used by test_bad_inputs.py and test_cli_scenario.py.

Each case is one or more files written to a temporary directory (most of them a small file that
extends the packaged baseline and breaks one thing) and the problems loading ``bad.yaml`` must
report: ``(file, dotted key, line, message fragment)``.  Lines count from 1, as an editor shows
them; the first two lines of ``ext(...)`` are ``extends: baseline`` and ``name: bad``.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from importlib import resources

PACKAGED = [
    "baseline",
    "dense-sensors",
    "donbas-2020",
    "election-shock",
    "fixed-aggressor",
    "jammed-donetsk",
    "no-guarantee",
    "slow-politics",
    "us-never-ratifies",
]
MAIN = "bad.yaml"
MARKER = "PWNED"  # a file that a constructed Python object would create


@dataclass(frozen=True)
class Case:
    id: str
    text: str | bytes
    expected: list[tuple[str, str | None, int | None, str]]
    extra_files: dict[str, str] = field(default_factory=dict)


def ext(body: str) -> str:
    """A file that extends the baseline; ``body`` starts on line 3."""
    return "extends: baseline\nname: bad\n" + textwrap.dedent(body)


def _baseline_line(pattern: str) -> int:
    text = (resources.files("ceasemon") / "scenarios" / "baseline.yaml").read_text("utf-8")
    for n, line in enumerate(text.splitlines(), start=1):
        if re.search(pattern, line):
            return n
    raise AssertionError(f"{pattern!r} not in baseline.yaml")


BASE = "package:baseline.yaml"
SCENARIO_REQUIRED = [
    "contact_line",
    "parties",
    "breach_types",
    "sensors",
    "attribution",
    "reporting",
    "coalition",
    "response",
    "aggressor",
]

CASES: list[Case] = [
    # --- types and ranges ---------------------------------------------------------------------
    Case(
        "wrong_type_integer",
        ext("replications: lots\n"),
        [(MAIN, "replications", 3, "valid integer")],
    ),
    Case(
        "wrong_type_number",
        ext("coalition:\n  quorum: half\n"),
        [(MAIN, "coalition.quorum", 4, "valid number")],
    ),
    Case(
        "wrong_type_mapping",
        ext("contact_line: 5\n"),
        [(MAIN, "contact_line", 3, "valid dictionary")],
    ),
    Case(
        "wrong_type_list_for_mapping",
        ext("sensors: [a, b]\n"),
        [(MAIN, "sensors", 3, "valid dictionary")],
    ),
    Case(
        "negative_rate",
        ext("parties:\n  aggressor:\n    rates_per_day: {small_arms: -1}\n"),
        [(MAIN, "parties.aggressor.rates_per_day.small_arms", 5, "greater than or equal to 0")],
    ),
    Case(
        "negative_count",
        ext("sensors:\n  acoustic:\n    count: -5\n"),
        [(MAIN, "sensors.acoustic.count", 5, "greater than or equal to 0")],
    ),
    Case("negative_seed", ext("seed: -1\n"), [(MAIN, "seed", 3, "greater than or equal to 0")]),
    Case(
        "zero_replications",
        ext("replications: 0\n"),
        [(MAIN, "replications", 3, "greater than or equal to 1")],
    ),
    Case(
        "probability_1_2",
        ext("coalition:\n  quorum: 1.2\n"),
        [(MAIN, "coalition.quorum", 4, "less than or equal to 1 (got 1.2)")],
    ),
    Case(
        "p_detect_1_2",
        ext("sensors:\n  cameras:\n    p_detect: {artillery: 1.2}\n"),
        [(MAIN, "sensors.cameras.p_detect.artillery", 5, "less than or equal to 1")],
    ),
    Case(
        "ratification_1_2",
        ext("coalition:\n  nations:\n    US:\n      ratification: 1.2\n"),
        [(MAIN, "coalition.nations.US.ratification", 6, "less than or equal to 1")],
    ),
    Case(
        "empty_name",
        ext("").replace("name: bad", "name: ''"),
        [(MAIN, "name", 2, "at least 1 character")],
    ),
    Case(
        "true_is_not_a_string",
        ext("description: true\n"),
        [(MAIN, "description", 3, "valid string")],
    ),
    Case(
        "bad_terrain",
        ext("""\
             contact_line:
               length_km: 100
               sectors:
                 - {name: a, start_km: 0, end_km: 100, terrain: desert}
             """),
        [(MAIN, "contact_line.sectors[0].terrain", 6, "'forest' or 'maritime'")],
    ),
    Case(
        "bad_action",
        ext("""\
             response:
               ladder:
                 - {min_severity: 0, action: nuclear, implementation: 1d, cost: 1}
             """),
        [(MAIN, "response.ladder[0].action", 5, "'military' or 'maritime'")],
    ),
    # --- confusion matrix ---------------------------------------------------------------------
    Case(
        "confusion_row_0_9",
        ext("""\
             attribution:
               confusion:
                 aggressor: {aggressor: 0.8, defender: 0.03, unknown: 0.07}
             """),
        [(MAIN, "attribution.confusion.aggressor", 5, "sums to 0.9; each row")],
    ),
    Case(
        "confusion_unknown_verdict",
        ext("""\
             attribution:
               confusion:
                 none: {aggressor: 0.2, defender: 0.1, unknown: 0, unknwn: 0.7}
             """),
        [
            (
                MAIN,
                "attribution.confusion.none.unknwn",
                5,
                "unknown verdict 'unknwn'; did you mean 'unknown'?",
            )
        ],
    ),
    Case(
        "confusion_missing_row",
        ext("attribution:\n  confusion:\n    none: null\n"),
        [(MAIN, "attribution.confusion", 4, "needs a row for 'none' (false alarms)")],
    ),
    # --- unknown keys -------------------------------------------------------------------------
    Case(
        "unknown_key_top",
        ext("replicatoins: 3\n"),
        [(MAIN, "replicatoins", 3, "unknown key 'replicatoins'; did you mean 'replications'?")],
    ),
    Case(
        "unknown_key_nested",
        ext("sensors:\n  cameras:\n    rang_km: 3\n"),
        [(MAIN, "sensors.cameras.rang_km", 5, "did you mean 'range_km'?")],
    ),
    Case(
        "unknown_key_in_distribution",
        ext("attribution:\n  service_time: {dist: exponential, median: 1h}\n"),
        [
            (
                MAIN,
                "attribution.service_time.median",
                4,
                "did you mean 'mean'? (allowed here: dist, mean)",
            ),
            (MAIN, "attribution.service_time.mean", 4, "required key 'mean' is missing"),
        ],
    ),
    Case(
        "unknown_key_far_from_any",
        ext("xyzzy: 1\n"),
        [(MAIN, "xyzzy", 3, "unknown key 'xyzzy' (allowed here: aggressor,")],
    ),
    # --- durations and distributions ----------------------------------------------------------
    Case(
        "bare_number_duration",
        ext("duration: 365\n"),
        [(MAIN, "duration", 3, "a duration needs a unit; got the bare number 365")],
    ),
    Case(
        "bare_number_random_duration",
        ext("sensors:\n  cameras:\n    latency: 30\n"),
        [(MAIN, "sensors.cameras.latency", 5, "units s, min, h, d, w")],
    ),
    Case("unknown_unit", ext("duration: 3y\n"), [(MAIN, "duration", 3, "'3y' is not a duration")]),
    Case(
        "unknown_distribution",
        ext("attribution:\n  service_time: {dist: weibull, mean: 1h}\n"),
        [(MAIN, "attribution.service_time", 4, "unknown distribution; 'dist' must be one of")],
    ),
    Case(
        "distribution_without_dist",
        ext("sensors:\n  cameras:\n    latency: {mean: 1h}\n"),
        [(MAIN, "sensors.cameras.latency", 5, "or a mapping with a 'dist' key")],
    ),
    Case(
        "triangular_mode_outside",
        ext("attribution:\n  service_time: {dist: triangular, low: 1h, mode: 5h, high: 3h}\n"),
        [(MAIN, "attribution.service_time", 4, "triangular needs low <= mode <= high")],
    ),
    Case(
        "empirical_weights_mismatch",
        ext("attribution:\n  service_time: {dist: empirical, values: [1h, 2h], weights: [1]}\n"),
        [(MAIN, "attribution.service_time", 4, "one weight per value")],
    ),
    Case(
        "warmup_not_shorter",
        ext("duration: 10d\nwarmup: 10d\n"),
        [(MAIN, "warmup", 4, "warmup must be shorter than duration")],
    ),
    # --- extends ------------------------------------------------------------------------------
    Case(
        "missing_parent",
        "name: bad\nextends: nothere.yaml\n",
        [(MAIN, "extends", 2, "cannot extend 'nothere.yaml': scenario file not found")],
    ),
    Case(
        "misspelt_packaged_parent",
        "extends: baselin\nname: bad\n",
        [(MAIN, "extends", 1, "did you mean 'baseline'?")],
    ),
    Case(
        "extends_not_a_name",
        "extends: 5\nname: bad\n",
        [(MAIN, "extends", 1, "extends must name a scenario file")],
    ),
    Case(
        "extends_cycle",
        "extends: other.yaml\nname: bad\n",
        [("other.yaml", "extends", 3, "extends cycle: bad.yaml -> other.yaml -> bad.yaml")],
        {"other.yaml": "# the other half of a cycle\nname: other\nextends: bad.yaml\n"},
    ),
    Case(
        "extends_self",
        "name: bad\n\nextends: bad.yaml\n",
        [(MAIN, "extends", 3, "extends cycle: bad.yaml -> bad.yaml")],
    ),
    Case(
        "error_in_the_parent_names_the_parent",
        "extends: parent.yaml\nname: bad\n",
        [("parent.yaml", "coalition.quorum", 4, "less than or equal to 1")],
        {"parent.yaml": "extends: baseline\nname: parent\ncoalition:\n  quorum: 2\n"},
    ),
    Case(
        "incomplete_without_extends",
        "name: bad\nduration: 10d\n",
        [(MAIN, key, 1, f"required key '{key}' is missing") for key in SCENARIO_REQUIRED],
    ),
    Case(
        "required_key_removed_with_null",
        ext("contact_line: null\n"),
        [(MAIN, "contact_line", 1, "required key 'contact_line' is missing")],
    ),
    # --- contact line -------------------------------------------------------------------------
    Case(
        "overlapping_sectors",
        ext("""\
             contact_line:
               length_km: 100
               sectors:
                 - {name: a, start_km: 0, end_km: 60, terrain: open}
                 - {name: b, start_km: 50, end_km: 100, terrain: open}
             """),
        [
            (
                MAIN,
                "contact_line.sectors[1].start_km",
                7,
                "sector 'b' (50.0 .. 100.0 km) overlaps sector 'a' (0.0 .. 60.0 km)",
            )
        ],
    ),
    Case(
        "gap_between_sectors",
        ext("""\
             contact_line:
               length_km: 100
               sectors:
                 - {name: a, start_km: 0, end_km: 40, terrain: open}
                 - {name: b, start_km: 50, end_km: 100, terrain: open}
             """),
        [
            (
                MAIN,
                "contact_line.sectors[1].start_km",
                7,
                "gap between sector 'a' (ends 40.0 km) and 'b'",
            )
        ],
    ),
    Case(
        "sectors_short_of_the_line",
        ext("""\
             contact_line:
               length_km: 100
               sectors:
                 - {name: a, start_km: 0, end_km: 90, terrain: open}
             """),
        [(MAIN, "contact_line.sectors[0].end_km", 6, "ends at 90.0 km but the line is 100 km")],
    ),
    Case(
        "duplicate_sector_name",
        ext("""\
             contact_line:
               length_km: 100
               sectors:
                 - {name: a, start_km: 0, end_km: 50, terrain: open}
                 - {name: a, start_km: 50, end_km: 100, terrain: open}
             """),
        [(MAIN, "contact_line.sectors[1].name", 7, "sector name 'a' is used twice")],
    ),
    Case(
        "length_and_polyline",
        ext("contact_line:\n  polyline: [[37.0, 48.0], [38.0, 47.0]]\n"),
        [(MAIN, "contact_line", 3, "give exactly one of length_km or polyline")],
    ),
    Case(
        "sector_group_naming_an_unknown_sector",
        ext("sensors:\n  cameras:\n    sectors: [kharkiv, luhanks]\n"),
        [
            (
                MAIN,
                "sensors.cameras.sectors[1]",
                5,
                "unknown sector 'luhanks'; did you mean 'luhansk'?",
            )
        ],
    ),
    Case(
        "sector_weights_naming_an_unknown_sector",
        ext("parties:\n  aggressor:\n    sector_weights: {kharkiv: 2, crimea: 1}\n"),
        [(MAIN, "parties.aggressor.sector_weights.crimea", 5, "unknown sector 'crimea'")],
    ),
    # --- parties ------------------------------------------------------------------------------
    Case(
        "no_aggressor",
        ext("parties:\n  aggressor:\n    role: defender\n"),
        [
            (MAIN, "parties", 3, "exactly one party must have role aggressor; found 0"),
            (MAIN, "parties", 3, "exactly one party must have role defender; found 2"),
        ],
    ),
    Case(
        "two_aggressors",
        ext("parties:\n  defender:\n    role: aggressor\n"),
        [
            (MAIN, "parties", 3, "exactly one party must have role aggressor; found 2"),
            (MAIN, "parties", 3, "exactly one party must have role defender; found 0"),
            (
                BASE,
                "parties.defender.retaliation",
                _baseline_line(r"^\s+retaliation:"),
                "only the defender retaliates",
            ),
        ],
    ),
    Case(
        "aggressor_retaliates",
        ext("parties:\n  aggressor:\n    retaliation: {probability: 0.5, delay: 1h}\n"),
        [(MAIN, "parties.aggressor.retaliation", 5, "only the defender retaliates")],
    ),
    # --- sensors ------------------------------------------------------------------------------
    Case(
        "positioned_group_without_range",
        ext("sensors:\n  new_group:\n    count: 3\n    p_detect: {artillery: 0.5}\n"),
        [(MAIN, "sensors.new_group", 4, "a positioned group needs range_km")],
    ),
    Case(
        "two_placements",
        ext("sensors:\n  cameras:\n    count: 10\n"),
        [
            (
                MAIN,
                "sensors.cameras",
                4,
                "exactly one of count, spacing_km or positions_km; got count, spacing_km",
            )
        ],
    ),
    Case(
        "full_coverage_with_range",
        ext("sensors:\n  sar_satellites:\n    range_km: 10\n"),
        [(MAIN, "sensors.sar_satellites.range_km", 5, "a full-coverage group has no range_km")],
    ),
    Case(
        "revisit_without_persistence",
        ext("""\
             sensors:
               new_group:
                 coverage: full
                 revisit: 1d
                 p_detect: {artillery: 0.5}
             """),
        [(MAIN, "sensors.new_group", 4, "revisit and persistence go together")],
    ),
    Case(
        "mtbf_without_mttr",
        ext("sensors:\n  coastal_radar:\n    mtbf: 30d\n"),
        [(MAIN, "sensors.coastal_radar", 4, "mtbf and mttr go together")],
    ),
    Case(
        "unknown_breach_type_in_p_detect",
        ext("sensors:\n  cameras:\n    p_detect: {artilery: 0.5}\n"),
        [
            (
                MAIN,
                "sensors.cameras.p_detect.artilery",
                5,
                "unknown type 'artilery'; did you mean 'artillery'?",
            )
        ],
    ),
    # --- response and aggressor ---------------------------------------------------------------
    Case(
        "ladder_out_of_order",
        ext("""\
             response:
               ladder:
                 - {min_severity: 5, action: diplomatic, implementation: 1d, cost: 1}
                 - {min_severity: 3, action: economic, implementation: 1d, cost: 2}
             """),
        [
            (
                MAIN,
                "response.ladder[1].min_severity",
                6,
                "rising order of min_severity (3.0 comes after 5.0)",
            )
        ],
    ),
    Case(
        "adaptive_without_responsiveness",
        ext("aggressor:\n  responsiveness: null\n"),
        [(MAIN, "aggressor", 3, "the adaptive policy needs responsiveness")],
    ),
    Case(
        "offensive_of_an_unknown_type",
        ext("aggressor:\n  offensive:\n    type: invasion\n"),
        [(MAIN, "aggressor.offensive.type", 5, "unknown type 'invasion'")],
    ),
    # --- version 2 politics keys (issue 16) ----------------------------------------------------
    Case(
        "ratification_mapping_probability_1_2",
        ext("""\
             coalition:
               nations:
                 US:
                   ratification:
                     probability: 1.2
                     delay: 90d
             """),
        [(MAIN, "coalition.nations.US.ratification.probability", 7, "less than or equal to 1")],
    ),
    Case(
        "ratification_mapping_unknown_key",
        ext("coalition:\n  nations:\n    US:\n      ratification: {probability: 0.5, dely: 9d}\n"),
        [
            (
                MAIN,
                "coalition.nations.US.ratification.dely",
                6,
                "did you mean 'delay'? (allowed here: delay, probability)",
            )
        ],
    ),
    Case(
        "ratification_mapping_without_probability",
        # a new nation: the baseline's own nations inherit a probability (mappings merge)
        ext("""\
             coalition:
               nations:
                 Poland:
                   ratification: {delay: 90d}
                   delay: 2d
                   support: 0.8
             """),
        [
            (
                MAIN,
                "coalition.nations.Poland.ratification.probability",
                6,
                "required key 'probability' is missing",
            )
        ],
    ),
    Case(
        "ratification_bare_number_delay",
        ext("coalition:\n  nations:\n    US:\n      ratification: {probability: 0.5, delay: 90}\n"),
        [(MAIN, "coalition.nations.US.ratification.delay", 6, "a duration needs a unit")],
    ),
    Case(
        "ratification_text",
        ext("coalition:\n  nations:\n    US:\n      ratification: likely\n"),
        [(MAIN, "coalition.nations.US.ratification", 6, "valid number")],
    ),
    Case(
        "capability_negative",
        ext("coalition:\n  nations:\n    US:\n      capability: {military: -1}\n"),
        [(MAIN, "coalition.nations.US.capability.military", 6, "greater than or equal to 0")],
    ),
    Case(
        "capability_unknown_action",
        ext("coalition:\n  nations:\n    US:\n      capability: {nuclear: 1}\n"),
        [(MAIN, "coalition.nations.US.capability.nuclear", 6, "'military' or 'maritime'")],
    ),
    Case(
        "capability_for_an_action_not_contributed",
        ext("""\
             coalition:
               nations:
                 US:
                   contributes: [diplomatic, economic]
                   # the baseline's US capability merges in: its other actions set to 0
                   capability: {diplomatic: 2, military: 3, logistics: 0, maritime: 0}
             """),
        [
            (
                MAIN,
                "coalition.nations.US.capability.military",
                8,
                "nation 'US' has capability 3 for military, which is not in its contributes "
                "(diplomatic, economic)",
            )
        ],
    ),
    Case(
        "commission_zero_meeting_interval",
        ext("coalition:\n  commission:\n    meeting_interval: 0d\n"),
        [(MAIN, "coalition.commission.meeting_interval", 5, "meeting_interval must be longer")],
    ),
    Case(
        "commission_without_meeting_interval",
        # the parent drops the baseline's commission, so the child's is a new one
        "extends: parent.yaml\nname: bad\ncoalition:\n  commission:\n    min_incidents: 2\n",
        [(MAIN, "coalition.commission.meeting_interval", 4, "required key 'meeting_interval'")],
        {"parent.yaml": "extends: baseline\nname: parent\ncoalition:\n  commission: null\n"},
    ),
    Case(
        "commission_zero_min_incidents",
        ext("coalition:\n  commission: {meeting_interval: 30d, min_incidents: 0}\n"),
        [(MAIN, "coalition.commission.min_incidents", 4, "greater than or equal to 1")],
    ),
    Case(
        "commission_unknown_key",
        ext("coalition:\n  commission: {meeting_interval: 30d, deliberaton: 2d}\n"),
        [(MAIN, "coalition.commission.deliberaton", 4, "did you mean 'deliberation'?")],
    ),
    Case(
        "zero_report_interval",
        ext("reporting:\n  report_interval: 0d\n"),
        [(MAIN, "reporting.report_interval", 4, "report_interval must be longer than 0")],
    ),
    Case(
        "escalation_bare_number_memory",
        ext("response:\n  escalation: {memory: 30}\n"),
        [(MAIN, "response.escalation.memory", 4, "a duration needs a unit")],
    ),
    Case(
        "bad_cost_scaling",
        ext("response:\n  cost_scaling: partial\n"),
        [(MAIN, "response.cost_scaling", 4, "input should be 'capability' or 'full'")],
    ),
    Case(
        "event_unknown_kind",
        ext("events:\n  - {kind: sensor_outge, at: 10d}\n"),
        [
            (
                MAIN,
                "events[0].kind",
                4,
                "unknown event kind 'sensor_outge'; did you mean 'sensor_outage'? (allowed: "
                "sensor_outage, withdrawal, support_shock)",
            )
        ],
    ),
    Case(
        "event_without_kind",
        ext("events:\n  - at: 10d\n    nation: US\n"),
        [(MAIN, "events[0]", 4, "an event needs a 'kind': one of sensor_outage, withdrawal,")],
    ),
    Case(
        "event_not_a_mapping",
        ext("events:\n  - withdrawal\n"),
        [(MAIN, "events[0]", 4, "input should be a mapping of keys (got 'withdrawal')")],
    ),
    Case(
        "event_factor_above_1",
        ext("""\
             events:
               - kind: withdrawal
                 at: 10d
                 nation: US
               - kind: sensor_outage
                 at: 10d
                 factor: 1.5
             """),
        [(MAIN, "events[1].factor", 9, "less than or equal to 1 (got 1.5)")],
    ),
    Case(
        "event_negative_shock",
        ext("events:\n  - {kind: support_shock, at: 10d, factor: -0.5}\n"),
        [(MAIN, "events[0].factor", 4, "greater than or equal to 0")],
    ),
    Case(
        "event_bare_number_at",
        ext("events:\n  - {kind: withdrawal, at: 10, nation: US}\n"),
        [(MAIN, "events[0].at", 4, "a duration needs a unit; got the bare number 10")],
    ),
    Case(
        "event_key_of_another_kind",
        ext("events:\n  - {kind: withdrawal, at: 10d, nation: US, factor: 0}\n"),
        [(MAIN, "events[0].factor", 4, "unknown key 'factor' (allowed here: at, kind, nation)")],
    ),
    Case(
        "event_without_nation",
        ext("events:\n  - {kind: withdrawal, at: 10d}\n"),
        [(MAIN, "events[0].nation", 4, "required key 'nation' is missing")],
    ),
    Case(
        "outage_of_an_unknown_group",
        ext("events:\n  - {kind: sensor_outage, at: 10d, groups: [acoustic, camras]}\n"),
        [
            (
                MAIN,
                "events[0].groups[1]",
                4,
                "unknown sensor group 'camras'; did you mean 'cameras'? (known: acoustic,",
            )
        ],
    ),
    Case(
        "outage_in_an_unknown_sector",
        ext("events:\n  - {kind: sensor_outage, at: 10d, sectors: [kherosn]}\n"),
        [(MAIN, "events[0].sectors[0]", 4, "unknown sector 'kherosn'; did you mean 'kherson'?")],
    ),
    Case(
        "terrain_factor_above_1",
        ext("sensors:\n  cameras:\n    terrain_factor: {forest: 1.5}\n"),
        [(MAIN, "sensors.cameras.terrain_factor.forest", 5, "less than or equal to 1")],
    ),
    Case(
        "terrain_factor_of_an_unknown_terrain",
        ext("sensors:\n  cameras:\n    terrain_factor: {desert: 0.5}\n"),
        [(MAIN, "sensors.cameras.terrain_factor.desert", 5, "'forest' or 'maritime'")],
    ),
    Case(
        "terrain_factor_of_a_terrain_no_sector_has",
        ext("""\
            contact_line:
              sectors:                 # the baseline's sectors, none of them forest
                - {name: kharkiv, start_km: 0, end_km: 200, terrain: open}
                - {name: luhansk, start_km: 200, end_km: 380, terrain: open}
                - {name: donetsk_n, start_km: 380, end_km: 560, terrain: urban}
                - {name: donetsk_s, start_km: 560, end_km: 760, terrain: urban}
                - {name: zaporizhzhia, start_km: 760, end_km: 980, terrain: open}
                - {name: kherson, start_km: 980, end_km: 1220, terrain: open}
                - {name: black_sea, start_km: 1220, end_km: 1520, terrain: maritime}
            sensors:
              cameras:
                terrain_factor:
                  urban: 0.8
                  forest: 0.5
            """),
        [
            (
                MAIN,
                "sensors.cameras.terrain_factor.forest",
                16,
                "no sector has terrain 'forest', so its factor never acts (the sectors' "
                "terrains: maritime, open, urban)",
            )
        ],
    ),
    Case(
        "outage_until_before_at",
        ext("events:\n  - kind: sensor_outage\n    at: 20d\n    until: 10d\n"),
        [
            (
                MAIN,
                "events[0].until",
                6,
                "the outage must end after it starts: until (10 days) is not after at (20 days)",
            )
        ],
    ),
    Case(
        "outage_until_equal_to_at",
        ext("events:\n  - {kind: sensor_outage, at: 2w, until: 14d}\n"),
        [(MAIN, "events[0].until", 4, "until (14 days) is not after at (14 days)")],
    ),
    Case(
        "withdrawal_of_an_unknown_nation",
        ext("events:\n  - {kind: withdrawal, at: 10d, nation: Frnace}\n"),
        [(MAIN, "events[0].nation", 4, "unknown nation 'Frnace'; did you mean 'France'?")],
    ),
    Case(
        "shock_to_an_unknown_nation",
        ext("events:\n  - {kind: support_shock, at: 10d, nations: [US, Poland], factor: 0.5}\n"),
        [(MAIN, "events[0].nations[1]", 4, "unknown nation 'Poland' (known: France, Germany,")],
    ),
    Case(
        "withdrawal_twice",
        ext("""\
             events:
               - {kind: withdrawal, at: 10d, nation: UK}
               - {kind: support_shock, at: 20d, factor: 0.5}
               - {kind: withdrawal, at: 30d, nation: UK}
             """),
        [
            (
                MAIN,
                "events[2].nation",
                6,
                "nation 'UK' already withdraws at events[0]; a nation can leave only once",
            )
        ],
    ),
    Case(
        "event_error_in_the_parent_names_the_parent",
        "extends: parent.yaml\nname: bad\n",
        [("parent.yaml", "events[0].nation", 4, "unknown nation 'Narnia'")],
        {
            "parent.yaml": "extends: baseline\nname: parent\nevents:\n  - {kind: withdrawal, "
            "at: 1d, nation: Narnia}\n"
        },
    ),
    # --- the file itself ----------------------------------------------------------------------
    Case(
        "malformed_yaml",
        ext("duration: 1d: 2d\n"),
        [(MAIN, None, 3, "malformed YAML: mapping values are not allowed here")],
    ),
    Case(
        "malformed_yaml_tab",
        "extends: baseline\nname: bad\n\tseed: 3\n",
        [(MAIN, None, 3, "found character '\\t' that cannot start any token")],
    ),
    Case(
        "malformed_yaml_unclosed",
        ext("duration: [1d\nseed: 3\n"),
        [(MAIN, None, 4, "got ':' (while parsing a flow sequence that began on line 3)")],
    ),
    Case(
        "two_documents",
        ext("---\nname: other\n"),
        [(MAIN, None, 3, "expected a single document in the stream")],
    ),
    Case("empty_file", "", [(MAIN, None, None, "the file is empty")]),
    Case("comments_only", "# nothing here\n\n", [(MAIN, None, None, "the file is empty")]),
    Case(
        "list_not_mapping",
        "- extends: baseline\n- name: bad\n",
        [(MAIN, None, 1, "a scenario must be a mapping of keys, not a list")],
    ),
    Case(
        "scalar_not_mapping",
        "just some text\n",
        [(MAIN, None, 1, "a scenario must be a mapping of keys, not a str")],
    ),
    Case(
        "python_object_apply",
        ext(f"description: !!python/object/apply:os.system ['touch {MARKER}']\n"),
        [(MAIN, "description", 3, "tags that construct objects are not allowed")],
    ),
    Case(
        "python_object_new",
        ext(f"seed: !!python/object/new:subprocess.Popen [[touch, {MARKER}]]\n"),
        [(MAIN, "seed", 3, "tags that construct objects are not allowed")],
    ),
    Case(
        "python_name_in_a_list",
        ext("sensors:\n  cameras:\n    sectors: [kharkiv, !!python/name:os.system '']\n"),
        [(MAIN, "sensors.cameras.sectors[1]", 5, "python/name:os.system")],
    ),
    Case(
        "duplicate_key",
        ext("duration: 10d\nseed: 4\nduration: 20d\n"),
        [(MAIN, "duration", 5, "duplicate key 'duration' (first given on line 3)")],
    ),
    Case(
        "duplicate_nested_key",
        ext("coalition:\n  quorum: 0.5\n  quorum: 0.6\n"),
        [(MAIN, "coalition.quorum", 5, "duplicate key 'quorum' (first given on line 4)")],
    ),
    Case(
        "non_utf8",
        b"extends: baseline\nname: caf\xe9\n",
        [(MAIN, None, 2, "the file is not UTF-8 text")],
    ),
    Case(
        "utf16",
        "extends: baseline\nname: bad\n".encode("utf-16"),
        [(MAIN, None, 1, "the file is not UTF-8 text")],
    ),
]

IDS = [c.id for c in CASES]
assert len(set(IDS)) == len(IDS), "case ids must be unique"


def write_case(case: Case, directory) -> None:
    """Write the files of ``case`` into ``directory``."""
    raw = case.text if isinstance(case.text, bytes) else case.text.encode("utf-8")
    (directory / MAIN).write_bytes(raw)
    for name, text in case.extra_files.items():
        (directory / name).write_text(text, encoding="utf-8")
