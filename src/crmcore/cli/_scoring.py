"""The ``crmcore score`` subcommands (private).

``score`` has two shapes that argparse cannot express with plain subparsers
(a positional CSV *or* a subcommand name in the same place), so the ``score``
parser collects everything after its options and dispatches itself:

- ``crmcore score --scorecard card.json leads.csv``
- ``crmcore score train --history history.csv --target won``
- ``crmcore score predict --model model.json leads.csv``
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, TypeVar, cast

import attrs

from crmcore.cli._common import CliError, Subparsers, read_csv, read_text, write_csv
from crmcore.errors import ValidationError
from crmcore.scoring import (
    CategoryMap,
    ClosedLead,
    Condition,
    Decay,
    EngagementEvent,
    EventFilter,
    GradeCriterion,
    Grading,
    LogisticModel,
    NaiveBayesModel,
    RatingBand,
    Rule,
    RuleGroup,
    Scorecard,
    evaluate_model,
    rank,
    score_lead,
    split_history,
    train_logistic,
    train_naive_bayes,
)
from crmcore.scoring.evaluation import Evaluation
from crmcore.serialization import from_dict, load_toml, make_converter

T = TypeVar("T")

_SUBCOMMANDS = ("train", "predict")
_TRUE = frozenset({"1", "true", "yes", "y", "won", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "lost", "f"})


def register(subparsers: Subparsers) -> None:
    """Add ``score`` (with ``train`` and ``predict``)."""
    score = subparsers.add_parser(
        "score",
        help="score leads with a scorecard; 'score train' / 'score predict' for models",
        usage=(
            "crmcore score --scorecard CARD [options] leads.csv\n"
            "       crmcore score train --history H.csv --target COLUMN [options]\n"
            "       crmcore score predict --model M.json [options] leads.csv"
        ),
        description=(
            "Score leads with a scorecard (JSON or TOML), or train / apply a predictive model.\n\n"
            "options of 'score --scorecard CARD leads.csv':\n"
            "  --events E.csv     engagement events (lead_id, kind, at[, detail])\n"
            "  --now ISO          evaluate at this instant (default: now)\n"
            "  --rank             highest score first\n"
            "  -o, --output PATH  write the CSV here instead of stdout\n"
            "  --progress {auto,always,never}\n\n"
            "Run 'crmcore score train --help' or 'crmcore score predict --help' for theirs."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    score.add_argument("--scorecard", help="scorecard file (.json or .toml)")
    score.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    score.set_defaults(handler=run_score)


# -- progress ----------------------------------------------------------------------------------


class Progress:
    """A progress bar on stderr, shown only after a run has lasted one second.

    It draws only when ``stream`` is a terminal, or when forced
    (``--progress always``); ``never`` turns it off.
    """

    def __init__(self, total: int, *, mode: str = "auto", stream: IO[str] | None = None) -> None:
        self.total = max(total, 1)
        self.stream = stream or sys.stderr
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = mode == "always" or (mode == "auto" and tty)
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False
        self.delay = 1.0

    def update(self, done: int) -> None:
        """Redraw for ``done`` items finished (at most ten times a second)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < self.delay or (now - self.last < 0.1 and done < self.total):
            return
        self.last = now
        width = 30
        filled = width * done // self.total
        percent = 100 * done // self.total
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {percent:3d}% {done}/{self.total}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """End the bar's line if one was drawn."""
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _tracked(items: Sequence[T], mode: str) -> Iterator[T]:
    progress = Progress(len(items), mode=mode)
    try:
        for index, item in enumerate(items, 1):
            yield item
            progress.update(index)
    finally:
        progress.close()


# -- helpers -----------------------------------------------------------------------------------


def _progress_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr for runs over a second (auto: only on a terminal)",
    )


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)  # the CLI is the edge: engines get `now` as a value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--now: not an ISO 8601 datetime: {text!r}") from None
    if moment.tzinfo is None:
        raise CliError(f"--now: {text!r} has no UTC offset (add e.g. +00:00)")
    return moment


