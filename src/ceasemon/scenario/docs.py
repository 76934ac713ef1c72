"""Generate ``docs/scenarios.md`` from the scenario models, so that the reference cannot drift.

The key reference (every key at every level, its type in plain words, its
default and its description) is read from the pydantic models; the prose
around it (how ``extends`` and ``--set`` work, durations, the distribution
vocabulary, naming rules, neutral defaults and a complete example) is kept
here, next to the generator.  ``python -m ceasemon.scenario.docs`` prints the
page; ``make docs`` writes it to ``docs/scenarios.md``, and a test fails when
the file differs from what this module generates.
"""

from __future__ import annotations

import re
import sys
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

import annotated_types as at
from pydantic import BaseModel, BeforeValidator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .bounds import number_text
from .distributions import (
    DistributionT,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
    _shorthand,
)
from .durations import UNITS, parse_duration
from .models import Scenario

DISTRIBUTIONS: tuple[type[BaseModel], ...] = (
    Fixed,
    Exponential,
    Lognormal,
    Gamma,
    Uniform,
    Triangular,
    Empirical,
)
_DIST_SET = set(typing.get_args(DistributionT))

# --- plain-word types ---------------------------------------------------------------------------


def title_of(model: type[BaseModel]) -> str:
    """Human name of a model: ``SensorGroup`` -> ``Sensor group``."""
    if model is Scenario:
        return "Scenario (top level)"
    words = re.findall(r"[A-Z][a-z]*", model.__name__)
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def anchor_of(model: type[BaseModel]) -> str:
    """GitHub-style anchor of the model's heading."""
    text = title_of(model).lower()
    return re.sub(r"[^a-z0-9 -]", "", text).replace(" ", "-")


def _flatten(meta: list[Any]) -> list[Any]:
    out: list[Any] = []
    for m in meta:
        if isinstance(m, FieldInfo):
            out += _flatten(list(m.metadata))
        else:
            out.append(m)
    return out


def _bound(value: float) -> str:
    if isinstance(value, int) and value >= 2**32 and (value & (value - 1)) == 0:
        return f"2^{value.bit_length() - 1}"
    return number_text(value)


def _number(kind: str, meta: list[Any]) -> str:
    ge = next((m.ge for m in meta if isinstance(m, at.Ge)), None)
    gt = next((m.gt for m in meta if isinstance(m, at.Gt)), None)
    le = next((m.le for m in meta if isinstance(m, at.Le)), None)
    lt = next((m.lt for m in meta if isinstance(m, at.Lt)), None)
    if kind == "number" and ge == 0 and le == 1:
        return "probability"
    parts = []
    if ge is not None:
        parts.append(f">= {_bound(ge)}")
    if gt is not None:
        parts.append(f"> {_bound(gt)}")
    if le is not None:
        parts.append(f"<= {_bound(le)}")
    if lt is not None:
        parts.append(f"< {_bound(lt)}")
    return f"{kind} {' and '.join(parts)}" if parts else kind


def describe_type(tp: Any, meta: list[Any] | None = None) -> str:
    """The type of a field in plain words ("duration", "list of sector", ...)."""
    meta = _flatten(list(meta or []))
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(tp)
        return describe_type(base, [*extra, *meta])
    text = _validated_type(meta)
    if text is None and origin in _GENERIC:
        text = _GENERIC[origin](tp, meta)
    return text if text is not None else _plain_type(tp, meta)


def _validated_type(meta: list[Any]) -> str | None:
    """A type named by the validator that parses it (durations, random durations), if any."""
    validators = [m.func for m in meta if isinstance(m, BeforeValidator)]
    if _shorthand in validators:
        return "[random duration](#random-durations)"
    if parse_duration in validators:
        return "duration"
    return None


def _union_type(tp: Any, meta: list[Any]) -> str:
    """``A or B`` (optional's ``None`` left out); the distributions' union is a random duration."""
    members = [a for a in typing.get_args(tp) if a is not type(None)]
    if set(members) == _DIST_SET:
        return "[random duration](#random-durations)"
    return " or ".join(describe_type(m, meta) for m in members)


