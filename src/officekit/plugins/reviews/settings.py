"""The ``[reviews]`` profile section: how the front-office analysis weighs, targets and recommends.

A [`ProfileSection`][officekit.ProfileSection] of the analysis desk. A profile
weights the dimensions (a medical office may count accuracy double, a small
business teamwork), overrides the metrics' default targets, and states the
promotion and raise policy::

    [reviews]
    weights = { accuracy = 2.0, efficiency = 1.0 }
    targets = { "calls.handling_time" = 300 }

    [reviews.policy.promote]   # and [reviews.policy.pay_raise]
    overall = 85
    periods = 2
    minimum = { accuracy = 90 }
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import attrs

from officekit.core.extensions import ProfileSection, SectionContext

__all__ = ["DEFAULT_LOAD_OPERATIONS", "REVIEWS", "Policy", "ReviewsSettings", "Rule"]


@attrs.frozen
class Rule:
    """When the policy recommends an action for a person.

    Attributes:
        overall: The least overall score, in this review and in each of the
            ``periods - 1`` reviews before it.
        periods: How many consecutive reviews (this one the last) must meet it.
        minimum: The least score of named dimensions, in this review
            (``{ accuracy = 90 }``); a dimension with too little data does not meet it.
    """

    overall: float
    periods: int = 1
    minimum: Mapping[str, float] = attrs.field(factory=dict)


def _promote() -> Rule:
    return Rule(overall=85.0, periods=2, minimum={"accuracy": 90.0})


def _raise() -> Rule:
    return Rule(overall=75.0, periods=1)


@attrs.frozen
class Policy:
    """The promotion and raise policy: each rule is checked, promotion first.

    Attributes:
        promote: When promotion is recommended.
        pay_raise: When a raise is recommended.
    """

    promote: Rule = attrs.field(factory=_promote)
    pay_raise: Rule = attrs.field(factory=_raise)


@attrs.frozen
class ReviewsSettings:
    """How the office's front office is analysed.

    Attributes:
        weights: Weight of each dimension in the overall score (a dimension not
            named weighs 1; 0 leaves it out of the overall).
        targets: Targets replacing metrics' defaults, by metric key.
        policy: The promotion and raise policy.
        load_operations: The operations counted in the report's load by hour;
            None (the default) counts ``calls.receive`` when the reception desk
            is installed, and nothing otherwise.
        finding_score: A metric scoring below this (office or person) is a finding.
        min_hours: A person who worked fewer hours in the period gets no overall
            score and no recommendation (too little data to judge fairly).
        min_dimensions: Nor does a person with enough data in fewer dimensions than
            this (an overall score from one dimension would pretend).
    """

    weights: Mapping[str, float] = attrs.field(factory=dict)
    targets: Mapping[str, float] = attrs.field(factory=dict)
    policy: Policy = attrs.field(factory=Policy)
    load_operations: tuple[str, ...] | None = None
    finding_score: float = 60.0
    min_hours: float = 4.0
    min_dimensions: int = 2

    def weight(self, dimension: str) -> float:
        """The weight of ``dimension`` (1 unless the profile says otherwise)."""
        return float(self.weights.get(dimension, 1.0))


_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_OPERATION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def _number(value: float) -> bool:
    return math.isfinite(value)


def _check(settings: ReviewsSettings, ctx: SectionContext) -> ReviewsSettings:
    # Which dimensions and metrics exist depends on the plugins installed: the
    # analysis checks the names; here, their form and their numbers.
    for key, weight in settings.weights.items():
        if not _KEY.match(key):
            ctx.problem(["weights", key], "a dimension's key is a lower-case identifier")
        elif not _number(weight) or weight < 0:
            ctx.problem(["weights", key], f"a weight is a number >= 0, got {weight!r}")
    for key, target in settings.targets.items():
        if not _number(target) or target < 0:
            ctx.problem(["targets", key], f"a target is a number >= 0, got {target!r}")
    for name, rule in (
        ("promote", settings.policy.promote),
        ("pay_raise", settings.policy.pay_raise),
    ):
        where = ["policy", name]
        if not 0 <= rule.overall <= 100:
            ctx.problem([*where, "overall"], f"a score is 0-100, got {rule.overall!r}")
        if not 1 <= rule.periods <= 12:
            ctx.problem([*where, "periods"], f"periods is 1-12, got {rule.periods!r}")
        for key, least in rule.minimum.items():
            if not _KEY.match(key):
                ctx.problem(
                    [*where, "minimum", key], "a dimension's key is a lower-case identifier"
                )
            elif not 0 <= least <= 100:
                ctx.problem([*where, "minimum", key], f"a score is 0-100, got {least!r}")
    if not 0 <= settings.finding_score <= 100:
        ctx.problem(["finding_score"], f"a score is 0-100, got {settings.finding_score!r}")
    if not _number(settings.min_hours) or settings.min_hours < 0:
        ctx.problem(["min_hours"], f"hours are a number >= 0, got {settings.min_hours!r}")
    if not 1 <= settings.min_dimensions <= 20:
        ctx.problem(["min_dimensions"], f"a number from 1 to 20, got {settings.min_dimensions!r}")
    for i, name in enumerate(settings.load_operations or ()):
        if not _OPERATION.match(name):
            ctx.problem(
                ["load_operations", f"[{i}]"],
                f"an operation's name such as 'calls.receive', got {name!r}",
            )
    return settings


REVIEWS: ProfileSection[ReviewsSettings] = ProfileSection(
    "reviews",
    ReviewsSettings,
    ReviewsSettings,
    _check,
    "The front-office analysis: dimension weights, metric targets, promotion and raise policy.",
)
"""``[reviews]``, typed: ``profile.section(REVIEWS)``."""

DEFAULT_LOAD_OPERATIONS = ("calls.receive",)
"""What the load by hour counts when the profile says nothing, those of them installed."""