def _open_out(path: str | None) -> IO[str]:
    if path is None:
        return sys.stdout
    try:
        return Path(path).open("w", encoding="utf-8", newline="")
    except OSError as err:
        raise CliError(f"cannot write {path}: {err.strerror or err}") from None


def _finish(stream: IO[str]) -> None:
    if stream is not sys.stdout:
        stream.close()


def load_scorecard(path: str) -> Scorecard:
    """Read a scorecard from JSON or (``.toml``) TOML through crmcore.serialization."""
    text = read_text(path)
    if path.endswith(".toml"):
        return load_toml(text, Scorecard)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise CliError(f"{path}: malformed JSON at line {err.lineno}: {err.msg}") from None
    return from_dict(data, Scorecard)


def _events(path: str | None) -> dict[str, list[EngagementEvent]]:
    by_lead: dict[str, list[EngagementEvent]] = defaultdict(list)
    if path is None:
        return by_lead
    for line, row in enumerate(read_csv(path), 2):
        try:
            lead_id = row["lead_id"]
            at = datetime.fromisoformat(row["at"])
            event = EngagementEvent(
                kind=row["kind"], at=at, lead_id=lead_id, detail=row.get("detail") or None
            )
        except KeyError as err:
            raise CliError(f"{path}: missing column {err.args[0]!r}") from None
        except ValueError as err:
            raise CliError(f"{path} line {line}: {err}") from None
        by_lead[lead_id].append(event)
    return by_lead


# -- score -------------------------------------------------------------------------------------


def run_score(args: argparse.Namespace) -> int:
    """Dispatch ``score`` to applying a scorecard, ``train`` or ``predict``."""
    rest: list[str] = list(args.rest)
    if rest and rest[0] in _SUBCOMMANDS:
        if args.scorecard is not None:
            raise CliError(f"--scorecard does not apply to 'score {rest[0]}'")
        if rest[0] == "train":
            return run_train(_train_parser().parse_args(rest[1:]))
        return run_predict(_predict_parser().parse_args(rest[1:]))
    apply = _apply_parser().parse_args(rest)
    scorecard = apply.scorecard or args.scorecard
    if scorecard is None:
        raise CliError("score: give --scorecard CARD leads.csv, or 'score train' / 'score predict'")
    apply.scorecard = scorecard
    return run_apply(apply)


def _apply_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crmcore score", description="score leads")
    parser.add_argument("leads", help="leads CSV (one column per field, 'id' recommended)")
    parser.add_argument("--scorecard", help="scorecard file (.json or .toml)")
    parser.add_argument("--events", help="events CSV with lead_id, kind, at[, detail]")
    parser.add_argument("--now", help="evaluate at this ISO 8601 instant (default: now)")
    parser.add_argument("--rank", action="store_true", help="highest score first")
    parser.add_argument("--output", "-o", help="write the CSV here instead of stdout")
    _progress_option(parser)
    return parser


def run_apply(args: argparse.Namespace) -> int:
    """``crmcore score --scorecard CARD leads.csv``."""
    card = load_scorecard(args.scorecard)
    rows = read_csv(args.leads)
    events = _events(args.events)
    now = _now(args.now)
    results = [
        score_lead(card, row, events.get(row.get("id") or "", ()), now=now)
        for row in _tracked(rows, args.progress)
    ]
    pairs = list(zip(rows, results, strict=True))
    if args.rank:
        order = {id(r): i for i, r in enumerate(rank(results))}
        pairs.sort(key=lambda pair: order[id(pair[1])])
    columns = list(rows[0]) if rows else []
    extra = ["score", "grade", "rating", "sales_ready", "explanation"]
    out = _open_out(args.output)
    try:
        write_csv(
            (
                {
                    **row,
                    "score": str(result.score),
                    "grade": result.grade or "",
                    "rating": result.rating or "",
                    "sales_ready": "yes" if result.sales_ready else "no",
                    "explanation": result.explain(),
                }
                for row, result in pairs
            ),
            [*columns, *(c for c in extra if c not in columns)],
            out,
        )
    finally:
        _finish(out)
    return 0


