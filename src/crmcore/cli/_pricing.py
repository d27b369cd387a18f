"""The ``crmcore`` subcommands of the pricing engine (private)."""

from __future__ import annotations

from crmcore.cli._common import Subparsers


def register(subparsers: Subparsers) -> None:
    """Add the pricing subcommands to the ``crmcore`` parser."""
    del subparsers  # the pricing engine's commands land with its issue
