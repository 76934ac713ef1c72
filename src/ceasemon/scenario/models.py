"""The scenario format as pydantic models: types, ranges and neutral defaults.

Every key a scenario file may hold is a field here, with its unit, its range
and (where it has one) its default, stated once.  ``docs/scenarios.md`` is
generated from these models and a test fails when it drifts.  Checks that
relate several keys (sectors tiling the line, names that must exist) live in
``checks.py`` so that each one can name the exact key at fault.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from .bounds import MAX_KM, MAX_SCORE, MIN_SPEED, at_most
from .distributions import Duration, RandomDuration

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
#: A finite number >= 0 with no upper bound of its own: the keys of this type set the size of a
#: run (rates), and ``ceasemon.limits`` refuses a run too large before it starts.
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
#: A length, position or distance in km: finite, >= 0, at most ``MAX_KM``.
Km = Annotated[float, Field(ge=0.0, allow_inf_nan=False), at_most(MAX_KM)]
#: A positive length in km (a spacing): finite, > 0, at most ``MAX_KM``.
PositiveKm = Annotated[float, Field(gt=0, allow_inf_nan=False), at_most(MAX_KM)]
#: A severity, benefit, cost, weight or other plain score: finite, >= 0, at most ``MAX_SCORE``.
Score = Annotated[float, Field(ge=0.0, allow_inf_nan=False), at_most(MAX_SCORE)]
Terrain = Literal["open", "urban", "forest", "maritime"]
Action = Literal["diplomatic", "economic", "logistics", "military", "maritime"]
ACTIONS: tuple[str, ...] = get_args(Action)


class _Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors and objects are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Sector(_Strict):
    """A stretch of the contact line."""

    name: str = Field(min_length=1, description="unique sector name")
    start_km: Km = Field(description="start, km along the line (at most 1e7 km)")
    end_km: Km = Field(description="end, km along the line (> start_km; at most 1e7 km)")
    terrain: Terrain = Field(description="open, urban, forest or maritime")
    weight: Score = Field(
        default=1.0,
        description="relative breach density per km (all parties; at most 1e9; not 0 on every "
        "sector)",
    )


class ContactLine(_Strict):
    """The line along which breaches happen and sensors stand."""

    length_km: Km | None = Field(
        default=None, description="length in km (give this or polyline; at most 1e7 km)"
    )
    polyline: list[tuple[Finite, Finite]] | None = Field(
        default=None,
        min_length=2,
        description="[lon, lat] points in degrees (lon -180 .. 180, lat -90 .. 90); the length "
        "is their great-circle length",
    )
    sectors: list[Sector] = Field(
        min_length=1, description="sectors that tile 0 .. length without gaps or overlap"
    )


class Retaliation(_Strict):
    """The defender's answer to an aggressor breach: same place and type, later."""

    probability: Probability = Field(description="chance that an aggressor breach is answered")
    delay: RandomDuration = Field(description="time from the aggressor breach to the answer")


class Party(_Strict):
    """One side of the ceasefire."""

    role: Literal["aggressor", "defender"] = Field(description="aggressor or defender")
    rates_per_day: dict[str, NonNegative] = Field(
        description="breach type -> breaches per day (missing types 0; finite, and a run too "
        "large for the machine is refused by the size limits)"
    )
    sector_weights: dict[str, Score] | None = Field(
        default=None,
        description="sector -> relative weight for this party (missing sectors 1; at most 1e9; "
        "not 0 on every sector)",
    )
    retaliation: Retaliation | None = Field(
        default=None, description="defender only: retaliation for aggressor breaches"
    )


class BreachType(_Strict):
    """A kind of breach."""

    severity: Score = Field(
        description="severity score; drives priority, urgency, ladder (at most 1e9)"
    )


