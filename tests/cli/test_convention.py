"""Issue 15: one CLI convention (docs/cli.md), checked on every subcommand.

For each subcommand: every ``--format`` it offers writes parseable output,
``-o FILE`` writes the same bytes standard output would, ``-`` reads standard
input, bad input ends with exit 1 or 2 and a ``crmcore: error:`` line (never a
traceback), every datetime printed parses with ``datetime.fromisoformat`` and
``pandas.to_datetime``, and ``--help`` shows an example.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crmcore.cli import COMMANDS, build_parser, main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

POLICIES = {
    "policies": [
        {
            "name": "standard",
            "calendar": "office",
            "targets": [
                {"name": "resolution", "kind": "resolution", "duration": "PT8H"},
            ],
        }
    ],
    "calendars": {"office": {"preset": "iran"}},
}
CASE = {
    "id": "C1",
    "title": "Down",
    "account_id": "acme",
    "case_type": "problem",
    "channel": "email",
    "events": [
        {
            "at": "2025-04-30T10:00:00+03:30[Asia/Tehran]",
            "kind": "created",
            "status": "new",
            "priority": "normal",
        }
    ],
}


def _history(path: Path) -> None:
    rng = random.Random(4)
    lines = ["id,source,industry,won"]
    for i in range(200):
        source = rng.choice(["web", "fair", "ads"])
        p = {"web": 0.4, "fair": 0.7, "ads": 0.15}[source]
        lines.append(f"H{i},{source},{rng.choice(['retail', 'steel'])},{int(rng.random() < p)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("convention")
    for item in EXAMPLES.iterdir():
        shutil.copy(item, root / item.name)
    (root / "policies.json").write_text(json.dumps(POLICIES), encoding="utf-8")
    (root / "case.json").write_text(json.dumps(CASE), encoding="utf-8")
    (root / "starts.csv").write_text(
        "ticket,start,duration\nT1,2025-04-30T15:00:00+03:30,PT3H\n"
        "T2,2025-03-18T15:00:00+03:30[Asia/Tehran],PT2H\n",
        encoding="utf-8",
    )
    (root / "spans.csv").write_text(
        "start,end\n2025-01-06T09:00:00+00:00,2025-01-06T17:30:00+00:00\n", encoding="utf-8"
    )
    (root / "scored.csv").write_text(
        "won,probability\n1,0.9\n0,0.2\n1,0.7\n0,0.4\n", encoding="utf-8"
    )
    (root / "summary.csv").write_text(
        "customer_id,frequency,recency,T,monetary_value\n"
        + "".join(f"c{i},{i % 5},{(i % 5) * 3},{20 + i % 7},{10 + i % 4}\n" for i in range(60)),
        encoding="utf-8",
    )
    _history(root / "history.csv")
    (root / "new.csv").write_text("id,source,industry\nN1,fair,retail\n", encoding="utf-8")
    assert (
        main(
            [
                "score",
                "train",
                "--history",
                str(root / "history.csv"),
                "--target",
                "won",
                "--fields",
                "source,industry",
                "--min-won",
                "5",
                "--min-lost",
                "5",
                "-o",
                str(root / "model.json"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "sla",
                "evaluate",
                "--policies",
                str(root / "policies.json"),
                "--history",
                str(root / "case.json"),
                "--now",
                "2025-05-01T12:00:00+03:30",
                "-o",
                str(root / "evals.json"),
            ]
        )
        == 0
    )
    return root


ALL = ("json", "csv", "table", "jsonl")

# (name, argv with {d} for the input folder, the argument replaced by '-' for stdin, formats)
Run = tuple[str, list[str], str | None, tuple[str, ...]]

RUNS: list[Run] = [
    ("demo", ["demo"], None, ALL),
    ("price", ["price", "quote", "{d}/quote.json"], "{d}/quote.json", ALL),
    (
        "calendar add",
        ["calendar", "add", "--preset", "iran", "--start", "2025-03-18T15:00:00+03:30",
         "--duration", "PT2H"],
        None,
        ALL,
    ),
    (
        "calendar add batch",
        ["calendar", "add", "--preset", "iran", "--input", "{d}/starts.csv"],
        "{d}/starts.csv",
        ALL,
    ),
    (
        "calendar between",
        ["calendar", "between", "--preset", "24x7", "--input", "{d}/spans.csv"],
        "{d}/spans.csv",
        ALL,
    ),
    (
        "sla evaluate",
        ["sla", "evaluate", "--policies", "{d}/policies.json", "--history", "{d}/case.json",
         "--now", "2025-05-01T12:00:00+03:30"],
        "{d}/case.json",
        ALL,
    ),
    (
        "score",
        ["score", "--scorecard", "{d}/scorecard.json", "{d}/leads.csv",
         "--now", "2026-03-21T09:00:00+00:00"],
        "{d}/leads.csv",
        ALL,
    ),
    (
        "score train",
        ["score", "train", "--history", "{d}/history.csv", "--target", "won",
         "--fields", "source,industry", "--min-won", "5", "--min-lost", "5"],
        "{d}/history.csv",
        ("json",),
    ),
    (
        "score predict",
        ["score", "predict", "--model", "{d}/model.json", "{d}/new.csv"],
        "{d}/new.csv",
        ALL,
    ),
    ("segment rfm", ["segment", "rfm", "{d}/purchases.csv"], "{d}/purchases.csv", ALL),
    (
        "dedupe",
        ["dedupe", "{d}/dedupe-contacts.csv", "--rules", "{d}/dedupe-rules.json"],
        "{d}/dedupe-contacts.csv",
        ALL,
    ),
    ("roi npv", ["roi", "npv", "--rate", "0.1", "--flows", "-100,60,60"], None, ALL),
    ("roi irr", ["roi", "irr", "--flows", "-100,60,60"], None, ALL),
    (
        "roi mirr",
        ["roi", "mirr", "--flows", "-100,60,60", "--finance-rate", "0.1",
         "--reinvest-rate", "0.12"],
        None,
        ALL,
    ),
    ("roi payback", ["roi", "payback", "--flows", "-100,60,60", "--rate", "0.1"], None, ALL),
    ("roi xnpv", ["roi", "xnpv", "--rate", "0.09", "--flows", "{d}/flows.csv"], "{d}/flows.csv", ALL),
    ("roi xirr", ["roi", "xirr", "--flows", "{d}/flows.csv"], "{d}/flows.csv", ALL),
    ("roi plan", ["roi", "plan", "{d}/plan.json"], "{d}/plan.json", ALL),
    ("clv fit", ["clv", "fit", "--summary", "{d}/summary.csv"], "{d}/summary.csv", ALL),
    ("clv predict", ["clv", "predict", "--summary", "{d}/summary.csv"], "{d}/summary.csv", ALL),
    (
        "sales forecast",
        ["sales", "forecast", "{d}/sales-opportunities.csv", "--as-of", "2026-03-15"],
        "{d}/sales-opportunities.csv",
        ALL,
    ),
    (
        "sales funnel",
        ["sales", "funnel", "{d}/sales-opportunities.csv", "--as-of", "2026-04-30",
         "--events", "{d}/sales-events.csv"],
        "{d}/sales-opportunities.csv",
        ALL,
    ),
    (
        "sales targets",
        ["sales", "targets", "{d}/sales-targets.csv",
         "--opportunities", "{d}/sales-opportunities.csv"],
        "{d}/sales-targets.csv",
        ALL,
    ),
    (
        "sales activity",
        ["sales", "activity", "{d}/sales-activities.csv", "--now", "2026-01-16T12:00:00+00:00"],
        "{d}/sales-activities.csv",
        ALL,
    ),
    (
        "service csat",
        ["service", "csat", "--input", "{d}/service-responses.csv", "--by", "agent"],
        "{d}/service-responses.csv",
        ALL,
    ),
    ("service nps", ["service", "nps", "--input", "{d}/service-nps.csv"], "{d}/service-nps.csv", ALL),
    (
        "service ces",
        ["service", "ces", "--input", "{d}/service-responses.csv"],
        "{d}/service-responses.csv",
        ALL,
    ),
    (
        "service csi",
        ["service", "csi", "--input", "{d}/service-ratings.csv",
         "--weights", "{d}/service-weights.json"],
        "{d}/service-ratings.csv",
        ALL,
    ),
    (
        "service contact-centre",
        ["service", "contact-centre", "--input", "{d}/service-events.csv"],
        "{d}/service-events.csv",
        ALL,
    ),
    (
        "service staffing",
        ["service", "staffing", "--input", "{d}/service-forecast.csv",
         "--work-calendar", "{d}/service-calendar.json", "--aht", "180"],
        "{d}/service-forecast.csv",
        ALL,
    ),
    (
        "service queue",
        ["service", "queue", "--input", "{d}/service-queue.json"],
        "{d}/service-queue.json",
        ALL,
    ),
    (
        "service bill",
        ["service", "bill", "--input", "{d}/service-billing.json"],
        "{d}/service-billing.json",
        ALL,
    ),
    ("report roi", ["report", "roi", "{d}/plan.json"], "{d}/plan.json", ("html",)),
    ("report clv", ["report", "clv", "{d}/summary.csv"], "{d}/summary.csv", ("html",)),
    ("report scoring", ["report", "scoring", "{d}/scored.csv"], "{d}/scored.csv", ("html",)),
    ("report sla", ["report", "sla", "{d}/evals.json"], "{d}/evals.json", ("html",)),
]  # fmt: skip

IDS = [name for name, *_ in RUNS]


def _argv(template: list[str], folder: Path) -> list[str]:
    return [part.replace("{d}", str(folder)) for part in template]


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# a datetime and whatever zone suffix follows it (so a "[Asia/Tehran]" would fail to parse)
_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?(?:\[[^\]]*\])?"
)


def _moments(text: str) -> Iterator[str]:
    yield from (m.group(0) for m in _MOMENT.finditer(text))


def _stable(text: str) -> str:
    """Output without matplotlib's random SVG element ids."""
    return re.sub(r"\b(?:[mp]|image)[0-9a-f]{10}\b", "ID", text)


