"""The ``crmcore`` subcommands of the sla engine (private)."""

from __future__ import annotations

from crmcore.cli._common import Subparsers


def register(subparsers: Subparsers) -> None:
    """Add the sla subcommands to the ``crmcore`` parser."""
    del subparsers  # the sla engine's commands land with its issue