def _literal_type(tp: Any, meta: list[Any]) -> str:
    """The one allowed value, or ``one of`` the allowed values."""
    values = [f"`{v}`" for v in typing.get_args(tp)]
    return values[0] if len(values) == 1 else "one of " + ", ".join(values)


def _list_type(tp: Any, meta: list[Any]) -> str:
    """``list of X``; a list of literals reads ``list of any of ...``.

    A list whose items are a tagged union of models (the events) says that each
    item is one of them, picked by its tag, rather than "list of A or B".
    """
    (item,) = typing.get_args(tp)
    tag = _discriminator(item)
    if tag is not None:
        members = [describe_type(m) for m in _union_members(item)]
        return (
            f"list; each item, by its `{tag}`, one of "
            + ", ".join(members[:-1])
            + f" or {members[-1]}"
        )
    text = describe_type(item)
    return "list of " + (text.replace("one of", "any of", 1) if text.startswith("one of") else text)


def _discriminator(tp: Any) -> str | None:
    """The tag key of an annotated discriminated union of models (``kind``), else ``None``."""
    if typing.get_origin(tp) is not typing.Annotated:
        return None
    tags = [getattr(m, "discriminator", None) for m in typing.get_args(tp)[1:]]
    return next((t for t in tags if isinstance(t, str)), None)


def _union_members(tp: Any) -> list[Any]:
    """The members of a (possibly annotated) union."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return list(typing.get_args(tp))


def _tuple_type(tp: Any, meta: list[Any]) -> str:
    """A fixed-length tuple as ``[X, Y]``, as it is written in YAML."""
    return "[" + ", ".join(describe_type(a) for a in typing.get_args(tp)) + "]"


def _dict_type(tp: Any, meta: list[Any]) -> str:
    """A mapping to values of one type, from names of the user's choosing or from fixed keys."""
    key, value = typing.get_args(tp)
    if typing.get_origin(key) is typing.Literal:
        keys = ", ".join(f"`{k}`" for k in typing.get_args(key))
        return f"mapping: any of {keys} → " + describe_type(value)
    return "mapping: name → " + describe_type(value)


#: Plain words for the generic types by their origin (``typing.get_origin``).
_GENERIC: dict[Any, Callable[[Any, list[Any]], str]] = {
    typing.Union: _union_type,
    types.UnionType: _union_type,
    typing.Literal: _literal_type,
    list: _list_type,
    tuple: _tuple_type,
    dict: _dict_type,
}

_SCALARS: dict[type, Callable[[list[Any]], str]] = {
    bool: lambda meta: "true or false",
    int: lambda meta: _number("integer", meta),
    float: lambda meta: _number("number", meta),
    str: lambda meta: "text",
}


