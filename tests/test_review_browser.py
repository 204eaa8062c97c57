"""The HTML review report as a person sees it: opened in headless Chromium (issue 13).

Debian's ``chromium`` package runs the page, reports what it logs to its console
(``--enable-logging=stderr``: console messages, uncaught errors and, thanks to
the page's Content-Security-Policy, any attempt to load a resource) and takes a
screenshot, whose pixels are decoded here with ``zlib`` to check the charts were
painted. A control page that does log proves the console check can fail.
Without Chromium the tests are skipped, saying so; ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from tests.test_review_html import _Page, build_review

from officekit.plugins.reviews.html import render_html

WINDOW = (1280, 2000)
CONSOLE = re.compile(r"CONSOLE[:(]|Uncaught")


@pytest.fixture(scope="module")
def chromium() -> str:
    """The path of Debian's ``chromium``, or the test is skipped with the reason."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "chromium is not installed: `apt-get install chromium` (Debian's package; "
            ".ci/run installs it) to check the HTML report in a browser"
        )
    return found


def _run(chromium: str, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Open ``page`` in headless Chromium with ``args``; fail with its stderr if it fails."""
    command = [
        chromium,
        "--headless=new",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--hide-scrollbars",
        f"--user-data-dir={page.parent / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        *args,
    ]
    if os.geteuid() == 0:  # Chromium refuses to run as root inside its sandbox
        command.append("--no-sandbox")
    result = subprocess.run(
        [*command, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, f"chromium failed ({result.returncode}):\n{result.stderr}"
    return result


def _console(stderr: str) -> list[str]:
    """The lines of Chromium's log that come from the page's console."""
    return [line for line in stderr.splitlines() if CONSOLE.search(line)]


def _pixels(path: Path) -> tuple[int, int, set[bytes]]:
    """Decode an 8-bit RGB(A) PNG with the stdlib: its width, height and distinct colours."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, chunks = 8, []
    width = height = bpp = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    low = int.from_bytes(b"\x7f" * stride, "big")
    high = int.from_bytes(b"\x80" * stride, "big")
    previous = bytes(stride)
    colours: set[bytes] = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], raw[start + 1 : start + 1 + stride]
        if kind == 0:
            current = line
        elif kind == 2:  # up: byte-wise addition of two whole rows, without carries
            x, y = int.from_bytes(line, "big"), int.from_bytes(previous, "big")
            current = (((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(stride, "big")
        else:
            out = bytearray(line)
            for i in range(stride):
                a = out[i - bpp] if i >= bpp else 0
                if kind == 1:
                    out[i] = (out[i] + a) & 255
                elif kind == 3:
                    out[i] = (out[i] + ((a + previous[i]) >> 1)) & 255
                else:  # paeth
                    b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    out[i] = (out[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            current = bytes(out)
        colours.update(current[i : i + 3] for i in range(0, stride, bpp))
        previous = current
    return width, height, colours


def test_console_check_catches_a_page_that_logs(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "control.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Security-Policy" '
        "content=\"img-src 'none'\"><title>control</title></head><body>"
        '<img src="missing.png" alt=""><script>console.error("control-error");'
        "notDefined();</script></body></html>",
        encoding="utf-8",
    )
    lines = "\n".join(_console(_run(chromium, page, "--dump-dom").stderr))
    assert "control-error" in lines
    assert "Uncaught ReferenceError" in lines
    assert "missing.png" in lines  # the resource the policy blocked


def test_report_opens_without_console_messages(chromium: str, tmp_path: Path) -> None:
    data = build_review(people=6, trend=4)
    page = tmp_path / "review.html"
    page.write_text(render_html(data), encoding="utf-8")
    result = _run(chromium, page, "--dump-dom")
    assert _console(result.stderr) == []
    # The browser's own parse of the page has the three charts, the bars drawn.
    dom = _Page.parse(result.stdout)
    assert set(dom.svgs) == {"scores", "trend", "load"}
    assert dom.svgs["load"].count("rect", "bar") == 24
    assert dom.svgs["trend"].count("circle", "point") == 4 * 6 - 2
    assert "<script>alert('x')</script>" in dom.all_text()  # shown, not run


def test_report_screenshot_shows_the_charts(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "review.html"
    page.write_text(render_html(build_review(people=6, trend=4)), encoding="utf-8")
    shot = tmp_path / "review.png"
    result = _run(chromium, page, f"--screenshot={shot}")
    assert _console(result.stderr) == []
    assert shot.is_file() and shot.stat().st_size > 10_000
    width, height, colours = _pixels(shot)
    assert (width, height) == WINDOW
    assert len(colours) > 50, f"the screenshot looks blank: {len(colours)} colours"
    # White paper, the tables' header band, and the bars of every series were painted.
    for colour in ("ffffff", "f5f7f9", "222222", "0072b2", "e69f00", "009e73", "cc79a7"):
        assert bytes.fromhex(colour) in colours, f"no #{colour} pixel in the screenshot"
