"""The ``crmcore`` subcommands of the scoring engine (private)."""

from __future__ import annotations

from crmcore.cli._common import Subparsers


def register(subparsers: Subparsers) -> None:
    """Add the scoring subcommands to the ``crmcore`` parser."""
    del subparsers  # the scoring engine's commands land with its issue