def _train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmcore score train", description="train a predictive lead-scoring model"
    )
    parser.add_argument("--history", required=True, help="CSV of closed leads")
    parser.add_argument("--target", required=True, help="column saying won (1/true/won) or lost")
    parser.add_argument("--model", choices=("naive_bayes", "logistic"), default="naive_bayes")
    parser.add_argument("--fields", help="comma-separated categorical columns (default: all)")
    parser.add_argument("--numeric", default="", help="comma-separated numeric columns (logistic)")
    parser.add_argument("--team-column", help="column with the sales team")
    parser.add_argument("--stage-column", help="column with the stage reached (naive Bayes)")
    parser.add_argument("--stages", help="comma-separated stages, first to last")
    parser.add_argument("--closed-column", help="column with the close datetime (time split)")
    parser.add_argument("--min-won", type=int, default=40)
    parser.add_argument("--min-lost", type=int, default=40)
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength (logistic)")
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0, help="seed of the validation split")
    parser.add_argument("--output", "-o", help="write the model JSON here (default: stdout)")
    return parser


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _target(value: str | None, line: int, column: str) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CliError(f"line {line}: column {column!r} must be won/lost (1/0, true/false): {value!r}")


def _history(args: argparse.Namespace) -> tuple[list[ClosedLead], list[str]]:
    rows = read_csv(args.history)
    if not rows:
        raise ValidationError(obj="history", field=args.target, value=0, expected="closed leads")
    special = {args.target, args.team_column, args.stage_column, args.closed_column, "id"}
    for column in (args.target, args.team_column, args.stage_column, args.closed_column):
        if column and column not in rows[0]:
            raise CliError(f"{args.history}: no column {column!r} (have: {', '.join(rows[0])})")
    fields = _split(args.fields) or [c for c in rows[0] if c not in special]
    numeric = _split(args.numeric)
    for column in [*fields, *numeric]:
        if column not in rows[0]:
            raise CliError(f"{args.history}: no column {column!r} (have: {', '.join(rows[0])})")
    history = []
    for line, row in enumerate(rows, 2):
        closed = None
        if args.closed_column and row.get(args.closed_column):
            try:
                closed = datetime.fromisoformat(row[args.closed_column])
            except ValueError:
                raise CliError(
                    f"line {line}: {args.closed_column!r} is not ISO 8601: "
                    f"{row[args.closed_column]!r}"
                ) from None
        history.append(
            ClosedLead(
                features={k: row[k] for k in [*fields, *numeric]},
                won=_target(row.get(args.target), line, args.target),
                team=(row.get(args.team_column) or None) if args.team_column else None,
                stage=(row.get(args.stage_column) or None) if args.stage_column else None,
                closed_at=closed,
            )
        )
    return history, [f for f in fields if f not in numeric]


def _fit(
    args: argparse.Namespace, history: Sequence[ClosedLead], fields: Sequence[str]
) -> NaiveBayesModel | LogisticModel:
    if args.model == "logistic":
        return train_logistic(
            history,
            categorical=fields,
            numeric=_split(args.numeric),
            c=args.c,
            min_won=args.min_won,
            min_lost=args.min_lost,
        )
    return train_naive_bayes(
        history,
        fields,
        stages=_split(args.stages),
        min_won=args.min_won,
        min_lost=args.min_lost,
    )


def run_train(args: argparse.Namespace) -> int:
    """``crmcore score train --history history.csv --target won``."""
    history, fields = _history(args)
    # The minimum-data checks apply to the whole history (the model that is written);
    # the validation AUC comes from a refit on the older/shuffled training part.
    model = _fit(args, history, fields)
    train, test = split_history(history, test_fraction=args.test_fraction, seed=args.seed)
    validation = evaluate_model(_fit_relaxed(args, train, fields), test)
    model = attrs.evolve(model, validation_auc=validation.roc_auc)
    data = make_converter().unstructure(model, unstructure_as=NaiveBayesModel | LogisticModel)
    out = _open_out(args.output)
    report = sys.stdout if args.output else sys.stderr
    try:
        json.dump(data, out, indent=2)
        out.write("\n")
    finally:
        _finish(out)
    print(_evaluation_text(validation, train=len(train)), file=report)
    return 0


