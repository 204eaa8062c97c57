"""Make ``docs/img/review-report.png``, the screenshot of the HTML review report in the docs.

It simulates 15 office days of the shipped ``medical`` profile (seed 1) in a
temporary SQLite file, analyses them, renders the HTML report and has headless
Chromium (Debian's ``chromium`` package) take a 1280x2000 screenshot of it.
Re-run it from the repository's root after changing the report's look::

    .venv/bin/python docs/img/make_review_screenshot.py

Pass ``--html FILE`` to keep the HTML page as well.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from officekit import ManualClock, Office
from officekit.plugins.reviews.html import render_html
from officekit.simulate import simulate

HERE = Path(__file__).resolve().parent
START = dt.date(2026, 3, 2)  # a Monday
DAYS = 15
WINDOW = "1280,2000"


def review_html(folder: Path) -> str:
    """Simulate ``DAYS`` days in ``folder``, analyse them and render the report."""
    clock = ManualClock(dt.datetime.combine(START, dt.time(6, 0), tzinfo=dt.UTC))
    office = Office.open(f"sqlite:///{folder / 'office.db'}", profile="medical", clock=clock)
    try:
        simulate(office, days=DAYS, seed=1, clock=clock, start=START)
        review = office.reviews.analyze(START, START + dt.timedelta(days=DAYS - 1))
        return render_html(review.to_json())
    finally:
        office.close()


def screenshot(page: Path, output: Path, folder: Path) -> None:
    """Have headless Chromium save a screenshot of ``page`` as ``output``."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium is not installed: apt-get install chromium")
    command = [
        chromium,
        "--headless=new",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={folder / 'chromium-profile'}",
        f"--window-size={WINDOW}",
        f"--screenshot={output}",
    ]
    if os.geteuid() == 0:
        command.append("--no-sandbox")
    subprocess.run([*command, page.as_uri()], check=True, capture_output=True, timeout=120)


def main() -> None:
    """Make the screenshot (and, with ``--html``, keep the page)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--output", type=Path, default=HERE / "review-report.png")
    parser.add_argument("--html", type=Path, help="also write the HTML report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        page = folder / "review.html"
        page.write_text(review_html(folder), encoding="utf-8")
        if args.html is not None:
            shutil.copyfile(page, args.html)
        screenshot(page, args.output.resolve(), folder)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