def _plain_type(tp: Any, meta: list[Any]) -> str:
    """A model as a link to its table, a scalar in words with its bounds."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[{title_of(tp).lower()}](#{anchor_of(tp)})"
    if isinstance(tp, type) and tp in _SCALARS:
        return _SCALARS[tp](meta)
    return getattr(tp, "__name__", str(tp))  # pragma: no cover - every field type is covered


def describe_default(field: FieldInfo) -> str:
    """The default of a field as a scenario file would spell it, or ``required``."""
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if value is None:
        return "none"
    if value == {}:
        return "`{}`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def field_rows(model: type[BaseModel]) -> list[tuple[str, str, str, str]]:
    """``(key, type, default, description)`` for every field of ``model``."""
    rows = []
    for name, field in model.model_fields.items():
        desc = field.description or ""
        default = describe_default(field)
        if name == "dist":
            # The union needs the tag in a mapping, whatever the member's own default says.
            default = "required"
            desc = desc or "names the distribution"
            if model is Fixed:
                desc += "; a plain duration such as `6h` is short for `{dist: fixed, value: 6h}`"
        rows.append(
            (
                field.alias or name,
                describe_type(field.annotation, list(field.metadata)),
                default,
                _rst_to_md(desc),
            )
        )
    return rows


def _rst_to_md(text: str) -> str:
    return text.replace("``", "`")


def table(model: type[BaseModel]) -> str:
    """The markdown table of the keys of ``model``."""
    lines = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for key, kind, default, desc in field_rows(model):
        lines.append(f"| `{key}` | {_cell(kind)} | {_cell(default)} | {_cell(desc)} |")
    return "\n".join(lines)


# --- walking the models -------------------------------------------------------------------------


def _models_in(tp: Any) -> Iterator[tuple[type[BaseModel], str]]:
    """Models inside a field type, each with the path suffix that reaches it."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        yield from _models_in(typing.get_args(tp)[0])
    elif origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if set(args) != _DIST_SET:
            for a in args:
                yield from _models_in(a)
    elif origin is list:
        for model, suffix in _models_in(typing.get_args(tp)[0]):
            yield model, "[i]" + suffix
    elif origin is dict:
        for model, suffix in _models_in(typing.get_args(tp)[1]):
            yield model, ".NAME" + suffix
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        yield tp, ""


def scenario_models() -> list[tuple[type[BaseModel], list[str]]]:
    """Every model reachable from ``Scenario`` (depth first), with the key paths that reach it."""
    order: list[type[BaseModel]] = []
    paths: dict[type[BaseModel], list[str]] = {}

    def visit(model: type[BaseModel], path: str) -> None:
        if model in paths:
            paths[model].append(path)
            return
        order.append(model)
        paths[model] = [path] if path else []
        for name, field in model.model_fields.items():
            for sub, suffix in _models_in(field.annotation):
                visit(sub, f"{path}.{name}{suffix}".lstrip("."))

    visit(Scenario, "")
    return [(m, paths[m]) for m in order]


def all_models() -> list[type[BaseModel]]:
    """Every model documented on the page: the scenario's and the distributions."""
    return [m for m, _ in scenario_models()] + list(DISTRIBUTIONS)


# --- prose --------------------------------------------------------------------------------------

HEADER = """\
# Scenario files

<!-- Generated by `python -m ceasemon.scenario.docs` from src/ceasemon/scenario/ (models and
     prose); run `make docs` after changing either. A test fails when this file is stale. -->

A scenario is one YAML file that describes a whole monitoring mechanism: the contact line and its
sectors, the two parties and their breach rates, the sensor network, the fusion cell that
attributes incidents, the reports, the coalition of guarantor nations, the response ladder and the
aggressor's policy. `ceasemon validate FILE` checks a file; `ceasemon schema` prints its JSON
Schema for editors; `ceasemon scenarios` lists the packaged scenarios (`baseline` and its
variants), which are good starting points.

Contents: [Loading: extends and --set](#loading-extends-and---set) ·
[Durations and units](#durations-and-units) · [Random durations](#random-durations) ·
[Names](#names) · [Neutral defaults](#neutral-defaults) · [Checks across keys](#checks-across-keys)
· [Key reference](#key-reference) · [A complete annotated example](#a-complete-annotated-example)
"""

