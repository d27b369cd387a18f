"""``crmcore demo``: an end-to-end tour on a temporary SQLite store (private)."""

from __future__ import annotations

import argparse

from crmcore.cli._common import Subparsers


def register(subparsers: Subparsers) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser("demo", help="an end-to-end tour on a temporary SQLite store")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the tour."""
    del args
    print("crmcore demo")
    return 0
