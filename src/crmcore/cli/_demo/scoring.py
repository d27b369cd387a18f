"""The lead-scoring section of ``crmcore demo`` (private).

A textbook scorecard ranks five leads of an education consultancy and
explains every point.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from crmcore.scoring import (
    CategoryMap,
    Condition,
    Decay,
    EngagementEvent,
    EventFilter,
    GradeCriterion,
    Grading,
    RatingBand,
    Rule,
    RuleGroup,
    Scorecard,
    rank,
    score_leads,
)

__all__ = ["consultancy_scorecard", "demo_section"]


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
    results = rank(score_leads(card, _DEMO_LEADS, events, now=now))
    names = {lead["id"]: lead["name"] for lead in _DEMO_LEADS}
    buffer = io.StringIO()
    buffer.write(f"Scorecard {card.name!r} at {now.isoformat()}\n")
    for position, r in enumerate(results, 1):
        ready = " SALES-READY" if r.sales_ready else ""
        buffer.write(
            f"{position}. {r.lead_id} {names[r.lead_id or '']}: {r.score} "
            f"grade {r.grade} {r.rating}{ready}\n   {'; '.join(r.explain())}\n"
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