LOADING = """\
## Loading: extends and --set

A scenario argument (on the command line or to `ceasemon.load_scenario`) is a path to a YAML file
or the name of a packaged scenario, such as `baseline`. Loading takes four steps, always in this
order:

1. **Read** the file with a safe YAML loader: only mappings, lists, strings, numbers, `true`,
   `false` and `null`. A tag that would construct a Python object (`!!python/...`) is an error
   and is never executed; so are a duplicate key, a second YAML document in the file, and bytes
   that are not UTF-8. Booleans follow YAML 1.2: only `true` and `false` (also `True`, `TRUE`,
   `False`, `FALSE`) are booleans, so a nation called `NO` or a description `yes` stays text.
2. **Extend.** `extends: PARENT` names a parent: a path relative to the directory of the file
   that contains the `extends` line (not the working directory), or a packaged scenario name. The
   parent may extend another file in turn; a cycle (a file that ends up extending itself) is an
   error that shows the chain. The file is then deep-merged over its parent:
   - mappings merge key by key, at every depth: `coalition: {quorum: 0.6}` changes the quorum
     and keeps every other coalition key and every nation;
   - lists replace whole: a `sectors`, `ladder`, `positions_km`, `contributes` or `events` list
     in the child is the whole new list;
   - a mapping with a `dist` key is one random value and replaces whole
     (`service_time: {dist: exponential, mean: 20min}` drops the parent's `median` and `sigma`);
     a mapping without `dist` merges into the inherited distribution, so
     `service_time: {sigma: 1.0}` changes one parameter;
   - `key: null` removes an inherited key, which then takes its default (for example
     `offensive: null`, or `sensors: {uav_patrols: null}` to drop a sensor group);
   - `key: {}` replaces an inherited mapping with an empty one (`coalition: {nations: {}}`:
     a coalition of no nations);
   - anything else (text, numbers) replaces.
3. **Override.** Every command that takes a scenario accepts `--set dotted.key=value`
   (repeatable), applied after `extends`, in the order given, so a later `--set` wins over an
   earlier one. The value is read as a YAML scalar or flow collection: `--set duration=90d`,
   `--set coalition.quorum=0.75`, `--set 'sensors.cameras.sectors=[kharkiv, luhansk]'`,
   `--set 'attribution.service_time={dist: exponential, mean: 20min}'`. Digits index lists:
   `--set response.ladder.0.cost=2`. A `--set` value replaces what was there (a mapping too; it
   does not merge), a missing key along the path is created (`--set
   'coalition.nations.Poland={ratification: 0.9, delay: 2d, support: 0.8}'` adds a nation), and
   `--set description=` sets empty text. In Python the overrides are a mapping of dotted keys to
   Python values, which are not parsed as YAML:
   `load_scenario("baseline", overrides={"duration": "90d"})`.
4. **Validate** the merged result: types and ranges (pydantic models), then the
   [checks across keys](#checks-across-keys). Unknown keys are errors with a "did you mean"
   suggestion and the list of keys allowed there.

Every problem is reported on one line that names the file, the line and the dotted key, for
example `my.yaml, line 7, key contact_line.sectors[1].start_km: sector 'b' (50.0 .. 100.0 km)
overlaps sector 'a' (0.0 .. 60.0 km)`. A value inherited from a parent is reported in the
parent's file (`package:baseline.yaml` for a packaged one), a value given with `--set` as
`--set KEY`. Problems are reported together: all type and range errors at once, then, when the
types are right, all the checks across keys. Bad input exits with status 2, never with a Python
traceback.
"""