class SensorGroup(_Strict):
    """A group of identical sensors."""

    coverage: Literal["positioned", "full"] = Field(
        default="positioned", description="positioned sensors, or full: one virtual sensor"
    )
    count: Annotated[int, Field(ge=0)] | None = Field(
        default=None,
        description="number of sensors spread evenly over the group's sectors (a run too large "
        "is refused by the size limits)",
    )
    spacing_km: PositiveKm | None = Field(
        default=None,
        description="distance between neighbouring sensors (instead of count; at most 1e7 km)",
    )
    positions_km: list[Km] | None = Field(
        default=None,
        description="explicit positions, km along the line (instead of count; on the line)",
    )
    sectors: list[str] | None = Field(default=None, description="sector names (default: all)")
    range_km: Km | None = Field(
        default=None, description="detection radius in km (positioned groups; at most 1e7 km)"
    )
    p_detect: dict[str, Probability] = Field(
        description="breach type -> chance of detecting one breach in range (missing types 0)"
    )
    terrain_factor: dict[Terrain, Probability] | None = Field(
        default=None,
        description="terrain -> factor multiplying p_detect for breaches in sectors of that "
        "terrain (missing terrains 1; each a terrain some sector has)",
    )
    false_alarms_per_day: NonNegative = Field(
        default=0.0,
        description="false alarms per sensor per day (Poisson; finite, and a run too large is "
        "refused by the size limits)",
    )
    location_error_km: Km = Field(
        default=0.0, description="standard deviation of the reported position (at most 1e7 km)"
    )
    latency: RandomDuration = Field(
        default="0s", description="time from detection to its arrival at fusion"
    )
    revisit: Duration | None = Field(
        default=None, description="observe only at passes this far apart (e.g. a satellite)"
    )
    persistence: dict[str, Duration] | None = Field(
        default=None, description="breach type -> how long its traces stay visible (revisit)"
    )
    mtbf: Duration | None = Field(
        default=None, description="mean time between failures (exponential up times)"
    )
    mttr: Duration | None = Field(
        default=None, description="mean time to repair (exponential down times)"
    )


class Attribution(_Strict):
    """Fusion cell: corroboration, analysts and their errors."""

    min_detections: Annotated[int, Field(ge=1)] = Field(
        description="detections an incident needs before it is verified"
    )
    analysts: Annotated[int, Field(ge=1)] = Field(description="analysts working the queue")
    service_time: RandomDuration = Field(description="time one verification takes")
    confusion: dict[str, dict[str, Probability]] = Field(
        description="true party (and none) -> attributed party (and unknown) -> probability"
    )
    priority: Literal["severity", "fifo"] = Field(
        default="severity", description="queue order: severity (highest first) or fifo"
    )


class Reporting(_Strict):
    """How verdicts reach the coalition."""

    urgent_severity: Score = Field(
        description="incidents at or above this severity are reported at once (at most 1e9)"
    )
    report_interval: Duration = Field(description="period of the routine report (longer than 0)")


class Ratification(_Strict):
    """A parliament's vote on the guarantee, some time after the start."""

    probability: Probability = Field(description="chance that the vote ratifies")
    delay: RandomDuration = Field(
        default="0d",
        description="time from the start to the vote (drawn once per replication); the nation "
        "is a member from then on",
    )


def _ratification_form(value: Any) -> str:
    """Which form of ``ratification`` the input is: a mapping, or else a probability.

    Chosen by the input's shape, so that a bad value gets the one error of the form it meant
    (``1.2``: "less than or equal to 1") rather than one error per form.  The tags are the
    names pydantic itself gives union members (``float``, ``dict``), which the loader drops
    from error paths.
    """
    return "dict" if isinstance(value, dict | Ratification) else "float"


#: ``ratification``: a probability decided at the start, or ``{probability, delay}``.
RatificationForm = Annotated[
    Annotated[Probability, Tag("float")] | Annotated[Ratification, Tag("dict")],
    Discriminator(_ratification_form),
]


class Nation(_Strict):
    """A coalition member."""

    weight: Score = Field(default=1.0, description="voting weight (at most 1e9)")
    ratification: RatificationForm = Field(
        description="chance that its parliament ratifies the guarantee, decided at the start "
        "(drawn once per replication), or {probability, delay}: a vote some time after the start"
    )
    delay: RandomDuration = Field(description="decision time after a report")
    support: Probability = Field(description="initial chance of voting yes")
    contributes: list[Action] | None = Field(
        default=None, description="response actions it can carry out (default: all)"
    )
    capability: dict[Action, Score] | None = Field(
        default=None,
        description="action -> what it brings to that action (default 1 for each action it "
        "contributes, 0 for the others; at most 1e9)",
    )

    @property
    def ratification_probability(self) -> float:
        """The chance of ratifying, whichever form ``ratification`` takes."""
        r = self.ratification
        return r.probability if isinstance(r, Ratification) else float(r)


class Commission(_Strict):
    """The Special Commission: gathers reports naming the aggressor into cases."""

    meeting_interval: Duration = Field(
        description="time between regular meetings (longer than 0); they meet at k x interval"
    )
    deliberation: RandomDuration = Field(
        default="0d", description="time from a meeting to the referral of its case"
    )
    min_incidents: Annotated[int, Field(ge=1)] = Field(
        default=1,
        description="aggressor-named incidents a case needs (fewer carry over to the next meeting)",
    )
    extraordinary_severity: Score | None = Field(
        default=None,
        description="a report at or above this severity calls a meeting at once (none: never; "
        "at most 1e9)",
    )


