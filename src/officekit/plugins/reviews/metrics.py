"""What the analysis measures: metrics, each an aggregate of events, grouped into dimensions.

A desk (built in or a third party's) describes its metrics with
[`Metric`][officekit.plugins.reviews.metrics.Metric] objects returned from the
``officekit_register_metrics`` hook. A metric is a ratio of two
[`Tally`][officekit.plugins.reviews.metrics.Tally] objects (or of one tally and the
hours each person worked), computed by the database over the period's events:
every registered metric of every desk is one column pair of a single aggregate
query, so the analysis reads the event log once, in constant memory, however many
metrics the installed desks bring.

A tally names the operations it counts, an optional condition on their event's
``detail`` (``{"misrouted": True}``), an optional ``detail`` value to sum instead of
counting (``"handled_seconds"``), and whom it credits: the event's actor, or the
member of staff a ``detail`` key names (``records.correct`` credits the error to
``corrected_entry_by``, whoever made it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from officekit.errors import PluginError

if TYPE_CHECKING:
    from officekit.core.profile import Profile

__all__ = [
    "DIMENSIONS",
    "HOURS",
    "OFFERED",
    "Dimension",
    "Metric",
    "Tally",
    "holding",
    "score",
]

_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_DETAIL = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

Scalar = bool | int | str
"""A value a tally's ``where`` compares a detail key with."""


@attrs.frozen
class Dimension:
    """A group of metrics the analysis scores together.

    Attributes:
        key: Its key (``"efficiency"``), used in the profile's ``[reviews] weights``.
        title: Its name in reports.
        description: What it says about a person, in a sentence.
    """

    key: str
    title: str
    description: str


DIMENSIONS = (
    Dimension(
        "efficiency",
        "Efficiency",
        "How quickly work is handled against the profile's targets: handling times, "
        "throughput per hour worked, service level, speed of answer.",
    ),
    Dimension(
        "organisation",
        "Organisation",
        "Whether work is kept in order: filing on time, few misfiles, checkouts and "
        "messages not left overdue, cheques handed out on time.",
    ),
    Dimension(
        "professionalism",
        "Professionalism",
        "How customers find the service: their feedback after calls, visits and "
        "appointments, greeting and waiting times, complaints.",
    ),
    Dimension(
        "accuracy",
        "Accuracy",
        "How few errors are made: data entry corrected, calls misrouted, payments "
        "voided or refunded by mistake.",
    ),
    Dimension(
        "teamwork",
        "Teamwork",
        "How much a person does for colleagues: transfers accepted and completed, "
        "messages delivered for others, cover of others' duties.",
    ),
)
"""The five dimensions every office is analysed on (a plugin may add more)."""