DURATIONS = """\
## Durations and units

A span of time is written as a number and a unit, with no sign: `30s`, `30min`, `6h`, `3d`, `2w`,
also `1.5d`, `.5h`, `1e3s` or `3 d`. The units are:

{units}

A bare number where a duration is expected (`duration: 365`) is an error that lists these units:
`365` could mean hours or days, and a guess would silently change the scenario. Inside the model
every duration is a number of days.

Keys whose name carries their unit take plain numbers: `length_km`, `start_km`, `range_km`,
`spacing_km`, `distance_km`, `location_error_km`, `rates_per_day`, `false_alarms_per_day`,
`discount_per_day`, `travel_speed_km_per_day`, `support_decay_per_year`. Probabilities are plain
numbers in [0, 1]; severities, weights, costs and benefits are plain numbers >= 0.

Every number must be finite: `.inf`, `-.inf` and `.nan` are errors, and so is a number too large
for a float (`1e400`). Numbers that enter sums and products over a run are also bounded, far
beyond any meaningful value, so that no total can overflow to infinity: lengths, positions and
distances (`*_km`) are at most 1e7 km (250 times round the Earth); severities, weights, costs,
benefits, `urgent_severity`, `min_severity`, `discount_per_day`, `responsiveness` and the prior's
`alpha` and `beta` are at most 1e9, `offensive.threshold` lies in -1e9 .. 1e9, and
`travel_speed_km_per_day` lies in 1e-5 .. 1e9 (so the longest trip takes at most the longest
duration). A duration is at most 1e12 days. Keys that set the size of a run (`rates_per_day`,
`false_alarms_per_day`, `count`, `spacing_km`, `analysts`, `min_detections`) have no bound of
their own: a run too large for the machine is refused before it starts, with its estimate
(`--ignore-limits` runs it anyway).

Numbers are read as YAML 1.2 reads them, in decimal: `12`, `-3`, `0.5`, `.5`, `1e-3`, `2.5E+6`
(YAML 1.1 read `1e-3` as text). Forms that only YAML 1.1 reads as numbers are errors that name
the key and line and say what YAML 1.1 would have read, because a YAML 1.1 tool and a YAML 1.2
tool would read the same file differently: sexagesimal `1:30` (90 in YAML 1.1), hexadecimal
`0x1F`, binary `0b101`, a leading zero `017` (15 in YAML 1.1, 17 in YAML 1.2) and digit groups
`1_000`. Write the number in decimal, or quote the value if it is text (`'1:30'`). Forms that
neither version reads as a number, such as `0o17`, are text, which a key that needs a number
refuses.
"""

DIST_PROSE = """\
## Random durations

A key typed *random duration* takes either a duration, which is that fixed value (`latency: 15s`),
or a mapping whose `dist` key names a distribution and whose other keys are its parameters:

```yaml
latency: 15s                                             # the same as {dist: fixed, value: 15s}
service_time: {dist: lognormal, median: 20min, sigma: 0.5}
delay: {dist: triangular, low: 2d, mode: 3d, high: 10d}
```

Parameters that are times are durations with a unit; `sigma`, `cv` and `weights` are plain
numbers. Each distribution knows its mean and variance in closed form (the tests check them
against 200,000 draws), and the bounds of its values:

| `dist` | parameters | mean | variance | values |
| --- | --- | --- | --- | --- |
| `fixed` | `value` | value | 0 | value |
| `exponential` | `mean` | mean | mean² | [0, ∞) |
| `lognormal` | `median`, `sigma` (sd of the log) | median · exp(sigma²/2) \
| median² · exp(sigma²) · (exp(sigma²) − 1) | (0, ∞) |
| `gamma` | `mean`, `cv` (sd / mean) | mean | (mean · cv)² (shape 1/cv², scale mean · cv²) \
| [0, ∞); the mean when cv = 0 |
| `uniform` | `low`, `high` (low <= high) | (low + high) / 2 | (high − low)² / 12 | [low, high] |
| `triangular` | `low`, `mode`, `high` (low <= mode <= high) | (low + mode + high) / 3 \
| (low² + mode² + high² − low·mode − low·high − mode·high) / 18 | [low, high] |
| `empirical` | `values`, `weights` (default equal) | Σ pᵢ vᵢ with pᵢ = wᵢ / Σ w \
| Σ pᵢ (vᵢ − mean)² | the values with weight > 0 |

Which to use: `exponential` for memoryless waits, `lognormal` for skewed human delays given a
typical (median) value, `gamma` to set the mean and the spread independently, `uniform` or
`triangular` for an expert's range (minimum, most likely, maximum), `empirical` for observed
values. The keys of each distribution:
"""