class Coalition(_Strict):
    """The nations that guarantee the ceasefire."""

    quorum: Probability = Field(description="share of member weight whose yes decides")
    decision_window: Duration = Field(description="a decision not reached in this time lapses")
    nations: dict[str, Nation] = Field(description="nation name -> nation")
    support_decay_per_year: Probability = Field(
        default=0.0, description="yearly relative decline of every nation's support"
    )
    commission: Commission | None = Field(
        default=None,
        description="a Special Commission between reports and decisions (none: each report is "
        "a decision)",
    )


class Rung(_Strict):
    """One step of the response ladder."""

    min_severity: Score = Field(description="lowest decision severity for this rung (at most 1e9)")
    action: Action = Field(description="diplomatic, economic, logistics, military or maritime")
    implementation: RandomDuration = Field(description="time from decision to implementation")
    cost: Score = Field(description="cost imposed on the aggressor (benefit units; at most 1e9)")


class Hub(_Strict):
    """A logistics hub from which military assistance travels."""

    name: str = Field(min_length=1, description="hub name")
    distance_km: Km = Field(description="distance to the contact line (at most 1e7 km)")


class Escalation(_Strict):
    """A graduated response: a decision soon after a response climbs one rung."""

    memory: Duration = Field(
        description="a decision this soon after the previous implemented response climbs one "
        "rung above it"
    )


class Response(_Strict):
    """What a positive decision sets in motion."""

    ladder: list[Rung] = Field(min_length=1, description="rungs by rising min_severity")
    hubs: list[Hub] | None = Field(default=None, description="hubs for military assistance")
    travel_speed_km_per_day: Annotated[
        float,
        Field(ge=MIN_SPEED, allow_inf_nan=False),
        at_most(MAX_SCORE),
    ] = Field(
        default=500.0,
        description="speed of military assistance from the nearest hub (at most 1e9; at least "
        "1e-5, so that the longest trip takes at most the longest duration)",
    )
    escalation: Escalation | None = Field(
        default=None, description="graduated response (none: the severity alone sets the rung)"
    )
    cost_scaling: Literal["capability", "full"] = Field(
        default="capability",
        description="capability: a response imposes cost x the yes-voters' capability over all "
        "nations'; full: the whole cost",
    )


class Prior(_Strict):
    """The adaptive aggressor's prior beliefs."""

    alpha: Annotated[float, Field(gt=0, allow_inf_nan=False), at_most(MAX_SCORE)] = Field(
        default=1.0, description="Beta prior: pseudo-count of breaches answered (at most 1e9)"
    )
    beta: Annotated[float, Field(gt=0, allow_inf_nan=False), at_most(MAX_SCORE)] = Field(
        default=1.0, description="Beta prior: pseudo-count of breaches not answered (at most 1e9)"
    )
    delay: Duration = Field(
        default="14d", description="expected breach-to-response delay before any is seen"
    )


class Hazard(_Strict):
    """The renewed offensive as a Poisson hazard that grows with the expected net gain."""

    base_per_year: Score = Field(
        description="offensives per year when the expected net gain is 0 (at most 1e9)"
    )
    sensitivity: Annotated[float, Field(ge=0.0, le=50.0, allow_inf_nan=False)] = Field(
        description="how steeply the hazard grows with the net gain (b - C) / b: "
        "h = base_per_year / 365 x exp(sensitivity x (b - C) / b) per day (0 .. 50)"
    )


class Offensive(_Strict):
    """When the aggressor gives up the ceasefire: a sustained temptation, or a hazard."""

    type: str = Field(description="breach type whose net gain is watched")
    threshold: (
        Annotated[float, Field(allow_inf_nan=False), at_most(MAX_SCORE, symmetric=True)] | None
    ) = Field(
        default=None,
        description="net gain b - C that tempts (between -1e9 and 1e9; with window, "
        "instead of hazard)",
    )
    window: Duration | None = Field(
        default=None,
        description="how long the temptation must last (with threshold, instead of hazard)",
    )
    hazard: Hazard | None = Field(
        default=None,
        description="the offensive as a hazard growing with the net gain (instead of "
        "threshold and window)",
    )


class Learning(_Strict):
    """How the adaptive aggressor learns from its breaches."""

    deadline: Duration = Field(
        description="how long after a breach it waits for a response before counting a "
        "failure; a later response still imposes its cost but counts as no success"
    )


