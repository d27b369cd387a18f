"""Every ``crmcore`` command as an argv template (FILE and VALUE slots).

A slot ``FILE`` is filled with a hostile file (or a valid example), ``VALUE``
with a hostile string; the rest are valid arguments, so each case exercises
one hostile input at a time. ``OWNER`` marks commands whose modules belong to
other engineers: their known failures are xfail(strict=True) cases in
``test_corpus.py`` rather than red hypothesis runs.
"""

from __future__ import annotations

from pathlib import Path

FILE = "<FILE>"
VALUE = "<VALUE>"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = "2026-01-05T09:00:00+03:30"


def example(name: str) -> str:
    """The path of a file in ``examples/``."""
    return str(EXAMPLES / name)


COMMANDS: dict[str, list[str]] = {
    # -- modules owned here (scoring, service, report) --
    "score": ["score", "--scorecard", FILE, example("leads.csv"), "--now", NOW],
    "score leads": ["score", "--scorecard", example("scorecard.json"), FILE, "--now", NOW],
    "score now": [
        "score",
        "--scorecard",
        example("scorecard.json"),
        example("leads.csv"),
        "--now",
        VALUE,
    ],
    "score events": [
        "score",
        "--scorecard",
        example("scorecard.json"),
        example("leads.csv"),
        "--events",
        FILE,
        "--now",
        NOW,
    ],
    "score train": ["score", "train", "--history", FILE, "--target", "won"],
    "score train fraction": [
        "score",
        "train",
        "--history",
        example("leads.csv"),
        "--target",
        "won",
        "--test-fraction",
        VALUE,
    ],
    "score predict model": ["score", "predict", "--model", FILE, example("leads.csv")],
    "service csat": ["service", "csat", "--input", FILE],
    "service nps": ["service", "nps", "--input", FILE],
    "service ces": [
        "service",
        "ces",
        "--input",
        example("service-responses.csv"),
        "--confidence",
        VALUE,
    ],
    "service csi": ["service", "csi", "--input", FILE],
    "service csi weights": [
        "service",
        "csi",
        "--input",
        example("service-ratings.csv"),
        "--weights",
        FILE,
    ],
    "service contact-centre": ["service", "contact-centre", "--input", FILE],
    "service contact-centre within": [
        "service",
        "contact-centre",
        "--input",
        example("service-events.csv"),
        "--answer-within",
        VALUE,
    ],
    "service staffing": ["service", "staffing", "--calls", VALUE, "--aht", "180"],
    "service staffing aht": ["service", "staffing", "--calls", "100", "--aht", VALUE],
    "service staffing input": ["service", "staffing", "--input", FILE, "--aht", "180"],
    "service queue": ["service", "queue", "--input", FILE],
    "service bill": ["service", "bill", "--input", FILE],
    "report roi": ["report", "roi", FILE],
    "report clv": ["report", "clv", FILE],
    "report scoring": ["report", "scoring", FILE],
    "report scoring bins": ["report", "scoring", FILE, "--bins", VALUE],
    "report sla": ["report", "sla", FILE],
    "report locale": ["report", "roi", example("plan.json"), "--locale", VALUE],
}

OWNED_ELSEWHERE: dict[str, list[str]] = {
    "price": ["price", "quote", FILE],
    "price locale": ["price", "quote", example("quote.json"), "--locale", VALUE],
    "calendar add start": [
        "calendar",
        "add",
        "--preset",
        "iran",
        "--start",
        VALUE,
        "--duration",
        "PT8H",
    ],
    "calendar add duration": [
        "calendar",
        "add",
        "--preset",
        "iran",
        "--start",
        NOW,
        "--duration",
        VALUE,
    ],
    "calendar add hours": ["calendar", "add", "--preset", "iran", "--start", NOW, "--hours", VALUE],
    "calendar add input": ["calendar", "add", "--input", FILE, "--start", NOW, "--hours", "8"],
    "calendar between": ["calendar", "between", "--preset", "iran", "--start", NOW, "--end", VALUE],
    "sla evaluate": ["sla", "evaluate", "--policies", FILE, "--history", FILE, "--now", NOW],
    "sla evaluate now": [
        "sla",
        "evaluate",
        "--policies",
        example("quote.json"),
        "--history",
        example("quote.json"),
        "--now",
        VALUE,
    ],
    "roi npv": ["roi", "npv", "--rate", VALUE, "--flows", "-100,50,60"],
    "roi npv flows": ["roi", "npv", "--rate", "0.1", "--flows", VALUE],
    "roi irr": ["roi", "irr", "--flows", VALUE],
    "roi mirr": [
        "roi",
        "mirr",
        "--flows",
        "-100,50,60",
        "--finance-rate",
        VALUE,
        "--reinvest-rate",
        "0.1",
    ],
    "roi payback": ["roi", "payback", "--flows", VALUE],
    "roi xnpv": ["roi", "xnpv", "--rate", "0.1", "--flows", FILE],
    "roi xirr": ["roi", "xirr", "--flows", FILE],
    "roi plan": ["roi", "plan", FILE],
    "sales forecast": ["sales", "forecast", FILE, "--as-of", "2026-01-05"],
    "sales forecast as-of": [
        "sales",
        "forecast",
        example("sales-opportunities.csv"),
        "--as-of",
        VALUE,
    ],
    "sales funnel": ["sales", "funnel", FILE, "--as-of", "2026-01-05"],
    "sales targets": ["sales", "targets", FILE],
    "sales activity": ["sales", "activity", "--now", VALUE],
    "sales activity leads": ["sales", "activity", "--now", NOW, "--leads", FILE],
    "clv fit": ["clv", "fit", "--summary", FILE],
    "clv predict": ["clv", "predict", "--summary", FILE],
    "segment rfm": ["segment", "rfm", FILE, "--currency", "USD"],
    "segment rfm as-of": ["segment", "rfm", FILE, "--currency", "USD", "--as-of", VALUE],
    "clv predict horizon": [
        "clv",
        "predict",
        "--transactions",
        example("flows.csv"),
        "--horizon",
        VALUE,
    ],
}
"""Commands in modules of other engineers (pricing, sla/calendars, roi/clv, sales)."""
