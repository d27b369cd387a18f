"""Every report page and a Persian invoice, opened in headless Chromium.

Each page is rendered to a screenshot that must not be blank, and the
browser's log must show no console message (an uncaught error, a failed
load). Skipped only when no Chromium is installed (.ci/run installs the
Debian package ``chromium``).
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from crmcore.cli._common import read_json
from crmcore.cli._roi import plan_from_json
from crmcore.report import (
    clv_report_page,
    render_document_html,
    roi_report_page,
    scoring_report_page,
    sla_report_page,
)
from tests.report.samples import CATALOG, PERSIAN, PRICED, simulated_customers, sla_evaluations

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BROWSER = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
        if (found := shutil.which(name))
    ),
    None,
)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium installed")


def screenshot(page: Path, png: Path, profile: Path, *, size: str = "1200,900") -> str:
    """Render ``page`` to ``png`` in headless Chromium; return the browser's log."""
    command = [
        str(BROWSER),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # a page that reached out would fail, not hang
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={size}",
        "--enable-logging=stderr",
        "--v=0",
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stderr


def console_problems(log: str) -> list[str]:
    """Lines where the page itself spoke: console messages and uncaught exceptions."""
    return [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def not_blank(png: Path) -> float:
    """The share of pixels that are not background white (fails on a blank screenshot)."""
    import matplotlib.image

    pixels = matplotlib.image.imread(png)[..., :3]
    assert pixels.std() > 0.05, "the screenshot is one flat colour"
    return float((pixels.min(axis=2) < 0.9).mean())


def _pages() -> dict[str, str]:
    rng = random.Random(5)
    probabilities = [rng.random() for _ in range(300)]
    labels = [int(rng.random() < p) for p in probabilities]
    report = plan_from_json(read_json(str(EXAMPLES / "plan.json"))).report()
    return {
        "invoice-fa": render_document_html(PRICED, catalog=CATALOG, layout=PERSIAN),
        "roi-fa": roi_report_page(report, locale="fa_IR"),
        "roi-en": roi_report_page(report),
        "clv-fa": clv_report_page(simulated_customers(200), currency="USD", locale="fa_IR"),
        "scoring-fa": scoring_report_page(labels, probabilities, locale="fa_IR"),
        "sla-fa": sla_report_page(sla_evaluations(), grain="jalali_month", locale="fa_IR"),
    }


def test_pages_render_without_console_errors(tmp_path: Path) -> None:
    for name, html in _pages().items():
        page = tmp_path / f"{name}.html"
        page.write_text(html, encoding="utf-8")
        png = tmp_path / f"{name}.png"
        log = screenshot(page, png, tmp_path / f"profile-{name}")
        assert console_problems(log) == [], name
        assert not_blank(png) > 0.01, name


def test_the_checks_catch_a_broken_page(tmp_path: Path) -> None:
    # The detectors must be able to fail: a script error is logged, an empty page is blank.
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!DOCTYPE html><p>x</p><script>throw new Error("boom")</script>', encoding="utf-8"
    )
    log = screenshot(broken, tmp_path / "broken.png", tmp_path / "profile-broken")
    assert any("boom" in line for line in console_problems(log))
    empty = tmp_path / "empty.html"
    empty.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    screenshot(empty, tmp_path / "empty.png", tmp_path / "profile-empty")
    with pytest.raises(AssertionError, match="flat colour"):
        not_blank(tmp_path / "empty.png")


def write_screenshots(folder: Path) -> None:
    """Write the README's screenshots (``python -m tests.report.test_browser``)."""
    import tempfile

    from PIL import Image

    pages = _pages()
    with tempfile.TemporaryDirectory() as work:
        for name, size in (("invoice-fa", "1000,560"), ("roi-fa", "1100,640")):
            page = Path(work) / f"{name}.html"
            page.write_text(pages[name], encoding="utf-8")
            png = Path(work) / f"{name}.png"
            screenshot(page, png, Path(work) / f"profile-{name}", size=size)
            image = Image.open(png).convert("RGB").quantize(colors=64)
            image.save(folder / f"{name}.png", optimize=True)


if __name__ == "__main__":
    write_screenshots(Path(__file__).resolve().parents[2] / "docs" / "images")