class Aggressor(_Strict):
    """How the aggressor chooses its breach intensity."""

    policy: Literal["fixed", "rational", "adaptive"] = Field(
        description="fixed (intensity 1), rational (knows P and D) or adaptive (learns them)"
    )
    benefit: dict[str, Score] = Field(
        default_factory=dict,
        description="breach type -> benefit of one breach (missing 0; at most 1e9)",
    )
    discount_per_day: Score = Field(
        default=0.0, description="discount rate of later costs, per day (at most 1e9)"
    )
    prior: Prior | None = Field(default=None, description="adaptive only: prior beliefs")
    responsiveness: Score | None = Field(
        default=None, description="adaptive only: slope of the intensity curve (at most 1e9)"
    )
    offensive: Offensive | None = Field(
        default=None, description="renewed offensive (none: the ceasefire never collapses)"
    )
    learning: Learning | None = Field(
        default=None,
        description="adaptive only: the learning deadline (none: the decision window plus "
        "the slowest rung, MODEL 6)",
    )


class SensorOutage(_Strict):
    """Sensors that see less for a time: jamming, sabotage, a cloud season."""

    kind: Literal["sensor_outage"] = Field(description="the kind of event")
    at: Duration = Field(description="when it starts (since the start of the run)")
    groups: list[str] | None = Field(default=None, description="sensor groups (default: all)")
    sectors: list[str] | None = Field(
        default=None,
        description="sectors where the sensors stand (full coverage: where the breaches are; "
        "default: all)",
    )
    until: Duration | None = Field(default=None, description="when it ends (default: the end)")
    factor: Probability = Field(
        default=0.0, description="multiplies p_detect while it lasts (0: blind)"
    )


class Withdrawal(_Strict):
    """A nation leaves the coalition."""

    kind: Literal["withdrawal"] = Field(description="the kind of event")
    at: Duration = Field(description="when it leaves (since the start of the run)")
    nation: str = Field(description="the nation that leaves (a nation leaves at most once)")


class SupportShock(_Strict):
    """Support changes at once: an election, a scandal."""

    kind: Literal["support_shock"] = Field(description="the kind of event")
    at: Duration = Field(description="when it happens (since the start of the run)")
    nations: list[str] | None = Field(default=None, description="nations hit (default: all)")
    factor: Score = Field(
        description="multiplies their support from then on (clipped to [0, 1] after; at most 1e9)"
    )


EventT = SensorOutage | Withdrawal | SupportShock
Event = Annotated[EventT, Field(discriminator="kind")]
#: The allowed values of an event's ``kind``, in the order of ``EventT``.
EVENT_KINDS: tuple[str, ...] = tuple(
    get_args(m.model_fields["kind"].annotation)[0] for m in get_args(EventT)
)


class Scenario(_Strict):
    """A complete scenario: the mechanism, the parties and how long to simulate."""

    name: str = Field(min_length=1, description="label used in tables and plots")
    description: str = Field(default="", description="free text")
    seed: Annotated[int, Field(ge=0, lt=2**63)] = Field(default=20260106, description="root seed")
    duration: Duration = Field(description="simulated time")
    warmup: Duration = Field(
        default="0d", description="start excluded from the rate and delay metrics"
    )
    replications: Annotated[int, Field(ge=1)] = Field(
        default=30, description="default number of replications"
    )
    contact_line: ContactLine = Field(description="the line and its sectors")
    parties: dict[str, Party] = Field(description="party name -> party")
    breach_types: dict[str, BreachType] = Field(description="breach type -> severity")
    sensors: dict[str, SensorGroup] = Field(description="group name -> sensor group")
    attribution: Attribution = Field(description="corroboration, analysts, confusion")
    reporting: Reporting = Field(description="urgent and periodic reports")
    coalition: Coalition = Field(description="the guarantor nations")
    response: Response = Field(description="response ladder and hubs")
    aggressor: Aggressor = Field(description="the aggressor's policy")
    events: list[Event] = Field(
        default_factory=list,
        description="timed events, each {at, kind, ...} with kind sensor_outage, withdrawal or "
        "support_shock (an event at or after the end of the run has no effect)",
    )

    # Convenience views used by the model builder -------------------------------------------
    @property
    def aggressor_name(self) -> str:
        """Name of the party whose role is aggressor."""
        return next(n for n, p in self.parties.items() if p.role == "aggressor")

    @property
    def defender_name(self) -> str:
        """Name of the party whose role is defender."""
        return next(n for n, p in self.parties.items() if p.role == "defender")
