"""The ``crmcore dedupe`` subcommand (private).

``crmcore dedupe records.csv --rules rules.json`` reads records of the
rules' type (leads, contacts, accounts through
:func:`crmcore.serialization.from_rows`, or plain rows) a chunk at a time
into a :class:`crmcore.matching.DuplicateTally` (which keeps only the
folded values the rules compare), takes its result (what
:func:`crmcore.matching.find_duplicates` or, with ``--against
existing.csv``, :func:`crmcore.matching.check_records` gives) and writes the
pairs, or with ``--clusters`` the clusters, in the CLI convention's formats
(docs/cli.md). The engine is imported when the command runs, not for
``--help``.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmcore.cli._common import CliError, Subparsers
from crmcore.cli._io import CsvTable, add_io, emit, read_json, read_text
from crmcore.cli._progress import chunks, progress_option

if TYPE_CHECKING:
    from crmcore.matching import DuplicateCluster, DuplicatePair, MatchRuleSet, RecordType


def register(subparsers: Subparsers) -> None:
    """Add ``dedupe``."""
    parser = subparsers.add_parser(
        "dedupe",
        help="find duplicate leads, contacts, accounts or rows with declarative rules",
        description=(
            "Score candidate duplicate pairs with the rules (JSON or TOML: a rule set "
            '{"rules": [...]} or one rule) and write them with their per-field explanation.'
        ),
    )
    parser.add_argument("records", help="CSV of the records (columns named like the fields)")
    parser.add_argument("--rules", required=True, help="rules file (.json or .toml)")
    parser.add_argument(
        "--against", help="existing records (CSV): report only pairs with a new record"
    )
    parser.add_argument("--clusters", action="store_true", help="write clusters, not pairs")
    add_io(
        parser,
        example="crmcore dedupe contacts.csv --rules rules.json --clusters --format csv",
        default="csv",
    )
    progress_option(parser)
    parser.set_defaults(handler=run_dedupe)


def load_rules(path: str) -> MatchRuleSet:
    """A rule set from JSON or TOML; a file holding one rule becomes a set of one."""
    from crmcore.matching import MatchRule, MatchRuleSet  # noqa: PLC0415  (engine on demand)
    from crmcore.serialization import check_nesting, from_dict  # noqa: PLC0415

    if Path(path).suffix.lower() == ".toml":
        try:
            data: Any = tomllib.loads(read_text(path), parse_float=Decimal)
        except (tomllib.TOMLDecodeError, RecursionError) as err:
            raise CliError(f"{path}: malformed TOML: {err}", code=1) from None
        check_nesting(data, obj=path)
    else:
        data = read_json(path)
    if isinstance(data, dict) and "rules" not in data:
        return MatchRuleSet(rules=[from_dict(data, MatchRule)])
    return from_dict(data, MatchRuleSet)


def _types(rules: MatchRuleSet) -> tuple[RecordType, RecordType]:
    kinds = {(r.record_type, r.target_type) for r in rules.rules}
    if len(kinds) > 1:
        raise CliError(
            "the rules of one file must share record_type and matching_type for 'dedupe'"
        )
    return next(iter(kinds))


def record_chunks(path: str, kind: RecordType, progress: str = "never") -> Iterator[list[Any]]:
    """Rows of a CSV as records of ``kind`` (rows stay plain dicts), a chunk at a time
    with a progress bar over the bytes read; a bad row is named ``row N`` (the header
    is row 1)."""
    from crmcore.matching import RecordType  # noqa: PLC0415  (engine on demand)
    from crmcore.models import Account, Contact, Lead  # noqa: PLC0415
    from crmcore.serialization import from_rows  # noqa: PLC0415

    entities: dict[RecordType, type[Any]] = {
        RecordType.LEAD: Lead,
        RecordType.CONTACT: Contact,
        RecordType.ACCOUNT: Account,
    }
    done = 0
    with CsvTable(path) as table:
        for cells in chunks(table, progress):
            rows = [dict(zip(table.names, row, strict=True)) for row in cells]
            if kind is RecordType.ROW:
                if not done and rows and "id" not in rows[0]:
                    raise CliError(f"{path}: no 'id' column")
                yield rows
            else:
                yield list(from_rows(rows, entities[kind], start=done + 2))
            done += len(cells)


def pair_rows(pairs: Sequence[DuplicatePair]) -> list[dict[str, object]]:
    """One CSV row per pair: the two records, the score and the explanation."""
    return [
        {
            "rule": p.rule,
            "left_type": p.left.type.value,
            "left_id": p.left.id,
            "right_type": p.right.type.value,
            "right_id": p.right.id,
            "score": f"{p.score:.4f}",
            "explanation": " | ".join(p.explain()[1:]),
        }
        for p in pairs
    ]


def cluster_rows(clusters: Sequence[DuplicateCluster]) -> list[dict[str, object]]:
    """One CSV row per clustered record: its cluster number, size, type and id."""
    return [
        {"cluster": n, "size": len(c.members), "type": m.type.value, "id": m.id}
        for n, c in enumerate(clusters, 1)
        for m in c.members
    ]


def _json(pairs: Sequence[DuplicatePair], clusters: Sequence[DuplicateCluster] | None) -> Any:
    def one(p: DuplicatePair) -> dict[str, object]:
        return {**pair_rows([p])[0], "explanation": list(p.explain())}

    if clusters is None:
        return [one(p) for p in pairs]
    return [
        {
            "cluster": n,
            "members": [{"type": m.type.value, "id": m.id} for m in c.members],
            "pairs": [one(p) for p in c.pairs],
        }
        for n, c in enumerate(clusters, 1)
    ]


def run_dedupe(args: argparse.Namespace) -> int:
    """``crmcore dedupe records.csv --rules rules.json [--against existing.csv]``."""
    from crmcore.matching import (  # noqa: PLC0415  (engine on demand)
        DuplicateTally,
        cluster_duplicates,
    )

    rules = load_rules(args.rules)
    kind, target = _types(rules)
    tally = DuplicateTally(rules)  # a chunk at a time: only the folded values are kept
    for records in record_chunks(args.records, kind, args.progress):
        tally.add(records)
    if args.against:
        tally.add_existing([])  # pairs need a new record even when the file has none
        for records in record_chunks(args.against, target, args.progress):
            tally.add_existing(records)
    pairs = tally.result()
    clusters = cluster_duplicates(pairs) if args.clusters else None
    if args.format != "json":  # the rows only: no JSON document to build
        return emit(
            args, None, cluster_rows(clusters) if clusters is not None else pair_rows(pairs)
        )
    return emit(args, _json(pairs, clusters))