NAMES = """\
## Names

Parties, sectors, breach types, sensor groups, nations and hubs have names of your choosing. They
are case-sensitive text and appear in tables and plots.

- `none` and `unknown` cannot be party names: in `attribution.confusion`, `none` is the row of
  false alarms (no true party) and `unknown` the verdict that names no party.
- Exactly one party has `role: aggressor` and exactly one `role: defender`.
- Sector names are unique, and so are hub names.
- A name used elsewhere must exist, or the error suggests the closest one: sectors in a sensor
  group's `sectors` and a party's `sector_weights`; breach types in `rates_per_day`, `p_detect`,
  `persistence`, `benefit` and `offensive.type`; parties (and `none`) as confusion rows, parties
  (and `unknown`) as verdicts; sensor groups, sectors and nations in `events`.
- Quote a name that YAML would read as something else: `'2020'` (a number), `'true'`, `'null'`.
  Names such as `NO`, `yes` and `on` need no quotes (YAML 1.2).
- `--set` addresses keys by dotted paths, so a name containing a dot (`U.S.`) cannot be reached
  with `--set`; prefer `US`.
"""

NEUTRAL = """\
## Neutral defaults

A scenario without `extends` is complete on its own: it gives every key marked *required* in the
[key reference](#key-reference). With `extends: baseline` every key but `name` may come from the
parent. Keys that only one mode of the model uses are optional everywhere else, and their defaults
are neutral, that is they switch the feature off rather than invent a value:

- `false_alarms_per_day` 0 and `location_error_km` 0: no false alarms, exact positions;
- `revisit` and `persistence` none: the group watches continuously (they go together);
- `mtbf` and `mttr` none: sensors never fail (they go together);
- `retaliation` none: the defender never answers a breach;
- `sector_weights` none: every sector weighs 1 for that party;
- `hubs` none: military assistance needs no travel time;
- `contributes` none: the nation can carry out every action;
- `prior` and `responsiveness`: used only by the `adaptive` policy (which needs
  `responsiveness`);
- `offensive` none: the ceasefire never collapses;
- `ratification` a plain probability: decided at the start; as `{probability, delay}` its
  `delay` defaults to `0d`;
- `capability` none: the nation brings 1 to each action it contributes and 0 to the others;
- `commission` none: each report is a decision; with a commission, `deliberation` `0d`,
  `min_incidents` 1 and `extraordinary_severity` none (no extraordinary meetings);
- `escalation` none: the severity alone sets the rung;
- `terrain_factor` none: the group sees every terrain alike (a terrain it does not name: 1);
- `events` empty: nothing happens on a timetable; an outage's `groups` and `sectors` default to
  all, its `until` to the end and its `factor` to 0 (blind); a shock's `nations` default to all;
- `description` empty, `warmup` `0d` (the ceasefire's own start is usually the point of interest).

One default is not neutral: `response.cost_scaling` is `capability`, so a response imposes its
rung's cost times the share of all nations' capability for its action held by the members that
voted yes; a scenario in which not every nation takes part imposes less than the version 1 rule,
which `cost_scaling: full` restores.

Defaults are stated once, in the models this page is generated from; the simulation never
invents one.
"""

CHECKS = """\
## Checks across keys

Beyond the type and range of each key, a scenario must satisfy:

- the contact line has exactly one of `length_km` or `polyline` (`[lon, lat]` points in degrees;
  the length is their great-circle length), and its sectors tile it from 0 to its length, each
  ending after it starts, with no gap and no overlap (to within a millionth of the length);
- exactly one aggressor and one defender; only the defender has `retaliation`;
- a `positioned` sensor group has exactly one of `count`, `spacing_km` or `positions_km`, and a
  `range_km`; `sectors` goes with `count` or `spacing_km`, not with `positions_km`, and explicit
  positions lie on the line; a `full` group has none of these;
- `revisit` and `persistence` are given together, as are `mtbf` and `mttr`; `revisit`, `mtbf` and
  `reporting.report_interval` are longer than 0;
- some sector has a weight above 0, and every party's `sector_weights` leave it some sector of
  weight above 0 (the sector of a breach is drawn in proportion to length x sector weight x party
  weight);
- a polyline's points are `[lon, lat]` with lon in -180 .. 180 and lat in -90 .. 90;
- the confusion matrix has a row for every party and for `none`, and each row sums to 1 (within
  1e-9);
- the ladder is in rising order of `min_severity`; hub names are unique;
- the `adaptive` policy has `responsiveness`; `offensive.type` is a breach type;
- `duration` is longer than 0 and `warmup` shorter than `duration`;
- a commission's `meeting_interval` is longer than 0;
- a nation with `contributes` has no `capability` above 0 for an action it does not contribute
  (that would say both that it brings something to the action and that it cannot carry it out);
- a sensor group's `terrain_factor` names only terrains that some sector has (a factor for
  any other terrain could never act);
- events name sensor groups, sectors and nations that exist; an outage's `until` is after its
  `at`; a nation withdraws at most once. An event at or after the end of the run, or an outage
  that lasts beyond it, is allowed and has no effect beyond the end (so that varying `duration`
  keeps a scenario valid).
"""

