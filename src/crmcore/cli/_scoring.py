"""The ``crmcore score`` subcommands (private).

``score`` has two shapes that argparse cannot express with plain subparsers
(a positional CSV *or* a subcommand name in the same place), so the ``score``
parser collects everything after its options and dispatches itself:

- ``crmcore score --scorecard card.json leads.csv``
- ``crmcore score train --history history.csv --target won``
- ``crmcore score predict --model model.json leads.csv``

Each command parses, reads records, calls one engine function of
:mod:`crmcore.scoring` and writes the result; the rules live in the engine.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from crmcore.cli._common import CliError, Subparsers, check_output, output, parse_json, read_text
from crmcore.cli._io import CsvTable, RowSink, add_io, integer, moment, number, setup
from crmcore.cli._progress import chunks, progress_option

if TYPE_CHECKING:
    from crmcore.scoring import (
        EngagementEvent,
        LeadPrediction,
        LogisticModel,
        NaiveBayesModel,
        Scorecard,
    )
    from crmcore.scoring.evaluation import Evaluation

_SUBCOMMANDS = ("train", "predict")
_SCORE_COLUMNS = ("score", "grade", "rating", "sales_ready", "explanation")
_PREDICT_COLUMNS = ("probability", "grade", "top_factors")


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
            "Score leads with a scorecard (JSON or TOML), or train / apply a predictive model.\n"
            "The options below apply to 'score --scorecard CARD leads.csv' and may come before\n"
            "or after the CSV. Run 'crmcore score train --help' or 'crmcore score predict --help'\n"
            "for theirs."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _apply_options(score, default=None)
    add_io(
        score,
        example="crmcore score --scorecard card.toml --now 2026-05-05T09:00:00+03:30 leads.csv",
        default="csv",
    )
    score.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    score.set_defaults(handler=run_score)


# -- helpers ---------------------------------------------------------------------------------


def _apply_options(parser: argparse.ArgumentParser, *, default: Any) -> None:
    """The options of ``score --scorecard``; ``default`` is None (first parse) or SUPPRESS."""
    parser.add_argument("--scorecard", default=default, help="scorecard file (.json or .toml)")
    parser.add_argument(
        "--events", default=default, help="events CSV with lead_id, kind, at[, detail]"
    )
    parser.add_argument(
        "--now", default=default, help="evaluate at this ISO 8601 instant (default: now)"
    )
    parser.add_argument("--rank", action="store_true", default=default, help="highest score first")
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        default=default,
        help="score fields absent from the CSV as empty (default: refuse them)",
    )
    progress_option(parser, default)


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)  # the CLI is the edge: engines get `now` as a value
    return moment(text, "--now")


def load_scorecard(path: str) -> Scorecard:
    """Read a scorecard from JSON or (``.toml``) TOML through crmcore.serialization."""
    from crmcore.scoring import Scorecard  # noqa: PLC0415  (engines load on demand)
    from crmcore.serialization import from_dict, load_toml  # noqa: PLC0415

    text = read_text(path)
    if path.endswith(".toml"):
        return load_toml(text, Scorecard)
    return from_dict(parse_json(text, path), Scorecard)


def _events(path: str | None) -> Mapping[str, Sequence[EngagementEvent]]:
    """The events CSV by lead id, read and grouped a chunk at a time (the events are
    held, not the rows)."""
    from crmcore.errors import ScoringError  # noqa: PLC0415
    from crmcore.scoring import EngagementEvent, group_events  # noqa: PLC0415
    from crmcore.serialization import from_rows  # noqa: PLC0415

    grouped: dict[str, list[EngagementEvent]] = {}
    if path is None:
        return grouped
    done = 0
    with CsvTable(path) as table:
        for chunk in table:
            rows = (dict(zip(table.names, row, strict=True)) for row in chunk)
            found = list(from_rows(rows, EngagementEvent, start=done + 2))
            try:
                by_lead = group_events(found)
            except ScoringError as err:  # name the event by its place in the whole file
                index = int(str(err.field).removeprefix("events[").rstrip("]")) + done
                raise ScoringError(
                    obj=err.obj, field=f"events[{index}]", value=err.value, expected=err.expected
                ) from None
            for lead, events in by_lead.items():
                grouped.setdefault(lead, []).extend(events)
            done += len(found)
    return grouped


# -- score -------------------------------------------------------------------------------------


def run_score(args: argparse.Namespace) -> int:
    """Dispatch ``score`` to applying a scorecard, ``train`` or ``predict``."""
    rest: list[str] = list(args.rest)
    if rest and rest[0] in _SUBCOMMANDS:
        given = [f"--{k.replace('_', '-')}" for k, v in vars(args).items() if _is_option(k, v)]
        if given:
            raise CliError(f"{', '.join(given)} does not apply to 'score {rest[0]}'")
        if rest[0] == "train":
            sub = _train_parser().parse_args(rest[1:])
            setup(sub)
            return run_train(sub)
        sub = _predict_parser().parse_args(rest[1:])
        setup(sub)
        return run_predict(sub)
    later = vars(_apply_parser().parse_args(rest))
    merged = {k: v for k, v in vars(args).items() if k != "rest"} | later
    apply = argparse.Namespace(**merged)
    if apply.scorecard is None:
        raise CliError("score: give --scorecard CARD leads.csv, or 'score train' / 'score predict'")
    apply.progress = apply.progress or "auto"
    apply.format = later.get("format", apply.format_given)
    setup(apply)
    return run_apply(apply)


def _is_option(name: str, value: object) -> bool:
    return name in {
        "scorecard",
        "events",
        "now",
        "rank",
        "allow_missing",
        "progress",
    } and (value not in (None, False))


def _apply_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmcore score", description="score leads", allow_abbrev=False
    )
    parser.add_argument("leads", help="leads CSV (one column per field, 'id' recommended)")
    _apply_options(parser, default=argparse.SUPPRESS)
    add_io(parser, example="crmcore score --scorecard card.json leads.csv", suppress=True)
    return parser


def run_apply(args: argparse.Namespace) -> int:
    """``crmcore score --scorecard CARD leads.csv``: one lead per CSV row (column = field).

    The CSV is read and scored a chunk of rows at a time through
    :func:`crmcore.scoring.score_table` (the batch path), so memory stays
    bounded whatever the file's size; ``--rank`` holds each row's score and id
    until the end, ``--format table`` every row.
    """
    check_output(
        args.output,
        "-o",
        {"--scorecard": args.scorecard, "leads": args.leads, "--events": args.events},
    )
    card = load_scorecard(args.scorecard)
    with CsvTable(args.leads) as table, RowSink(args, rank=bool(args.rank)) as sink:
        events = _events(args.events)
        now = _now(args.now)
        for rows in chunks(table, args.progress):
            _apply_chunk(card, table.names, rows, sink, args, events=events, now=now)
        return sink.finish()


def _apply_chunk(
    card: Scorecard,
    names: list[str],
    rows: list[list[str]],
    sink: RowSink,
    args: argparse.Namespace,
    *,
    events: Mapping[str, Sequence[EngagementEvent]],
    now: datetime,
) -> None:
    """Score one chunk of rows through the batch path and hand the rows to ``sink``."""
    from crmcore.scoring import score_table  # noqa: PLC0415  (engines load on demand)

    read = [n for n in names if n in card.fields() or n == "id"]
    where = {n: names.index(n) for n in read}
    columns = {n: [row[where[n]] for row in rows] for n in read}
    result = score_table(
        card,
        columns,
        now=now,
        # only this chunk's leads' events: the join costs the chunk, not every event
        events={i: events[i] for i in columns["id"] if i in events} if "id" in columns else None,
        allow_missing=bool(args.allow_missing),
    )
    joined: dict[int, str] = {}  # rows with the same explanation share its tuple
    explanations = [
        joined.get(id(lines)) or joined.setdefault(id(lines), "; ".join(lines))
        for lines in result.explanations or ()
    ]
    out = [
        {
            **dict(zip(names, row, strict=True)),
            "score": str(score),
            "grade": grade or "",
            "rating": rating or "",
            "sales_ready": "yes" if ready else "no",
            "explanation": text,
        }
        for row, score, grade, rating, ready, text in zip(
            rows,
            result.scores,
            result.grades,
            result.ratings,
            result.sales_ready,
            explanations,
            strict=True,
        )
    ]
    keys = None
    if args.rank:  # as crmcore.scoring.rank: highest score first, ties by lead id
        ids = columns.get("id") or [""] * len(rows)
        minus = {score: -score for score in set(result.scores)}  # one Decimal per value
        keys = [(minus[score], lead or "") for score, lead in zip(result.scores, ids, strict=True)]
    sink.write(out, keys)


def _train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        allow_abbrev=False,
        prog="crmcore score train",
        description="train a predictive lead-scoring model",
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
    parser.add_argument("--min-won", type=integer, default=40)
    parser.add_argument("--min-lost", type=integer, default=40)
    parser.add_argument("--c", type=number, default=1.0, help="inverse L2 strength (logistic)")
    parser.add_argument("--test-fraction", type=number, default=0.2)
    parser.add_argument("--seed", type=integer, default=0, help="seed of the validation split")
    progress_option(parser)
    add_io(
        parser,
        example="crmcore score train --history closed.csv --target won -o model.json",
        formats=("json",),
    )
    return parser


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def run_train(args: argparse.Namespace) -> int:
    """``crmcore score train --history history.csv --target won``."""
    from crmcore.scoring import (  # noqa: PLC0415  (engines load on demand)
        HistoryTally,
        LogisticModel,
        NaiveBayesModel,
        train_model,
    )
    from crmcore.serialization import make_converter  # noqa: PLC0415

    check_output(args.output, "-o", {"--history": args.history})
    tally = HistoryTally(
        target=args.target,
        fields=_split(args.fields),
        numeric=_split(args.numeric),
        team_field=args.team_column,
        stage_field=args.stage_column,
        closed_field=args.closed_column,
    )
    with CsvTable(args.history) as table:  # a chunk of rows at a time, the leads kept as codes
        for chunk in chunks(table, args.progress):
            tally.add(dict(zip(table.names, row, strict=True)) for row in chunk)
    data = tally.result()
    trained = train_model(
        data,
        kind=args.model,
        stages=_split(args.stages),
        c=args.c,
        min_won=args.min_won,
        min_lost=args.min_lost,
        test_fraction=args.test_fraction,
        seed=args.seed,
    )
    model: Any = NaiveBayesModel | LogisticModel
    data_out = make_converter().unstructure(trained.model, unstructure_as=model)
    report = sys.stdout if args.output not in (None, "-") else sys.stderr
    with output(args.output) as out:
        json.dump(data_out, out, indent=2)
        out.write("\n")
    print(_evaluation_text(trained.validation, train=trained.train_size), file=report)
    return 0


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
        allow_abbrev=False,
        prog="crmcore score predict",
        description="predict won probability with a model",
    )
    parser.add_argument("leads", help="leads CSV")
    parser.add_argument("--model", required=True, help="model JSON from 'score train'")
    parser.add_argument("--team-column", help="column with the sales team")
    parser.add_argument("--stage-column", help="column with the current stage (naive Bayes)")
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="treat model fields absent from the CSV as unknown (default: refuse them)",
    )
    progress_option(parser)
    add_io(
        parser,
        example="crmcore score predict --model model.json leads.csv --format table",
        default="csv",
    )
    return parser


def load_model(path: str) -> NaiveBayesModel | LogisticModel:
    """Read a model JSON written by ``score train``."""
    from crmcore.scoring import LogisticModel, NaiveBayesModel  # noqa: PLC0415
    from crmcore.serialization import make_converter  # noqa: PLC0415

    data = parse_json(read_text(path), path)
    converter = make_converter()
    model_type: Any = NaiveBayesModel | LogisticModel
    return cast("NaiveBayesModel | LogisticModel", converter.structure(data, model_type))


def _prediction_cells(prediction: LeadPrediction) -> dict[str, str]:
    return {
        "probability": f"{prediction.probability:.2f}",
        "grade": prediction.grade,
        "top_factors": "; ".join(prediction.explain()),
    }


def run_predict(args: argparse.Namespace) -> int:
    """``crmcore score predict --model model.json leads.csv``, a chunk of rows at a time."""
    from crmcore.scoring import predict_leads  # noqa: PLC0415  (engines load on demand)

    check_output(args.output, "-o", {"--model": args.model, "leads": args.leads})
    model = load_model(args.model)
    with CsvTable(args.leads) as table, RowSink(args) as sink:
        for chunk in chunks(table, args.progress):
            rows = [dict(zip(table.names, row, strict=True)) for row in chunk]
            predictions = predict_leads(
                model,
                rows,
                team_field=args.team_column,
                stage_field=args.stage_column,
                allow_missing=args.allow_missing,
            )
            cells = [_prediction_cells(p) for p in predictions]
            sink.write([{**row, **more} for row, more in zip(rows, cells, strict=True)])
        return sink.finish()


# -- demo --------------------------------------------------------------------------------------

# The scoring section of ``crmcore demo`` lives in crmcore.cli._demo.scoring.
