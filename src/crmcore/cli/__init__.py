"""The ``crmcore`` command: JSON/CSV in, JSON/CSV/tables out.

Run ``crmcore --help`` for the commands. Each engine contributes its
subcommands from a private module of this package (``_pricing``, ``_sla``,
``_scoring``, ``_roi``); ``demo`` tours the library on a temporary SQLite
store.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from crmcore import __version__
from crmcore.cli import _demo, _matching, _pricing, _roi, _scoring, _sla
from crmcore.cli._common import CliError, fail
from crmcore.errors import CrmError

__all__ = ["build_parser", "main"]

_COMMAND_MODULES = (_demo, _pricing, _sla, _scoring, _roi, _matching)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="crmcore",
        description="CRM domain logic: pricing, SLA, lead scoring, ROI and CLV.",
    )
    parser.add_argument("--version", action="version", version=f"crmcore {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crmcore`` console script; returns the exit code.

    Exit codes: 0 success, 1 the library refused the input (a
    :class:`~crmcore.errors.CrmError`, printed on stderr), 2 bad usage.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except BrokenPipeError:
        # The reader went away (`crmcore ... | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except CliError as err:
        return fail(str(err), code=err.code)
    except CrmError as err:
        return fail(f"{type(err).__name__}: {err}")