def _check_parses(fmt: str, out: str) -> None:
    if fmt == "json":
        json.loads(out)
    elif fmt == "jsonl":
        assert out.strip()
        for line in out.splitlines():
            json.loads(line)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows
        assert all(len(row) == len(rows[0]) for row in rows)
    elif fmt == "html":
        assert out.lstrip().lower().startswith("<!doctype html")
    else:
        assert out.strip()


def test_every_registered_subcommand_is_exercised() -> None:
    parser = build_parser()
    leaves: set[str] = set()

    def walk(p: Any, prefix: str) -> None:
        subs = [a for a in p._actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subs:
            leaves.add(prefix.strip())
            return
        for name, child in subs[0].choices.items():
            walk(child, f"{prefix} {name}")

    walk(parser, "")
    covered = {name.removesuffix(" batch") for name in IDS}
    # score train/predict are dispatched by 'score' itself (one argparse parser)
    assert leaves <= covered, sorted(leaves - covered)
    assert {name.split()[0] for name in IDS} == set(COMMANDS) - {"sla"} | {"sla"}


@pytest.mark.parametrize("case", RUNS, ids=IDS)
def test_formats_and_datetimes(
    capsys: pytest.CaptureFixture[str],
    folder: Path,
    case: Run,
) -> None:
    name, template, _stdin_arg, formats = case
    for fmt in formats:
        code, out, err = _run(capsys, [*_argv(template, folder), "--format", fmt])
        assert code == 0, (name, fmt, err)
        _check_parses(fmt, out)
        if fmt in ("json", "csv", "jsonl"):
            for stamp in _moments(out):
                # issue 15 item 2: plain ISO 8601, no [Zone] suffix
                assert datetime.fromisoformat(stamp).tzinfo is not None, stamp
                assert pd.to_datetime(stamp).tzinfo is not None, stamp


@pytest.mark.parametrize("case", RUNS, ids=IDS)
def test_output_file_and_stdin(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    folder: Path,
    case: Run,
) -> None:
    name, template, stdin_arg, _formats = case
    argv = _argv(template, folder)
    code, expected, err = _run(capsys, argv)
    assert code == 0, err
    target = tmp_path / "out.txt"
    code, out, err = _run(capsys, [*argv, "-o", str(target)])
    assert code == 0, err
    if name == "score train":  # the model goes to the file, the evaluation to stdout
        assert json.loads(target.read_text(encoding="utf-8")) == json.loads(expected)
    elif name != "demo":  # the demo's store path is a fresh temporary folder each run
        assert _stable(target.read_text(encoding="utf-8")) == _stable(expected)
        assert out == ""
    if stdin_arg is None:
        return
    path = stdin_arg.replace("{d}", str(folder))
    monkeypatch.setattr("sys.stdin", io.StringIO(Path(path).read_text(encoding="utf-8")))
    code, out, err = _run(capsys, [("-" if part == path else part) for part in argv])
    assert code == 0, err
    if name != "score train":
        assert _stable(out) == _stable(expected)


@pytest.mark.parametrize("case", RUNS, ids=IDS)
def test_bad_input_exits_1_or_2_without_traceback(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    folder: Path,
    case: Run,
) -> None:
    _name, template, stdin_arg, _formats = case
    argv = _argv(template, folder)
    if stdin_arg is not None:
        path = stdin_arg.replace("{d}", str(folder))
        bad = tmp_path / Path(path).name
        bad.write_text("[1, 2]\n" if path.endswith(".json") else "x,y\n۱,nope\n", encoding="utf-8")
        code, _out, err = _run(capsys, [str(bad) if part == path else part for part in argv])
        assert code in {1, 2}, (code, err)
        assert err.startswith("crmcore: error:") or "error:" in err, err
        assert "Traceback" not in err
    with pytest.raises(SystemExit) as done:
        main([*argv, "--format", "xml"])
    assert done.value.code == 2
    assert "--format" in capsys.readouterr().err  # the error names the flag


@pytest.mark.parametrize("case", RUNS, ids=IDS)
def test_help_has_an_example(
    capsys: pytest.CaptureFixture[str],
    case: Run,
) -> None:
    name, _template, _stdin_arg, _formats = case
    words = name.removesuffix(" batch").split()
    with pytest.raises(SystemExit) as done:
        main([*words, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out
    assert f"crmcore {words[0]}" in out
    assert "--format" in out
    assert "--output" in out


# -- Jalali dates and Persian digits on input ----------------------------------------------------

_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_ISO = re.compile(r"(\d{4}-\d{2}-\d{2})((?:T\d{2}:\d{2}.*)?)")
_NUMERIC = re.compile(r"-?\d+(\.\d+)?")


def _persian(text: str) -> str:
    """A date or datetime as a Jalali one in Persian digits; a number in Persian digits."""
    from crmcore.calendars import format_jalali

    match = _ISO.fullmatch(text)
    if match is not None:
        day = datetime.fromisoformat(match[1]).date()
        return (format_jalali(day) + match[2]).translate(_PERSIAN)
    if _NUMERIC.fullmatch(text):
        return text.translate(_PERSIAN).replace(".", "٫")
    return text


def _persian_json(value: Any) -> Any:
    if isinstance(value, str):
        return _persian(value)
    if isinstance(value, list):
        return [_persian_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _persian_json(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def persian_folder(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every input of ``folder`` with Jalali dates and Persian digits."""
    root = tmp_path_factory.mktemp("persian")
    for item in folder.iterdir():
        if item.suffix == ".csv":
            rows = list(csv.reader(io.StringIO(item.read_text(encoding="utf-8"))))
            body = [rows[0], *[[_persian(cell) for cell in row] for row in rows[1:]]]
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(body)
            (root / item.name).write_text(out.getvalue(), encoding="utf-8")
        elif item.suffix == ".json" and item.name != "model.json":
            data = json.loads(item.read_text(encoding="utf-8"))
            (root / item.name).write_text(
                json.dumps(_persian_json(data), ensure_ascii=False), encoding="utf-8"
            )
        else:
            shutil.copy(item, root / item.name)
    return root


def test_persian_fixture_is_really_jalali_and_persian(persian_folder: Path) -> None:
    text = (persian_folder / "purchases.csv").read_text(encoding="utf-8")
    # examples/purchases.csv: A bought on 2026-03-15; Nowruz 1405 is 2026-03-21, so that day
    # is 6 days before 1 Farvardin 1405: 24 Esfand 1404 (Esfand 1404 has 29 days).
    assert "A,۱۴۰۴-۱۲-۲۴,۳۰۰۰۰۰۰,IRR" in text
    assert not re.search(r"20\d\d-", text)


JALALI_READERS = [run for run in RUNS if run[0] not in ("demo", "score train")]


@pytest.mark.parametrize("case", JALALI_READERS, ids=[run[0] for run in JALALI_READERS])
def test_a_jalali_persian_digit_input_reads_as_the_gregorian_one(
    capsys: pytest.CaptureFixture[str],
    folder: Path,
    persian_folder: Path,
    case: Run,
) -> None:
    _name, template, _stdin_arg, formats = case
    fmt = formats[0]
    gregorian = [*_argv(template, folder), "--format", fmt, "--calendar", "jalali"]
    code, expected, err = _run(capsys, gregorian)
    assert code == 0, err
    persian = [
        _persian(part) if _ISO.fullmatch(part) else part for part in _argv(template, persian_folder)
    ]
    code, out, err = _run(capsys, [*persian, "--format", fmt, "--calendar", "jalali"])
    assert code == 0, err
    assert _stable(out).replace(str(persian_folder), "D") == _stable(expected).replace(
        str(folder), "D"
    )


def test_jalali_output_dates(capsys: pytest.CaptureFixture[str], persian_folder: Path) -> None:
    code, out, err = _run(
        capsys,
        ["segment", "rfm", str(persian_folder / "purchases.csv"), "--calendar", "jalali",
         "--format", "json"],
    )  # fmt: skip
    assert code == 0, err
    last = {row["customer_id"]: row["last_purchase"] for row in json.loads(out)}
    # A's last purchase is 2026-03-19: two days before Nowruz 1405 (2026-03-21) = 28 Esfand 1404
    assert last["A"] == "1404-12-28"
    # E bought on 2025-03-21, Nowruz 1404 itself: 1 Farvardin 1404
    assert last["E"] == "1404-01-01"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_help_has_an_example(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert re.search(rf"examples?:\n  crmcore {command}\b", out), out