def _fit_relaxed(
    args: argparse.Namespace, train: Sequence[ClosedLead], fields: Sequence[str]
) -> NaiveBayesModel | LogisticModel:
    relaxed = argparse.Namespace(**{**vars(args), "min_won": 1, "min_lost": 1})
    return _fit(relaxed, train, fields)


def _evaluation_text(result: Evaluation, *, train: int) -> str:
    lines = [
        f"trained on {train} leads, validated on {result.examples} ({result.won} won)",
        f"ROC AUC {result.roc_auc:.4f}  PR AUC {result.average_precision:.4f}  "
        f"log loss {result.log_loss:.4f}  Brier {result.brier:.4f}  KS {result.ks:.4f}",
        "decile  leads  won  conversion  lift  gain",
    ]
    lines.extend(
        f"{d.index:6d}  {d.leads:5d}  {d.won:3d}  {d.conversion:10.3f}  {d.lift:4.2f}  {d.gain:4.2f}"
        for d in result.deciles
    )
    return "\n".join(lines)


def _predict_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmcore score predict", description="predict won probability with a model"
    )
    parser.add_argument("leads", help="leads CSV")
    parser.add_argument("--model", required=True, help="model JSON from 'score train'")
    parser.add_argument("--team-column", help="column with the sales team")
    parser.add_argument("--stage-column", help="column with the current stage (naive Bayes)")
    parser.add_argument("--output", "-o", help="write the CSV here instead of stdout")
    _progress_option(parser)
    return parser