def _check_key(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _KEY.match(value):
        raise PluginError(
            f"the {attribute.name} of a {type(instance).__name__} is a dotted lower-case "
            f"name such as 'calls.handling_time', got {value!r}"
        )


def _check_detail(
    instance: object, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and (not isinstance(value, str) or not _DETAIL.match(value)):
        raise PluginError(
            f"the {attribute.name} of a {type(instance).__name__} is a detail key "
            f"(a lower-case identifier), got {value!r}"
        )


def _check_where(instance: object, attribute: attrs.Attribute[object], value: object) -> None:
    if not isinstance(value, Mapping):
        raise PluginError(
            f"the where of a Tally is a mapping of detail keys to values, got {value!r}"
        )
    for key, wanted in value.items():
        if not isinstance(key, str) or not _DETAIL.match(key):
            raise PluginError(
                f"a Tally's where names a detail key (a lower-case identifier), got {key!r}"
            )
        if not isinstance(wanted, bool | int | str) or (isinstance(wanted, float)):
            raise PluginError(
                f"a Tally's where compares {key!r} with a bool, int or str, got {wanted!r}"
            )


def _operations(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    ops = (value,) if isinstance(value, str) else tuple(value)
    if not ops or not all(isinstance(op, str) and _KEY.match(op) for op in ops):
        raise PluginError(f"a Tally counts one or more operations by name, got {value!r}")
    return ops


@attrs.frozen
class Tally:
    """An aggregate of the period's events of some operations, per member of staff.

    Attributes:
        operations: The operations whose (successful) events it counts.
        where: Conditions on the event's ``detail``: each key must hold the value
            (``{"misrouted": True}``); empty: every event of the operations.
        value: A ``detail`` key whose numbers it sums; None: it counts the events.
            An event without the key adds nothing (and is not counted by ``count``).
        credit: A ``detail`` key holding the id of the member of staff the event
            counts for (``"corrected_entry_by"``); None: the event's actor. One
            operation credits one key across all metrics (the analysis checks).
    """

    operations: tuple[str, ...] = attrs.field(converter=_operations)
    where: Mapping[str, Scalar] = attrs.field(factory=dict, validator=_check_where)
    value: str | None = attrs.field(default=None, validator=_check_detail)
    credit: str | None = attrs.field(default=None, validator=_check_detail)

    def identity(self) -> tuple[object, ...]:
        """What makes two tallies the same column of the query."""
        return (self.operations, tuple(sorted(self.where.items())), self.value, self.credit)


HOURS = "hours"
"""A metric's ``per`` for a rate per hour worked (from the shifts' events)."""

OFFERED = "offered"
"""A metric's ``per`` for the work done against the work offered while on shift.

The person's fair share of the office's work: for each hour of the period, the
work that arrived in it (the metric's ``offered`` tally, else its ``of``), split
among those able to do it in proportion to the time each was on shift in it. A
value of 1 is one's share; a part-timer on quiet mornings is
measured against the quiet mornings' work, not the busy afternoons'.
"""


def _check_per(instance: object, attribute: attrs.Attribute[object], value: object) -> None:
    if not (value in (HOURS, OFFERED) or isinstance(value, Tally)):
        raise PluginError(f"a Metric's per is a Tally, 'hours' or 'offered', got {value!r}")


def _check_offered(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, Tally):
        raise PluginError(f"a Metric's offered is a Tally or None, got {value!r}")


def _check_applies(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not callable(value):
        raise PluginError(f"a Metric's applies is a function or None, got {value!r}")


def _check_dimension(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _DETAIL.match(value):
        raise PluginError(f"a Metric's dimension is a lower-case identifier, got {value!r}")


def _check_better(instance: Metric, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("lower", "higher"):
        raise PluginError(
            f"the better of metric {instance.key!r} is 'lower' or 'higher', got {value!r}"
        )


def _check_target(instance: Metric, attribute: attrs.Attribute[float], value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise PluginError(f"the target of metric {instance.key!r} is a number >= 0, got {value!r}")


@attrs.frozen
class Metric:
    """One figure of the analysis: ``scale * sum(of) / sum(per)``, per person and for the office.

    Attributes:
        key: Its key (``"calls.handling_time"``), used in the profile's ``[reviews]
            targets`` and by ``officekit review explain``.
        dimension: The dimension it counts towards.
        title: Its name in reports.
        unit: The unit of its value (``"s"``, ``"%"``, ``"/h"``).
        of: What is summed (the numerator).
        per: What it is divided by: a tally; ``"hours"``, the hours worked
            (normalises a count by the time each person was on shift); or
            ``"offered"``, the person's fair share of the work offered while they
            were on shift (see [`OFFERED`][officekit.plugins.reviews.metrics.OFFERED]).
        better: ``"lower"`` or ``"higher"``: which way is good.
        target: The value the office aims for, unless the profile says otherwise.
        scale: Multiplies the ratio (100 for a percentage, 60 to go from per-second to
            per-minute).
        min_count: The least ``per`` (events, or hours) that makes the value mean
            something; below it the metric says "too little data" and scores nothing.
        weight: Its weight within its dimension.
        formula: The formula in words, for the docs and ``explain``.
        breakdown: A ``detail`` key the office's findings break the metric down by
            (``"routed_to"``: which department's calls are misrouted), or None.
        offered: With ``per="offered"``, the work offered (``Tally("calls.receive")``:
            the calls that arrived); None: the ``of`` tally itself (one's share of
            what the office did).
        applies: Narrows whom the metric measures, from the profile and their roles
            (``applies(profile, roles)``). It measures those whose roles may perform
            its work's operations (those of ``per``, or of ``of`` for a rate per hour
            or per work offered) and whom ``applies``, if given, accepts. Someone
            whose roles may not do its work but who did some anyway is measured;
            someone ``applies`` rejects never is.
    """

    key: str = attrs.field(validator=_check_key)
    dimension: str = attrs.field(validator=_check_dimension)
    title: str
    unit: str
    of: Tally
    per: Tally | Literal["hours", "offered"] = attrs.field(validator=_check_per)
    better: Literal["lower", "higher"] = attrs.field(validator=_check_better)
    target: float = attrs.field(validator=_check_target)
    scale: float = 1.0
    min_count: float = 5
    weight: float = 1.0
    formula: str = ""
    breakdown: str | None = attrs.field(default=None, validator=_check_detail)
    offered: Tally | None = attrs.field(default=None, validator=_check_offered)
    applies: Callable[[Profile, Sequence[str]], bool] | None = attrs.field(
        default=None, validator=_check_applies, eq=False
    )

    def tallies(self) -> tuple[Tally, ...]:
        """The tallies it needs from the events' query (``of``, and ``per`` when a tally)."""
        return (self.of, self.per) if isinstance(self.per, Tally) else (self.of,)

    def work(self) -> Tally:
        """The tally whose operations are the work it measures (see ``applies``)."""
        return self.per if isinstance(self.per, Tally) else self.of

    def operations(self) -> tuple[str, ...]:
        """Every operation whose events it reads."""
        ops = list(self.of.operations)
        if isinstance(self.per, Tally):
            ops += self.per.operations
        if self.offered is not None:
            ops += self.offered.operations
        return tuple(dict.fromkeys(ops))


def holding(*operations: str) -> Callable[[Profile, Sequence[str]], bool]:
    """An ``applies`` for a metric that measures those whose roles hold one of ``operations``.

    Decided from the profile: a role holds an operation when one of its
    responsibilities lists it (the level a responsibility needs is not checked).

    Example:
        ``Metric(..., applies=holding("schedule.override"))``: booking over a conflict
        is measured only for those who may book over one.
    """
    wanted = frozenset(operations)

    def applies(profile: Profile, roles: Sequence[str]) -> bool:
        return any(
            wanted & set(profile.responsibilities[key].operations)
            for role in roles
            if role in profile.roles
            for key in profile.roles[role].responsibilities
            if key in profile.responsibilities
        )

    return applies


AT_TARGET = 80.0
"""The score of a value exactly on its target."""
_STEEPNESS = 2.0
_HALF = (100.0 / AT_TARGET - 1.0) ** (-1.0 / _STEEPNESS)  # ratio that scores 50


def score(value: float, target: float, better: Literal["lower", "higher"]) -> float:
    """Score a value against its target, 0-100: 80 on target, 50 at twice as bad, 100 at perfect.

    The score is ``100 / (1 + (r / 2) ** 2)`` of the ratio ``r`` = value / target
    (``target / value`` when higher is better): it is strictly monotonic in the value
    (better is never scored lower, however far past the target), depends on nothing
    but the value and the target (so scores of different periods compare), and is 100
    only at a perfect value (0 errors, or infinitely fast).

    Args:
        value: The metric's value (>= 0).
        target: Its target (>= 0).
        better: Which way is good.
    """
    if better == "lower":
        if value <= 0:
            return 100.0
        if target <= 0:
            return 0.0
        ratio = value / target
    else:
        if value <= 0:
            return 0.0
        if target <= 0:
            return 100.0
        ratio = target / value
    scaled = ratio / _HALF
    if scaled > 1e100:  # beyond any float's square: as bad as can be
        return 0.0
    return float(100.0 / (1.0 + scaled**_STEEPNESS))