REFERENCE_INTRO = """\
## Key reference

Every key at every level, generated from the models. *required* means that a scenario without
`extends` must give it; a `duration` is text with a unit; a
[random duration](#random-durations) is a duration or a distribution; a *mapping: name → X* is a
mapping from names of your choosing to values of type X.
"""

EXAMPLE = """\
# A complete scenario: no extends, every required key given.
name: example                  # label in tables and plots
description: A 100 km line, two sectors, two sensor groups, two guarantors.
seed: 7                        # root seed: the same seed gives the same results
duration: 180d                 # simulated time
replications: 20               # default number of replications

contact_line:
  length_km: 100
  sectors:                     # must tile 0 .. 100 km
    - {name: north, start_km: 0, end_km: 40, terrain: open}
    - {name: south, start_km: 40, end_km: 100, terrain: urban, weight: 2}   # twice as busy

breach_types:                  # severity drives queue priority, urgency and the ladder rung
  shot: {severity: 1}
  shell: {severity: 5}

parties:
  red:
    role: aggressor
    rates_per_day: {shot: 20, shell: 5}      # Poisson rates at intensity 1
  blue:
    role: defender
    rates_per_day: {shot: 5}
    retaliation: {probability: 0.3, delay: {dist: exponential, mean: 2h}}

sensors:
  acoustic:
    count: 50                  # spread evenly over all sectors (or give spacing_km)
    range_km: 3
    p_detect: {shot: 0.8, shell: 0.9}        # per breach in range; missing types 0
    terrain_factor: {urban: 0.6}             # hears 60% as well in urban sectors (others 1)
    location_error_km: 0.02
    latency: 15s
    false_alarms_per_day: 0.01               # per sensor
  satellite:
    coverage: full             # sees the whole line, at passes
    revisit: 1d
    persistence: {shell: 3d}   # craters stay visible for 3 days
    p_detect: {shell: 0.5}
    latency: {dist: uniform, low: 12h, high: 2d}

attribution:
  min_detections: 1            # detections before an incident is verified
  analysts: 2
  service_time: {dist: lognormal, median: 20min, sigma: 0.5}
  confusion:                   # true party (and none: false alarms) -> verdict
    red: {red: 0.85, blue: 0.05, unknown: 0.10}
    blue: {red: 0.05, blue: 0.85, unknown: 0.10}
    none: {red: 0.2, blue: 0.1, unknown: 0.7}

reporting:
  urgent_severity: 5           # shells are reported at once, shots in the daily report
  report_interval: 1d

coalition:
  quorum: 0.5                  # share of member weight whose yes decides
  decision_window: 30d
  support_decay_per_year: 0.1
  nations:
    A: {weight: 2, ratification: 0.9, delay: {dist: triangular, low: 2d, mode: 3d, high: 7d},
        support: 0.8}
    B:
      ratification: {probability: 0.8, delay: 60d}   # its parliament votes after two months
      delay: 7d
      support: 0.7
      contributes: [diplomatic, economic]
      capability: {diplomatic: 1, economic: 3}       # what it brings (default 1 per action)
  commission:                  # optional: reports naming red are gathered into cases
    meeting_interval: 14d      # regular meetings every two weeks
    deliberation: 2d           # from a meeting to the referral of its case
    min_incidents: 2           # fewer aggressor-named incidents carry over
    extraordinary_severity: 5  # a report of a shell calls a meeting at once

response:
  ladder:                      # rising min_severity; the last rung that applies is taken
    - {min_severity: 0, action: diplomatic, implementation: 1d, cost: 1}
    - {min_severity: 5, action: economic, implementation: 14d, cost: 5}
  escalation: {memory: 30d}    # a decision within 30 days of a response climbs a rung
  cost_scaling: capability     # the default: cost x the yes-voters' share of capability

aggressor:
  policy: adaptive             # fixed, rational or adaptive
  benefit: {shot: 0.5, shell: 3}
  discount_per_day: 0.01
  prior: {alpha: 1, beta: 1, delay: 14d}
  responsiveness: 2
  offensive: {type: shell, threshold: 0, window: 60d}

events:                        # optional, on a timetable since the start
  - {kind: sensor_outage, at: 30d, until: 45d, groups: [acoustic], sectors: [south],
     factor: 0.3}              # jamming: acoustic sensors in the south detect 30% as often
  - {kind: support_shock, at: 90d, nations: [A], factor: 0.5}   # an election halves A's support
  - {kind: withdrawal, at: 120d, nation: B}                     # B leaves the coalition
"""

