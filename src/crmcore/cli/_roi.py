"""The ``crmcore`` subcommands of the roi engine (private)."""

from __future__ import annotations

from crmcore.cli._common import Subparsers


def register(subparsers: Subparsers) -> None:
    """Add the roi subcommands to the ``crmcore`` parser."""
    del subparsers  # the roi engine's commands land with its issue
