"""Checks that relate several keys of an already type-checked scenario.

Each check returns ``(path, message)`` pairs so that the loader can name the
exact key (and its line) at fault: "sector 'Donetsk' overlaps 'Luhansk'" is
more use than "the contact line is invalid".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

from .errors import Path, choices_text, short, suggest
from .models import Aggressor, Scenario, SensorGroup, SensorOutage, SupportShock, Withdrawal

RESERVED_PARTY_NAMES = ("none", "unknown")
ROW_SUM_TOLERANCE = 1e-9
_KM_TOLERANCE = 1e-6


def polyline_length_km(points: list[tuple[float, float]]) -> float:
    """Great-circle length (haversine, mean Earth radius 6,371 km) of ``[lon, lat]`` points."""
    radius = 6371.0088
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(points):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * radius * math.asin(min(1.0, math.sqrt(h)))
    return total


def line_length_km(sc: Scenario) -> float:
    """Length of the contact line in km (given, or from its polyline)."""
    cl = sc.contact_line
    if cl.length_km is not None:
        return cl.length_km
    return polyline_length_km(cl.polyline or [])


def _unknown(name: str, allowed: list[str], what: str) -> str:
    """The message for a name that is not among ``allowed``, with the closest one."""
    known = choices_text(allowed)
    return f"unknown {what} '{short(name)}'{suggest(name, allowed)} (known: {known})"


def _names(path: Path, given: dict | list, allowed: list[str], what: str) -> Iterator:
    keys = given if isinstance(given, list) else list(given)
    allowed_set = set(allowed)
    for i, name in enumerate(keys):
        if name not in allowed_set:
            where = (*path, i) if isinstance(given, list) else (*path, name)
            yield where, _unknown(name, allowed, what)


def _on_earth(lon: float, lat: float) -> bool:
    return -180 <= lon <= 180 and -90 <= lat <= 90


def _check_line(sc: Scenario) -> Iterator[tuple[Path, str]]:
    cl = sc.contact_line
    if (cl.length_km is None) == (cl.polyline is None):
        yield ("contact_line",), "give exactly one of length_km or polyline"
        return
    if cl.polyline is not None:
        off = [i for i, (lon, lat) in enumerate(cl.polyline) if not _on_earth(lon, lat)]
        for i in off:
            lon, lat = cl.polyline[i]
            yield (
                ("contact_line", "polyline", i),
                f"[{lon:g}, {lat:g}] is not a [lon, lat] point (lon -180 .. 180, lat -90 .. 90)",
            )
        if off:
            return  # the line has no length to check the sectors against
    length = line_length_km(sc)
    if not length > 0:
        yield ("contact_line",), "the contact line has no length"
        return
    seen: dict[str, int] = {}
    for i, s in enumerate(cl.sectors):
        if s.name in seen:
            yield (
                ("contact_line", "sectors", i, "name"),
                f"sector name '{short(s.name)}' is used twice",
            )
        seen[s.name] = i
        if not s.end_km > s.start_km:
            yield (
                ("contact_line", "sectors", i, "end_km"),
                f"sector '{short(s.name)}' must end after it starts "
                f"({s.start_km} .. {s.end_km} km)",
            )
    order = sorted(range(len(cl.sectors)), key=lambda i: cl.sectors[i].start_km)
    tol = _KM_TOLERANCE * max(1.0, length)
    first = cl.sectors[order[0]]
    if abs(first.start_km) > tol:
        yield (
            ("contact_line", "sectors", order[0], "start_km"),
            f"sectors must tile the line from 0 km; the first, '{short(first.name)}', starts at "
            f"{first.start_km} km",
        )
    for a, b in itertools.pairwise(order):
        sa, sb = cl.sectors[a], cl.sectors[b]
        if sb.start_km < sa.end_km - tol:
            yield (
                ("contact_line", "sectors", b, "start_km"),
                f"sector '{short(sb.name)}' ({sb.start_km} .. {sb.end_km} km) overlaps sector "
                f"'{short(sa.name)}' ({sa.start_km} .. {sa.end_km} km)",
            )
        elif sb.start_km > sa.end_km + tol:
            yield (
                ("contact_line", "sectors", b, "start_km"),
                f"gap between sector '{short(sa.name)}' (ends {sa.end_km} km) and "
                f"'{short(sb.name)}' (starts {sb.start_km} km); sectors must tile the line",
            )
    last = cl.sectors[order[-1]]
    if abs(last.end_km - length) > tol:
        yield (
            ("contact_line", "sectors", order[-1], "end_km"),
            f"the last sector, '{short(last.name)}', ends at {last.end_km} km but the line is "
            f"{length:g} km long",
        )


def _check_weights(sc: Scenario) -> Iterator[tuple[Path, str]]:
    """Breaches need somewhere to happen: some sector of weight > 0 for every party.

    The sector of a breach is drawn with probability length x sector weight x party weight;
    when every product is 0 there is no distribution to draw from (it used to fall back,
    silently, to equal odds per sector).  The products are formed as the model forms them,
    so that weights that underflow to 0 together are caught too.
    """
    sectors = sc.contact_line.sectors
    mass = [(s.end_km - s.start_km) * s.weight for s in sectors]
    if not sum(mass) > 0:
        yield (
            ("contact_line", "sectors"),
            "every sector has weight 0, so breaches have nowhere to happen; give at least one "
            "sector a weight above 0",
        )
        return
    for name, party in sc.parties.items():
        if not party.sector_weights:
            continue
        own = [
            m * party.sector_weights.get(s.name, 1.0) for m, s in zip(mass, sectors, strict=True)
        ]
        if not sum(own) > 0:
            yield (
                ("parties", name, "sector_weights"),
                f"party '{short(name)}' has weight 0 on every sector whose own weight is above 0, "
                "so its breaches have nowhere to happen; give one of them a weight above 0",
            )


def _check_parties(sc: Scenario) -> Iterator[tuple[Path, str]]:
    types = list(sc.breach_types)
    sectors = [s.name for s in sc.contact_line.sectors]
    roles = [p.role for p in sc.parties.values()]
    for role in ("aggressor", "defender"):
        n = roles.count(role)
        if n != 1:
            yield ("parties",), f"exactly one party must have role {role}; found {n}"
    for name, party in sc.parties.items():
        if name in RESERVED_PARTY_NAMES:
            yield (
                ("parties", name),
                f"'{short(name)}' is reserved (it means no party); rename the party",
            )
        yield from _names(("parties", name, "rates_per_day"), party.rates_per_day, types, "type")
        if party.sector_weights:
            yield from _names(
                ("parties", name, "sector_weights"), party.sector_weights, sectors, "sector"
            )
        if party.retaliation is not None and party.role != "defender":
            yield ("parties", name, "retaliation"), "only the defender retaliates"
    if not types:
        yield ("breach_types",), "at least one breach type is needed"


def _check_sensors(sc: Scenario, length: float) -> Iterator[tuple[Path, str]]:
    """Each sensor group's placement, names and paired keys, group by group.

    The problems of one group come together, always in the same order
    (placement, sectors, detection, revisits, failures), so that a run of
    ``validate`` on the same file lists them the same way.
    """
    types = list(sc.breach_types)
    sectors = [s.name for s in sc.contact_line.sectors]
    for gname, g in sc.sensors.items():
        path = ("sensors", gname)
        yield from _check_placement(path, g, length)
        if g.sectors is not None:
            yield from _names((*path, "sectors"), g.sectors, sectors, "sector")
        yield from _names((*path, "p_detect"), g.p_detect, types, "type")
        if g.terrain_factor:
            yield from _check_terrain(sc, path, g)
        yield from _check_revisits(path, g, types)
        yield from _check_failures(path, g)


def _check_terrain(sc: Scenario, path: Path, g: SensorGroup) -> Iterator[tuple[Path, str]]:
    """A group's terrain factors name terrains that some sector has.

    A factor for a terrain no sector has can never act: most likely a sector's terrain or the
    factor's key is mistyped, and the user should hear about it rather than see no effect.
    """
    present = list(dict.fromkeys(s.terrain for s in sc.contact_line.sectors))
    for terrain in g.terrain_factor or {}:
        if terrain not in present:
            yield (
                (*path, "terrain_factor", terrain),
                f"no sector has terrain '{terrain}', so its factor never acts "
                f"(the sectors' terrains: {choices_text(present)})",
            )


def _check_placement(path: Path, g: SensorGroup, length: float) -> Iterator[tuple[Path, str]]:
    """Where a group's sensors stand: one way of placing a positioned group, none for full cover.

    A full-coverage group sees the whole line, so a count, spacing, position
    or range given for it is a mistake the user should hear about, not ignore.
    """
    placed = [k for k in ("count", "spacing_km", "positions_km") if getattr(g, k) is not None]
    if g.coverage != "positioned":
        for key in (*placed, *(["range_km"] if g.range_km is not None else [])):
            yield (*path, key), f"a full-coverage group has no {key}; remove it"
        return
    if len(placed) != 1:
        yield (
            path,
            (
                "a positioned group needs exactly one of count, spacing_km or positions_km"
                + (f"; got {', '.join(placed)}" if placed else "")
            ),
        )
    if g.range_km is None:
        yield path, "a positioned group needs range_km"
    if g.positions_km is not None and g.sectors is not None:
        yield (*path, "sectors"), "give sectors with count or spacing_km, not positions_km"
    for i, x in enumerate(g.positions_km or []):
        if x > length + _KM_TOLERANCE * max(1.0, length):
            yield (*path, "positions_km", i), f"{x} km is beyond the line ({length:g} km)"


def _check_revisits(path: Path, g: SensorGroup, types: list[str]) -> Iterator[tuple[Path, str]]:
    """A revisiting group needs both its revisit interval and how long each type stays visible."""
    if (g.revisit is None) != (g.persistence is None):
        yield path, "revisit and persistence go together: give both or neither"
    if g.revisit is not None and not g.revisit > 0:
        yield (*path, "revisit"), "revisit must be longer than 0"
    if g.persistence:
        yield from _names((*path, "persistence"), g.persistence, types, "type")


def _check_failures(path: Path, g: SensorGroup) -> Iterator[tuple[Path, str]]:
    """Sensor failures need both the time between failures and the time to repair."""
    if (g.mtbf is None) != (g.mttr is None):
        yield path, "mtbf and mttr go together: give both or neither"
    if g.mtbf is not None and not g.mtbf > 0:
        yield (*path, "mtbf"), "mtbf must be longer than 0"


def _check_attribution(sc: Scenario) -> Iterator[tuple[Path, str]]:
    parties = list(sc.parties)
    rows = [*parties, "none"]
    cols = [*parties, "unknown"]
    conf = sc.attribution.confusion
    for name in rows:
        if name not in conf:
            yield (
                ("attribution", "confusion"),
                (
                    f"the confusion matrix needs a row for '{short(name)}'"
                    + (" (false alarms)" if name == "none" else "")
                ),
            )
    yield from _names(("attribution", "confusion"), conf, rows, "row (party or none)")
    for row, probs in conf.items():
        yield from _names(("attribution", "confusion", row), probs, cols, "verdict")
        total = sum(probs.values())
        if abs(total - 1.0) > ROW_SUM_TOLERANCE:
            yield (
                ("attribution", "confusion", row),
                (
                    f"the row for '{short(row)}' sums to {total:.12g}; each row of the confusion "
                    "matrix must sum to 1"
                ),
            )


def _check_response(sc: Scenario) -> Iterator[tuple[Path, str]]:
    ladder = sc.response.ladder
    for i in range(1, len(ladder)):
        if ladder[i].min_severity < ladder[i - 1].min_severity:
            yield (
                ("response", "ladder", i, "min_severity"),
                (
                    "the ladder must be in rising order of min_severity "
                    f"({ladder[i].min_severity} comes after {ladder[i - 1].min_severity})"
                ),
            )
    names = [h.name for h in sc.response.hubs or []]
    for i, n in enumerate(names):
        if names.index(n) != i:
            yield ("response", "hubs", i, "name"), f"hub name '{short(n)}' is used twice"


def _check_aggressor(sc: Scenario) -> Iterator[tuple[Path, str]]:
    types = list(sc.breach_types)
    ag = sc.aggressor
    yield from _names(("aggressor", "benefit"), ag.benefit, types, "type")
    if ag.offensive is not None and ag.offensive.type not in types:
        yield (
            ("aggressor", "offensive", "type"),
            (
                f"unknown type '{short(ag.offensive.type)}'{suggest(ag.offensive.type, types)} "
                f"(known: {choices_text(types)})"
            ),
        )
    if ag.policy == "adaptive" and ag.responsiveness is None:
        yield ("aggressor",), "the adaptive policy needs responsiveness"
    if ag.learning is not None and ag.policy != "adaptive":
        yield (
            ("aggressor", "learning"),
            f"learning is for the adaptive policy only (the {ag.policy} aggressor learns nothing)",
        )
    yield from _check_offensive(ag)


def _check_offensive(ag: Aggressor) -> Iterator[tuple[Path, str]]:
    """One form of the offensive, and none for a fixed aggressor (SPEC 8.1)."""
    off = ag.offensive
    if off is None:
        return
    if ag.policy == "fixed":
        yield (
            ("aggressor", "offensive"),
            "a fixed aggressor weighs no costs, so it never launches an offensive: "
            "remove offensive or choose the rational or adaptive policy",
        )
    window_form = off.threshold is not None or off.window is not None
    if off.hazard is not None and window_form:
        yield (
            ("aggressor", "offensive"),
            "give either hazard or threshold and window, not both",
        )
    elif off.hazard is None and (off.threshold is None or off.window is None):
        missing = "threshold" if off.threshold is None else "window"
        yield (
            ("aggressor", "offensive", missing),
            f"offensive needs {missing} (with "
            f"{'window' if missing == 'threshold' else 'threshold'}), or a hazard instead",
        )


def _check_time(sc: Scenario) -> Iterator[tuple[Path, str]]:
    if not sc.duration > 0:
        yield ("duration",), "duration must be longer than 0"
    if not sc.reporting.report_interval > 0:
        yield (
            ("reporting", "report_interval"),
            "report_interval must be longer than 0 (routine reports are sent once per interval)",
        )
    if sc.warmup >= sc.duration:
        yield ("warmup",), "warmup must be shorter than duration"


def _check_coalition(sc: Scenario) -> Iterator[tuple[Path, str]]:
    """The commission meets at k x meeting_interval; a nation brings nothing it cannot do.

    A capability above 0 for an action missing from the nation's ``contributes``
    says both that it brings something to the action and that it cannot carry it
    out: a contradiction that the model would have to resolve by a guess.
    """
    commission = sc.coalition.commission
    if commission is not None and not commission.meeting_interval > 0:
        yield (
            ("coalition", "commission", "meeting_interval"),
            "meeting_interval must be longer than 0 (the commission meets once per interval)",
        )
    for name, nation in sc.coalition.nations.items():
        if nation.contributes is None or not nation.capability:
            continue
        for action, score in nation.capability.items():
            if score > 0 and action not in nation.contributes:
                yield (
                    ("coalition", "nations", name, "capability", action),
                    f"nation '{short(name)}' has capability {score:g} for {action}, which is "
                    f"not in its contributes ({', '.join(nation.contributes) or 'none'}); add "
                    f"{action} to contributes or set its capability to 0",
                )


def _check_events(sc: Scenario) -> Iterator[tuple[Path, str]]:
    """Events name groups, sectors and nations that exist; an outage ends after it starts.

    An event at or after the end of the run, or an outage lasting past it, is allowed and has
    no effect beyond the end: a study that varies ``duration`` (or a child that shortens its
    parent's) should not turn a valid event list into an error.  A nation withdraws once.
    """
    nations = list(sc.coalition.nations)
    withdrawn: dict[str, int] = {}
    for i, event in enumerate(sc.events):
        path: Path = ("events", i)
        if isinstance(event, SensorOutage):
            yield from _check_outage(sc, path, event)
        elif isinstance(event, SupportShock) and event.nations is not None:
            yield from _names((*path, "nations"), event.nations, nations, "nation")
        elif isinstance(event, Withdrawal):
            if event.nation not in nations:
                yield (*path, "nation"), _unknown(event.nation, nations, "nation")
            elif event.nation in withdrawn:
                yield (
                    (*path, "nation"),
                    f"nation '{short(event.nation)}' already withdraws at "
                    f"events[{withdrawn[event.nation]}]; a nation can leave only once",
                )
            else:
                withdrawn[event.nation] = i


def _check_outage(sc: Scenario, path: Path, event: SensorOutage) -> Iterator[tuple[Path, str]]:
    """A sensor outage's groups and sectors exist, and it ends (if it does) after it starts."""
    if event.groups is not None:
        yield from _names((*path, "groups"), event.groups, list(sc.sensors), "sensor group")
    if event.sectors is not None:
        sectors = [s.name for s in sc.contact_line.sectors]
        yield from _names((*path, "sectors"), event.sectors, sectors, "sector")
    if event.until is not None and not event.until > event.at:
        yield (
            (*path, "until"),
            f"the outage must end after it starts: until ({event.until:g} days) is not after "
            f"at ({event.at:g} days)",
        )


def semantic_problems(sc: Scenario, limit: int | None = None) -> list[tuple[Path, str]]:
    """Cross-key problems of a type-checked scenario, as ``(path, message)``.

    Args:
        sc: the scenario.
        limit: stop after this many problems (default: all of them).
    """
    line = list(_check_line(sc))
    checks = itertools.chain(
        _check_time(sc),
        line,
        _check_parties(sc),
        _check_sensors(sc, line_length_km(sc)) if not line else (),
        _check_weights(sc) if not line else (),
        _check_attribution(sc),
        _check_response(sc),
        _check_aggressor(sc),
        _check_coalition(sc),
        _check_events(sc),
    )
    return list(itertools.islice(checks, limit))
