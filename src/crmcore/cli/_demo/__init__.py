"""``crmcore demo``: an end-to-end tour on a temporary SQLite store (private).

The tour creates an account and a contact, captures a lead at a trade show,
qualifies it, wins the opportunity and shows the account becoming a customer,
every step saved through a unit of work on a temporary SQLite file; then each
engine adds its own section (a priced quote, an SLA deadline, a ranked lead
list, an ROI plan and CLV table).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crmcore.cli._common import Subparsers
from crmcore.cli._io import add_io, emit


def register(subparsers: Subparsers) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="an end-to-end tour on a temporary SQLite store",
        description="An end-to-end tour of crmcore on a temporary SQLite store.",
    )
    parser.add_argument("--json", action="store_true", help="the same as --format json")
    add_io(parser, example="crmcore demo --format json -o tour.json", default="table")
    parser.set_defaults(handler=run)


def _engine_sections() -> list[dict[str, Any]]:
    # one module per engine section, imported when the demo runs (not for --help)
    from crmcore.cli._demo import clv, roi  # noqa: PLC0415
    from crmcore.cli._demo import matching as _matching_demo  # noqa: PLC0415
    from crmcore.cli._demo import pricing as _pricing  # noqa: PLC0415
    from crmcore.cli._demo import sales as _sales_demo  # noqa: PLC0415
    from crmcore.cli._demo import scoring as _scoring  # noqa: PLC0415
    from crmcore.cli._demo import service as _service  # noqa: PLC0415
    from crmcore.cli._demo import sla as _sla_demo  # noqa: PLC0415

    sections: list[dict[str, Any]] = []
    for module in (_pricing, _sla_demo, _scoring, roi, clv, _sales_demo, _service, _matching_demo):
        section: Callable[[], dict[str, Any]] | None = getattr(module, "demo_section", None)
        if section is not None:
            sections.append(section())
    return sections


def _render_step(step: dict[str, Any]) -> list[str]:
    lines = [f"* {step['step']}"]
    for key, value in step.items():
        if key == "step":
            continue
        shown = value
        if isinstance(value, dict) and "en_US" in value:
            shown = f"{value['en_US']}  |  {value['fa_IR']}  |  {value['fa_IR_toman']}"
        lines.append(f"    {key.replace('_', ' ')}: {shown}")
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the tour on a temporary SQLite file and print it."""
    from crmcore.cli._demo.tour import crm_tour  # noqa: PLC0415  (engines load on demand)
    from crmcore.repositories import SqliteStore  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="crmcore-demo-") as folder:
        path = Path(folder) / "crm.sqlite3"
        with SqliteStore(path) as store:
            steps = crm_tour(store)
    sections = _engine_sections()
    if args.json:
        args.format = "json"
    document = {"store": "sqlite (temporary file)", "steps": steps, "sections": sections}
    return emit(args, document, steps, text=lambda: _text(steps, sections))


def _text(steps: list[dict[str, Any]], sections: list[dict[str, Any]]) -> str:
    lines = ["crmcore demo: a CRM tour on a temporary SQLite store", ""]
    for step in steps:
        lines.extend(_render_step(step))
    for section in sections:
        lines.extend(["", f"== {section['title']}", section["text"]])
    return "\n".join(lines)