CHILD_EXAMPLE = """\
# A variant: only what differs from the parent.
extends: baseline              # a packaged name, or a path relative to this file
name: faster-fusion
description: The baseline with twice the analysts and quicker verification.
attribution:
  analysts: 32                 # mappings merge: the other attribution keys stay
  service_time: {dist: exponential, mean: 10min}   # a distribution replaces whole
sensors:
  uav_patrols: null            # null removes an inherited key: no UAVs
"""

EXAMPLE_PROSE = """\
## A complete annotated example

A scenario that stands on its own (no `extends`):

```yaml
{example}```

A variant that extends the packaged baseline and changes three things:

```yaml
{child}```

Check either with `ceasemon validate FILE`, and try changes without editing the file:
`ceasemon validate example.yaml --set duration=1y` fails (`y` is not a unit),
`--set duration=52w` passes.
"""


def _units_table() -> str:
    names = {"s": "second", "min": "minute", "h": "hour", "d": "day", "w": "week (7 days)"}
    lines = ["| unit | meaning | days |", "| --- | --- | --- |"]
    for unit, days in UNITS.items():
        lines.append(f"| `{unit}` | {names[unit]} | {days:.10g} |")
    return "\n".join(lines)


def generate() -> str:
    """The whole text of ``docs/scenarios.md``."""
    parts = [HEADER, LOADING, DURATIONS.format(units=_units_table()), DIST_PROSE]
    for dist in DISTRIBUTIONS:
        tag = typing.get_args(dist.model_fields["dist"].annotation)[0]
        doc = _rst_to_md((dist.__doc__ or "").strip())
        parts.append(f"### `{tag}`\n\n{doc}\n\n{table(dist)}\n")
    parts += [NAMES, NEUTRAL, CHECKS, REFERENCE_INTRO]
    for model, paths in scenario_models():
        doc = _rst_to_md((model.__doc__ or "").strip().splitlines()[0])
        where = ""
        if paths:
            where = " At " + ", ".join(f"`{p}`" for p in paths) + "."
        parts.append(f"### {title_of(model)}\n\n{doc}{where}\n\n{table(model)}\n")
    parts.append(EXAMPLE_PROSE.format(example=EXAMPLE, child=CHILD_EXAMPLE))
    return "\n".join(parts)


def main() -> None:
    """Print the page (``make docs`` redirects it into ``docs/scenarios.md``)."""
    sys.stdout.write(generate())


if __name__ == "__main__":
    main()
