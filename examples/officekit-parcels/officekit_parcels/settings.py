"""The profile's ``[parcels]`` table: which carriers, how long to collect, who signs for value.

```toml
[parcels]
carriers = ["Royal Mail", "DHL", "DPD", "UPS"]
collect_within_days = 2
high_value_min_level = "associate"
```

The kernel reads the table into ``ParcelSettings`` as strictly as its own
tables (an unknown key or a wrong type is a problem naming file and key);
``validate`` then checks it against the rest of the profile.
"""

from __future__ import annotations

import attrs

from officekit import ProfileSection, SectionContext

__all__ = ["SECTION", "ParcelSettings"]


@attrs.frozen
class ParcelSettings:
    """How the parcel desk works in one office.

    Attributes:
        carriers: The carriers the desk signs for; empty: any carrier.
        collect_within_days: A parcel not handed over within this many days is overdue.
        high_value_min_level: The lowest responsibility level (of the profile's
            ``[[levels]]``) that may sign for a high-value parcel.
    """

    carriers: tuple[str, ...] = ()
    collect_within_days: int = 3
    high_value_min_level: str = "senior"


def validate(settings: ParcelSettings, ctx: SectionContext) -> ParcelSettings:
    """Report every problem of the ``[parcels]`` table; return it with carriers tidied."""
    levels = [level.name for level in ctx.profile.levels]
    if levels and settings.high_value_min_level not in levels:
        ctx.problem(
            ["high_value_min_level"],
            f"no level named {settings.high_value_min_level!r} (known: {', '.join(levels)})",
        )
    if settings.collect_within_days < 1:
        ctx.problem(
            ["collect_within_days"],
            f"expected a number of days >= 1, got {settings.collect_within_days}",
        )
    seen: set[str] = set()
    for i, carrier in enumerate(settings.carriers):
        if not carrier.strip():
            ctx.problem([f"carriers[{i}]"], "a carrier's name cannot be blank")
        elif carrier.casefold() in seen:
            ctx.problem([f"carriers[{i}]"], f"carrier {carrier!r} is listed twice")
        seen.add(carrier.casefold())
    return attrs.evolve(settings, carriers=tuple(" ".join(c.split()) for c in settings.carriers))


SECTION = ProfileSection(
    "parcels",
    ParcelSettings,
    ParcelSettings,
    validate,
    "The parcel desk: the carriers it signs for, collection, high-value parcels.",
)
"""The ``[parcels]`` section; ``profile.section(SECTION)`` is a ParcelSettings."""