def load_model(path: str) -> NaiveBayesModel | LogisticModel:
    """Read a model JSON written by ``score train``."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise CliError(f"{path}: malformed JSON at line {err.lineno}: {err.msg}") from None
    converter = make_converter()
    model_type: Any = NaiveBayesModel | LogisticModel
    return cast("NaiveBayesModel | LogisticModel", converter.structure(data, model_type))


def run_predict(args: argparse.Namespace) -> int:
    """``crmcore score predict --model model.json leads.csv``."""
    model = load_model(args.model)
    rows = read_csv(args.leads)
    out_rows = []
    for row in _tracked(rows, args.progress):
        team = row.get(args.team_column) or None if args.team_column else None
        if isinstance(model, NaiveBayesModel):
            stage = row.get(args.stage_column) or None if args.stage_column else None
            p = model.probability(row, team=team, stage=stage)
            factors = model.top_factors(row, team=team, stage=stage)
        else:
            p = model.probability(row)
            factors = model.top_factors(row)
        out_rows.append(
            {
                **row,
                "probability": f"{p:.2f}",
                "grade": model.buckets.grade(p),
                "top_factors": "; ".join(factors),
            }
        )
    columns = [*(rows[0] if rows else []), "probability", "grade", "top_factors"]
    out = _open_out(args.output)
    try:
        write_csv(out_rows, columns, out)
    finally:
        _finish(out)
    return 0


# -- demo --------------------------------------------------------------------------------------


def consultancy_scorecard() -> Scorecard:
    """The textbook education-consultancy scorecard used by the demo and the docs.

    Interest, influence of the key contact and need are rated high/medium/low;
    the stage in the sales cycle runs from first contact to final meeting
    (scoring reference: "high, high, high, final meeting" is a lead to focus on).
    """
    levels = {"high": 20, "medium": 10, "low": 0}
    return Scorecard(
        name="consultancy",
        groups=[
            RuleGroup(
                name="fit",
                rules=[
                    Rule(name="interest", mapping=CategoryMap(field="interest", points=levels)),
                    Rule(name="influence", mapping=CategoryMap(field="influence", points=levels)),
                    Rule(name="need", mapping=CategoryMap(field="need", points=levels)),
                    Rule(
                        name="stage",
                        mapping=CategoryMap(
                            field="stage",
                            points={
                                "first contact": 0,
                                "proposal": 10,
                                "negotiation": 15,
                                "final meeting": 25,
                            },
                        ),
                    ),
                ],
            ),
            RuleGroup(
                name="engagement",
                cap=20,
                rules=[
                    Rule(name="form", points=10, event=EventFilter(kinds=["form_submit"])),
                    Rule(name="visits", points=1, event=EventFilter(kinds=["page_view"])),
                    Rule(
                        name="silent",
                        points=-10,
                        event=EventFilter(kinds=["email_click", "meeting_held"], within_days=90),
                        frequency="none",
                    ),
                ],
            ),
        ],
        total_cap=100,
        decay=Decay.half_life(30),
        grading=Grading(
            criteria=[
                GradeCriterion(name="decision maker", when=Condition.equals("influence", "high")),
                GradeCriterion(
                    name="needs us", when=Condition.is_in("need", ["high", "medium"]), miss_steps=3
                ),
            ]
        ),
        bands=[
            RatingBand(name="cold", high=40),
            RatingBand(name="warm", low=40, high=70),
            RatingBand(name="hot", low=70),
        ],
        sales_ready_at=70,
    )


_DEMO_LEADS: tuple[Mapping[str, str], ...] = (
    {"id": "L-101", "name": "Tehran Language School", "interest": "high", "influence": "high", "need": "high", "stage": "final meeting"},
    {"id": "L-102", "name": "Shiraz Academy", "interest": "medium", "influence": "high", "need": "high", "stage": "proposal"},
    {"id": "L-103", "name": "Tabriz Tutors", "interest": "low", "influence": "medium", "need": "low", "stage": "first contact"},
    {"id": "L-104", "name": "Isfahan College", "interest": "high", "influence": "low", "need": "medium", "stage": "negotiation"},
    {"id": "L-105", "name": "Mashhad Institute", "interest": "medium", "influence": "medium", "need": "high", "stage": "proposal"},
)  # fmt: skip


def demo_section() -> dict[str, Any]:
    """A scored and ranked lead list with explanations, for ``crmcore demo``."""
    now = datetime(2026, 3, 21, 9, 0, tzinfo=UTC)
    day = 86400.0
    events = {
        "L-101": [EngagementEvent(kind="meeting_held", at=_ago(now, 3 * day))],
        "L-102": [EngagementEvent(kind="form_submit", at=_ago(now, 30 * day))]
        + [EngagementEvent(kind="page_view", at=_ago(now, d * day)) for d in (1, 2, 5, 9)],
        "L-104": [EngagementEvent(kind="email_click", at=_ago(now, 12 * day))],
        "L-105": [EngagementEvent(kind="page_view", at=_ago(now, 60 * day))],
    }
    card = consultancy_scorecard()
    results = rank(
        score_lead(card, lead, events.get(lead["id"], ()), now=now) for lead in _DEMO_LEADS
    )
    names = {lead["id"]: lead["name"] for lead in _DEMO_LEADS}
    buffer = io.StringIO()
    buffer.write(f"Scorecard {card.name!r} at {now.isoformat()}\n")
    for position, r in enumerate(results, 1):
        ready = " SALES-READY" if r.sales_ready else ""
        buffer.write(
            f"{position}. {r.lead_id} {names[r.lead_id or '']}: {r.score} "
            f"grade {r.grade} {r.rating}{ready}\n   {r.explain()}\n"
        )
    data = [
        {
            "lead_id": r.lead_id,
            "name": names[r.lead_id or ""],
            "score": str(r.score),
            "grade": r.grade,
            "rating": r.rating,
            "sales_ready": r.sales_ready,
            "explanation": [
                {
                    "rule": line.rule,
                    "points": str(line.points),
                    "decayed": str(line.decayed),
                    "cap_effect": str(line.cap_effect),
                    "value": str(line.value),
                }
                for line in r.lines
            ],
        }
        for r in results
    ]
    return {"title": "Lead scoring", "text": buffer.getvalue().rstrip("\n"), "data": data}


def _ago(now: datetime, seconds: float) -> datetime:
    return now - timedelta(seconds=seconds)
