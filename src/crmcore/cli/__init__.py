"""The ``crmcore`` command: JSON/CSV in, JSON/CSV/tables out.

Run ``crmcore --help`` for the commands. Each engine contributes its
subcommands from a private module of this package (``_pricing``, ``_sla``,
``_scoring``, ``_roi``); ``demo`` tours the library on a temporary SQLite
store.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from crmcore.cli._common import CliError, fail
from crmcore.errors import CrmError

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("_demo", "an end-to-end tour on a temporary SQLite store"),
    "price": (
        "_pricing",
        "price a quote, order, invoice or opportunity lines from a JSON document",
    ),
    "calendar": ("_sla", "business-time arithmetic"),
    "sla": ("_sla", "SLA evaluation"),
    "score": (
        "_scoring",
        "score leads with a scorecard; 'score train' / 'score predict' for models",
    ),
    "segment": ("_clv", "customer segmentation"),
    "roi": ("_roi", "cash flows (NPV, IRR, ...) and CRM ROI plans"),
    "clv": ("_clv", "customer lifetime value (BG/NBD + Gamma-Gamma)"),
    "sales": ("_sales", "forecast, funnel, targets, activity"),
    "service": ("_service", "satisfaction, contact centre, staffing, queue, billing"),
    "report": ("_report", "one self-contained HTML report page (charts as SVG beside tables)"),
    "dedupe": (
        "_matching",
        "find duplicate leads, contacts, accounts or rows with declarative rules",
    ),
}
"""Each command: the private module of this package that registers it, and its help line.

Only the module of the command being run is imported, so ``crmcore --version``
and ``crmcore --help`` start without loading any engine.
"""

_DESCRIPTION = "CRM domain logic: pricing, SLA, lead scoring, ROI and CLV, sales and service."


def _version() -> str:
    from crmcore import __version__  # noqa: PLC0415  (kept out of the start-up path)

    return f"crmcore {__version__}"


def _command_of(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` (its first word that is not an option)."""
    return next((word for word in argv if not word.startswith("-")), None)


class _Parser(argparse.ArgumentParser):
    """A parser that takes options only in full (its subcommands' parsers too).

    An abbreviation that is unique today becomes ambiguous when an option is
    added (``score train --c`` once matched ``--column`` and ``--calendar``
    of ``score``): scripts must not depend on it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: ``command`` (every command when ``None``) fully registered.

    The other commands are listed with their help line only, so ``crmcore
    --help`` and ``crmcore COMMAND ...`` import nothing else.
    """
    parser = _Parser(
        prog="crmcore",
        description=_DESCRIPTION,
        epilog="Every command takes --format json|csv|table|jsonl, -o FILE, '-' for standard "
        "input, --column NEW=OLD and --calendar gregorian|jalali (docs/cli.md). "
        "Exit codes: 0 done, 1 input refused, 2 usage.",
    )
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = (
        COMMANDS if command is None else {command: COMMANDS[command]} if command in COMMANDS else {}
    )
    for module_name in dict.fromkeys(module for module, _ in wanted.values()):
        module = importlib.import_module(f"crmcore.cli.{module_name}")
        module.register(subparsers)
    for name, (_module, help_text) in COMMANDS.items():
        if name not in subparsers.choices:
            subparsers.add_parser(name, help=help_text, description=help_text)
        else:
            _collect_examples(subparsers.choices[name])
    return parser


def _collect_examples(parser: argparse.ArgumentParser) -> None:
    """A command with subcommands shows its subcommands' examples in its own help."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if parser.epilog or not groups:
        return
    found = [
        line.strip()
        for child in dict.fromkeys(groups[0].choices.values())
        for line in (child.epilog or "").splitlines()[1:]
    ]
    if found:
        parser.epilog = "examples:\n" + "\n".join(f"  {line}" for line in found)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crmcore`` console script; returns the exit code.

    Exit codes (the table in ``docs/cli.md``): 0 success, 1 the library or
    a reader refused the input (a :class:`~crmcore.errors.CrmError` or a
    limit of ``docs/limits.md``, printed on stderr), 2 bad usage (including an
    output path equal to an input path), 141 standard output was closed.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["--version"]:
        print(_version())
        return 0
    parser = build_parser(_command_of(words) or "")
    args = parser.parse_args(words)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        from crmcore.cli._io import setup  # noqa: PLC0415  (kept out of the start-up path)

        setup(args)
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
    except (ArithmeticError, LookupError, TypeError, ValueError, OSError) as err:
        # Never a traceback: a refusal the command did not name itself.
        return fail(f"{type(err).__name__}: {err}")
