"""Shared fixtures: a store on each backend, offices, clocks, hypothesis profiles.

Every test that takes ``store_url`` runs twice: on an SQLite file and on
PostgreSQL. The PostgreSQL run needs ``OFFICEKIT_TEST_POSTGRES_URL`` (a database
the tests may fill and empty; ``.ci/run`` sets it) and is skipped, with that
reason, without it.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from officekit import ManualClock, Office
from officekit.core.plugins import DISABLE_ENV, ENTRY_POINT_GROUP

# CI is thorough and repeatable (the same 200 examples on every run of a commit, so a
# submission does not fail on a draw another run would not make); local runs explore
# fresh random examples each time and are where new failures are found.
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

POSTGRES_ENV = "OFFICEKIT_TEST_POSTGRES_URL"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:  # every plugin's tables too: start from nothing
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


# Plugins a developer installed into this environment (the parcel example, say) are
# not what the suite tests: they would add their sections, facets and steps to every
# office. Tests that install plugins themselves find theirs, installed later.
_INSTALLED_AT_START = ",".join(
    ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
)


@pytest.fixture(autouse=True)
def _without_plugins_installed_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    if _INSTALLED_AT_START and DISABLE_ENV not in os.environ:
        monkeypatch.setenv(DISABLE_ENV, _INSTALLED_AT_START)


@pytest.fixture(autouse=True)
def _fresh_test_gateways() -> None:
    """The test card gateway remembers charges per store URL and office id, in the process.

    The PostgreSQL tests empty and reuse one database, so an office of a later test
    has the URL and id of an earlier one: it must not inherit that office's charges.
    """
    from officekit.plugins.money.payments.gateway import TestGateway

    TestGateway.forget_all()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store: an SQLite file, or the test PostgreSQL database emptied."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'office.db'}"
        return
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (a database URL); .ci/run sets it")
    _reset_postgres(url)
    yield url
    _reset_postgres(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite store, for tests that are about something else than the backend."""
    return f"sqlite:///{tmp_path / 'office.db'}"


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock at Monday 2 March 2026, 09:00 UTC."""
    return ManualClock(START)


@pytest.fixture
def open_office(store_url: str, clock: ManualClock) -> Iterator[Callable[..., Office]]:
    """Open offices on the test store (both backends); closes them afterwards."""
    opened: list[Office] = []

    def factory(profile: Any = "medical", **kwargs: Any) -> Office:
        kwargs.setdefault("clock", clock)
        office = Office.open(store_url, profile=profile, **kwargs)
        opened.append(office)
        return office

    yield factory
    for office in opened:
        office.close()


@pytest.fixture
def office(open_office: Callable[..., Office]) -> Office:
    """A medical office on each backend."""
    return open_office("medical")


@pytest.fixture
def sqlite_office(sqlite_url: str, clock: ManualClock) -> Iterator[Office]:
    """A medical office on SQLite only, for tests of logic rather than storage."""
    office = Office.open(sqlite_url, profile="medical", clock=clock)
    yield office
    office.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """List each reason for skipping once, with how many tests it skipped."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.section("skipped")
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            terminalreporter.line(f"{count} skipped: {reason}")
