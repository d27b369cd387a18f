"""The ``crmcore`` command: version, help, demo, error reporting."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

import crmcore
from crmcore.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"crmcore {crmcore.__version__}"


def test_version_and_help_import_no_engine() -> None:
    # Issue 15: start-up stays light; `crmcore --version`, `crmcore --help` and
    # `crmcore COMMAND --help` (every command, and one subcommand each) load no engine:
    # the command modules import engines inside their handlers.
    from crmcore.cli import COMMANDS

    subcommands = {"calendar": "add", "sla": "evaluate", "segment": "rfm", "roi": "npv",
                   "clv": "fit", "sales": "forecast", "service": "csat", "report": "roi"}  # fmt: skip
    runs = [["--version"], ["--help"]]
    runs += [[name, "--help"] for name in COMMANDS]
    runs += [[name, sub, "--help"] for name, sub in subcommands.items()]
    code = (
        "import sys\n"
        "from crmcore.cli import main\n"
        f"for argv in {runs!r}:\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "engines = ('pricing', 'sla', 'scoring', 'roi', 'clv', 'sales', 'service', 'calendars',\n"
        "           'money', 'models', 'serialization', 'repositories', 'matching', 'report',\n"
        "           'plot')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[:2] in [['crmcore', e] for e in engines]"
        " or m in ('pandas', 'numpy', 'scipy', 'matplotlib', 'cattrs', 'jdatetime')))\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter on a fixed snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_command_table_matches_what_the_modules_register() -> None:
    from crmcore.cli import COMMANDS, build_parser

    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    registered = {c.dest: c.help for c in actions[0]._choices_actions}
    assert registered == {name: help_text for name, (_m, help_text) in COMMANDS.items()}


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: crmcore" in capsys.readouterr().err


def test_demo_json_tour(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    steps = {step["step"]: step for step in report["steps"]}
    created = steps["account and contact created"]
    assert created["relationship"] == "prospect"
    assert created["version"] == 1  # a new record is stored as version 1
    won = steps["opportunity won: the account is now a customer"]
    assert won["account_relationship"] == "customer"
    assert won["customers_in_store"] == ["Persepolis Foods"]
    # prospect (v1) -> customer (v2): one update through the unit of work
    assert won["account_version"] == 2
    # 2026-05-05: Nowruz 1405 fell on 2026-03-21, Farvardin has 31 days, so
    # 1 Ordibehesht = 2026-04-21 and 2026-05-05 is 15 Ordibehesht 1405.
    assert won["close_date_jalali"] == "1405-02-15"
    assert won["close_date_jalali_fa"] == "۱۴۰۵-۰۲-۱۵"
    revenue = won["actual_revenue"]
    assert revenue["amount"] == "820000000"
    assert revenue["fa_IR"] == "820,000,000 ریال"
    assert revenue["fa_IR_toman"] == "۸۲٬۰۰۰٬۰۰۰ تومان"
    assert revenue["en_US"] == "IRR820,000,000"


def test_demo_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "opportunity won: the account is now a customer" in out
    assert "account relationship: customer" in out


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crmcore", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"crmcore {crmcore.__version__}"
