"""The ``crmcore dedupe`` subcommand (private).

``crmcore dedupe records.csv --rules rules.json`` reads records of the
rules' type (leads, contacts, accounts through
:func:`crmcore.serialization.from_rows`, or plain rows), calls
:func:`crmcore.matching.find_duplicates` (or, with ``--against
existing.csv``, :func:`crmcore.matching.check_records`) and writes the
pairs, or with ``--clusters`` the clusters, in the CLI convention's formats
(docs/cli.md). The engine is imported when the command runs, not for
``--help``.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmcore.cli._common import CliError, Subparsers
from crmcore.cli._io import add_io, emit, read_csv, read_json, read_text

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


def read_records(path: str, kind: RecordType) -> list[Any]:
    """Rows of a CSV as records of ``kind`` (rows stay plain dicts)."""
    from crmcore.matching import RecordType  # noqa: PLC0415  (engine on demand)
    from crmcore.models import Account, Contact, Lead  # noqa: PLC0415
    from crmcore.serialization import from_rows  # noqa: PLC0415

    rows = read_csv(path)
    if kind is RecordType.ROW:
        if rows and "id" not in rows[0]:
            raise CliError(f"{path}: no 'id' column")
        return rows
    entities: dict[RecordType, type[Any]] = {
        RecordType.LEAD: Lead,
        RecordType.CONTACT: Contact,
        RecordType.ACCOUNT: Account,
    }
    return list(from_rows(rows, entities[kind]))


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
        check_records,
        cluster_duplicates,
        find_duplicates,
    )

    rules = load_rules(args.rules)
    kind, target = _types(rules)
    records = read_records(args.records, kind)
    if args.against:
        pairs = check_records(records, read_records(args.against, target), rules)
    else:
        pairs = find_duplicates(records, rules)
    clusters = cluster_duplicates(pairs) if args.clusters else None
    rows = cluster_rows(clusters) if clusters is not None else pair_rows(pairs)
    return emit(args, _json(pairs, clusters), rows)
