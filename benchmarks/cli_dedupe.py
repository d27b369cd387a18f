"""Peak memory and speed of ``crmcore dedupe`` on a large contacts CSV, before and after.

Run: ``PYTHONPATH=src python benchmarks/cli_dedupe.py [--rows 200000] [--before /work/main/src]``
(from the repository root).

Writes an N-row contacts CSV (``id, first_name, last_name, email, mobile``)
from :func:`crmcore.matching.synthetic_customers` with about 5 % duplicates
(Persian names, phone and e-mail variants; generated a part at a time with
distinct ids), and a rule: Jaro-Winkler on the person name (cutoff 0.8),
the phone and the e-mail exact (weight 2 each), threshold 0.6, blocking on
the phone and the e-mail. Then runs ``crmcore dedupe contacts.csv --rules
rules.json -o pairs.csv`` (and ``--clusters``, and every tenth contact as
a lead checked ``--against`` the contacts) in a child process with this
checkout's ``src`` and, with ``--before DIR``, with another checkout's
``src`` too, and reports each run's wall time and peak RSS (``os.wait4`` in a
small launcher), its CPU time (user + system: the machine may be shared),
the memory per record above the interpreter with the
modules loaded, and
whether the two outputs are byte-identical. Tests never assert times.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from crmcore.matching import synthetic_customers

sys.path.insert(0, str(Path(__file__).parent))
from cli_memory import measured_cpu

PART = 100_000
"""Rows generated at a time."""

RULES = {
    "rules": [
        {
            "name": "same contact",
            "record_type": "contact",
            "threshold": 0.6,
            "comparisons": [
                {
                    "field": "full_name",
                    "method": "jaro_winkler",
                    "normalizer": "person_name",
                    "cutoff": 0.8,
                },
                {"field": "mobile", "method": "exact", "normalizer": "phone", "weight": 2},
                {"field": "email", "method": "exact", "normalizer": "email", "weight": 2},
            ],
            "blocking": [
                {"field": "mobile", "normalizer": "phone"},
                {"field": "email", "normalizer": "email"},
            ],
        }
    ]
}


LEAD_RULES = {
    "rules": [
        {
            "name": "lead is a contact",
            "record_type": "lead",
            "matching_type": "contact",
            "threshold": 0.6,
            "comparisons": [
                {
                    "field": "full_name",
                    "method": "jaro_winkler",
                    "normalizer": "person_name",
                    "cutoff": 0.8,
                },
                {
                    "field": "phone",
                    "other_field": "mobile",
                    "method": "exact",
                    "normalizer": "phone",
                    "weight": 2,
                },
                {"field": "email", "method": "exact", "normalizer": "email", "weight": 2},
            ],
            "blocking": [
                {"field": "phone", "other_field": "mobile", "normalizer": "phone"},
                {"field": "email", "normalizer": "email"},
            ],
        }
    ]
}


def write_leads(contacts: Path, path: Path, every: int = 10) -> int:
    """Every ``every``-th contact as a new lead (``phone`` for ``mobile``): the leads
    ``--against`` the contacts. Returns how many."""
    count = 0
    with (
        contacts.open(encoding="utf-8", newline="") as source,
        path.open("w", encoding="utf-8", newline="") as out,
    ):
        reader, writer = csv.reader(source), csv.writer(out, lineterminator="\n")
        next(reader)
        writer.writerow(["id", "first_name", "last_name", "email", "phone"])
        for index, row in enumerate(reader):
            if index % every == 0:
                writer.writerow([f"L{row[0]}", *row[1:]])
                count += 1
    return count


def write_contacts(path: Path, n: int, rate: float = 0.05) -> None:
    """``n`` contacts, about ``rate`` duplicates, written a part at a time."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "first_name", "last_name", "email", "mobile"])
        for part, start in enumerate(range(0, n, PART)):
            data = synthetic_customers(min(PART, n - start), duplicate_rate=rate, seed=part)
            for row in data.records:
                first, _, last = str(row["name"]).partition(" ")
                if not last:
                    first, last = "", first
                writer.writerow([f"C{part}-{row['id']}", first, last, row["email"], row["phone"]])


# A small launcher runs each measured command: a child forked from this (large) process
# would count this process's pages into its own peak RSS.


IMPORTS = "import crmcore.cli._matching, crmcore.matching, crmcore.models, crmcore.serialization"
"""The empty command: what the interpreter and the modules take before any record is read."""


def measured(argv: list[str], src: str, folder: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MiB) of ``argv`` run with ``src`` first."""
    return measured_cpu(argv, {**os.environ, "PYTHONPATH": src}, folder)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--before", help="the src folder of the code to compare with")
    parser.add_argument("--dir", default=None, help="where the temporary files go")
    args = parser.parse_args()
    after = str(Path(__file__).resolve().parents[1] / "src")
    runs = [("before", args.before), ("after", after)] if args.before else [("after", after)]
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="crmcore-cli-dedupe-") as tmp:
        folder = Path(tmp)
        rules, contacts = folder / "rules.json", folder / "contacts.csv"
        rules.write_text(json.dumps(RULES), encoding="utf-8")
        lead_rules, leads = folder / "lead-rules.json", folder / "leads.csv"
        lead_rules.write_text(json.dumps(LEAD_RULES), encoding="utf-8")
        t0 = time.perf_counter()
        write_contacts(contacts, args.rows)
        new = write_leads(contacts, leads)
        size = contacts.stat().st_size / 2**20
        print(
            f"{args.rows:,} contacts ({size:,.1f} MiB CSV) and {new:,} leads copied from them, "
            f"written in {time.perf_counter() - t0:.0f} s"
        )
        print("| run | wall | CPU | peak RSS | per record |\n|---|---|---|---|---|")
        outputs: dict[str, list[bytes]] = {}
        for label, src in runs:
            _, _, base = measured([sys.executable, "-c", IMPORTS], src, folder)
            against = [str(leads), "--rules", str(lead_rules), "--against", str(contacts)]
            for extra in ([], ["--clusters"], against):
                out = folder / f"{label}{len(extra)}.csv"
                cli = [sys.executable, "-m", "crmcore", "dedupe"]
                if extra is against:
                    cli += against
                else:
                    cli += [str(contacts), "--rules", str(rules), *extra]
                wall, cpu, peak = measured([*cli, "-o", str(out)], src, folder)
                records = args.rows + (new if extra is against else 0)
                each = (peak - base) * 2**20 / max(records, 1)
                shown = "LEADS --against CONTACTS" if extra is against else " ".join(extra)
                name = f"{label}: dedupe {shown}".rstrip()
                print(f"| {name} | {wall:.1f} s | {cpu:.1f} s | {peak:,.0f} MiB | {each:,.0f} B |")
                outputs.setdefault(label, []).append(out.read_bytes())
        lines = outputs["after"][0].count(b"\n") - 1
        print(f"pairs found: {lines:,}")
        if args.before:
            print(f"outputs byte-identical: {outputs['before'] == outputs['after']}")


if __name__ == "__main__":
    main()
