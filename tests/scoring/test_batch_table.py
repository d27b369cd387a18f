"""score_table: the columns of many leads' results equal the scalar path's, row by row."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ScoringError, ValidationError
from crmcore.scoring import (
    CategoryMap,
    Condition,
    Decay,
    EngagementEvent,
    EventColumns,
    EventFilter,
    Frequency,
    GradeCriterion,
    Grading,
    RatingBand,
    Rule,
    RuleGroup,
    Scorecard,
    ScoreTable,
    score_columns,
    score_leads,
    score_table,
)
from tests.strategies.scoring import EVENT_KINDS, INDUSTRIES, NOW, conditions, decays

# Points written with different exponents: the scalar path keeps them in its Decimals
# ("2.5" + "2.5" is "5.0", a fit rule of "1E+1" explains itself as "+1E+1").
POINTS = [Decimal(p) for p in ("10", "2.5", "-4", "0.25", "3.00", "1E+1", "-1.5", "0", "7")]
CAPS = [Decimal(c) for c in ("0", "5", "7.5", "12", "1E+1", "20.00")]


@st.composite
def _rule(draw: st.DrawFn, name: str) -> Rule:
    kind = draw(st.sampled_from(("fit", "event", "mapping")))
    when = draw(st.none() | conditions())
    if kind == "fit":
        return Rule(
            name=name,
            points=draw(st.sampled_from(POINTS)),
            when=when or Condition.exists("industry"),
        )
    if kind == "mapping":
        table = {v: draw(st.sampled_from(POINTS)) for v in ("High", "medium", "low")}
        return Rule(
            name=name,
            mapping=CategoryMap(
                field="interest", points=table, default=draw(st.sampled_from(POINTS))
            ),
            when=when,
        )
    return Rule(
        name=name,
        points=draw(st.sampled_from(POINTS)),
        when=when,
        event=EventFilter(
            kinds=draw(st.lists(st.sampled_from(EVENT_KINDS), min_size=1, max_size=2)),
            within_days=draw(st.none() | st.integers(1, 400)),
        ),
        frequency=draw(st.sampled_from(list(Frequency))),
        decay=draw(st.none() | decays()),
    )


@st.composite
def cards(draw: st.DrawFn) -> Scorecard:
    counter = itertools.count(1)
    groups = [
        RuleGroup(
            name=f"g{g}",
            rules=[draw(_rule(f"r{next(counter)}")) for _ in range(draw(st.integers(1, 4)))],
            cap=draw(st.none() | st.sampled_from(CAPS)),
        )
        for g in range(draw(st.integers(1, 3)))
    ]
    edges = sorted(set(draw(st.lists(st.integers(-10, 40), max_size=3))))
    bounds = [None, *[Decimal(e) for e in edges], None]
    criteria = [
        GradeCriterion(name=f"c{i}", when=c, match_steps=draw(st.integers(0, 4)), miss_steps=s)
        for i, (c, s) in enumerate(
            draw(st.lists(st.tuples(conditions(), st.integers(0, 3)), max_size=3))
        )
    ]
    return Scorecard(
        name="card",
        groups=groups,
        total_cap=draw(st.none() | st.sampled_from(CAPS)),
        decay=draw(st.none() | decays()),
        grading=draw(st.sampled_from([None, Grading(criteria=criteria, start="C")])),
        bands=[
            RatingBand(name=f"band{i}", low=lo, high=hi)
            for i, (lo, hi) in enumerate(itertools.pairwise(bounds))
        ],
        sales_ready_at=draw(st.none() | st.sampled_from(POINTS)),
        places=draw(st.integers(0, 3)),
    )


leads = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.sampled_from(("L1", "L2", "L3", "L4", "")),
            "industry": st.sampled_from((*INDUSTRIES, "", " Retail ")),
            "employees": st.sampled_from(("", "0", "120", "3000", "۱۲۰۰", "45.5")),
            "interest": st.sampled_from(("high", "Medium", "low", "", "none")),
        }
    ),
    min_size=1,
    max_size=25,
)

histories = st.dictionaries(
    st.sampled_from(("L1", "L2", "L3", "L9")),
    st.lists(
        st.builds(
            lambda kind, minutes: EngagementEvent(kind=kind, at=NOW - timedelta(minutes=minutes)),
            st.sampled_from(EVENT_KINDS),
            st.integers(-60, 400 * 24 * 60),  # a few events after NOW: never counted
        ),
        max_size=6,
    ),
)


def _expected(card: Scorecard, rows: list[dict[str, str]], events: Any) -> ScoreTable:
    results = score_leads(card, rows, events, now=NOW)
    return ScoreTable(
        scores=tuple(r.score for r in results),
        grades=tuple(r.grade for r in results),
        ratings=tuple(r.rating for r in results),
        sales_ready=tuple(r.sales_ready for r in results),
        explanations=tuple(r.explain() for r in results),
    )


def _text(table: ScoreTable) -> list[tuple[str, ...]]:
    """Every cell as the CLI writes it: equal Decimals must also be equal text."""
    assert table.explanations is not None
    return [
        (str(s), str(g), str(r), str(y), "; ".join(e))
        for s, g, r, y, e in zip(
            table.scores,
            table.grades,
            table.ratings,
            table.sales_ready,
            table.explanations,
            strict=True,
        )
    ]


@settings(max_examples=150, deadline=None)
@given(card=cards(), rows=leads, events=histories)
def test_score_table_equals_the_scalar_results_row_by_row(
    card: Scorecard, rows: list[dict[str, str]], events: Any
) -> None:
    expected = _expected(card, rows, events)
    columns = {k: [row[k] for row in rows] for k in rows[0]}
    for backend in ("numpy", "python"):
        table = score_table(card, columns, now=NOW, events=events, backend=backend)
        assert table == expected
        assert _text(table) == _text(expected)
    # the scores are the batch path's
    assert list(expected.scores) == score_columns(card, columns, now=NOW, events=events)


@settings(max_examples=40, deadline=None)
@given(card=cards(), rows=leads, events=histories)
def test_event_columns_and_no_explanations(
    card: Scorecard, rows: list[dict[str, str]], events: Any
) -> None:
    flat = [(lead, e) for lead, found in events.items() for e in found]
    table = EventColumns(
        [lead for lead, _ in flat], [e.kind for _, e in flat], [e.at for _, e in flat]
    )
    columns = {k: [row[k] for row in rows] for k in rows[0]}
    got = score_table(card, columns, now=NOW, events=table, explain=False)
    assert got.explanations is None
    assert got == _expected(card, rows, events).__class__(
        scores=got.scores, grades=got.grades, ratings=got.ratings, sales_ready=got.sales_ready
    )
    assert list(got.scores) == [r.score for r in score_leads(card, rows, events, now=NOW)]


def test_caps_cut_the_last_fired_lines_and_explain_it() -> None:
    # Hand check: group cap 12 over 10 + 2.5 + 3 = 15.5: 3.5 is taken from the last
    # positive lines first, "c" (3 -> 0, cap -3) then "b" (2.5 -> 2.0, cap -0.5).
    # Total cap 11 then takes 1 more from "b": 2.0 -> 1.0 (cap -1.5 in all). Score 11.0.
    card = Scorecard(
        name="caps",
        total_cap=11,
        groups=[
            RuleGroup(
                name="g",
                cap=12,
                rules=[
                    Rule(name="a", points=10, when=Condition.exists("x")),
                    Rule(name="b", points="2.5", when=Condition.exists("x")),
                    Rule(name="c", points=3, when=Condition.exists("x")),
                ],
            )
        ],
        bands=[RatingBand(name="cold", high=11), RatingBand(name="hot", low=11)],
        sales_ready_at=11,
    )
    table = score_table(card, {"x": ["1", ""]}, now=NOW)
    assert [str(s) for s in table.scores] == ["11.0", "0"]
    assert table.explanations == (("a +10", "b +2.5 cap -1.5", "c +3 cap -3"), ())
    assert table.ratings == ("hot", "cold")
    assert table.sales_ready == (True, False)
    assert table.grades == (None, None)
    assert len(table) == 2


def test_decayed_event_lines_name_occurrences_and_undecayed_points() -> None:
    # Hand check: 4 points halving every 30 days; events 0, 30 and 60 days old give
    # 4 + 2 + 1 = 7.00 of 12 (places 2): "visits x3 +7.00 (of +12)".
    card = Scorecard(
        name="d",
        decay=Decay.half_life(30),
        groups=[
            RuleGroup(
                name="g",
                rules=[Rule(name="visits", points=4, event=EventFilter(kinds=["page_view"]))],
            )
        ],
    )
    events = {
        "L1": [EngagementEvent(kind="page_view", at=NOW - timedelta(days=d)) for d in (0, 30, 60)]
    }
    table = score_table(card, {"id": ["L1", "L2"]}, now=NOW, events=events)
    assert table.explanations == (("visits x3 +7.00 (of +12)",), ())
    assert [str(s) for s in table.scores] == ["7.00", "0"]


def test_grade_moves_by_thirds_and_ignores_events() -> None:
    # Pardot's scale: start D, +3 thirds (a letter) for retail -> C; a has_event criterion
    # is tested without events (as Grading.grade), so it misses: -1 third -> C- / D-.
    grading = Grading(
        criteria=[
            GradeCriterion(name="retail", when=Condition.equals("industry", "retail")),
            GradeCriterion(name="active", when=Condition.has_event("call"), miss_steps=1),
        ]
    )
    card = Scorecard(
        name="g",
        grading=grading,
        groups=[
            RuleGroup(name="g", rules=[Rule(name="r", points=1, when=Condition.exists("industry"))])
        ],
    )
    events = {"L1": [EngagementEvent(kind="call", at=NOW)]}
    table = score_table(
        card, {"id": ["L1", "L2"], "industry": ["retail", "steel"]}, now=NOW, events=events
    )
    assert table.grades == ("C-", "D-")


def test_refusals_name_the_object() -> None:
    card = Scorecard(
        name="c",
        groups=[
            RuleGroup(
                name="g",
                rules=[Rule(name="big", points=1, when=Condition.between("employees", low=10))],
            )
        ],
    )
    with pytest.raises(ScoringError, match="'big'"):
        score_table(card, {"size": ["1"]}, now=NOW)
    with pytest.raises(ScoringError, match="score_table"):
        score_table(card, {"employees": ["1", "2"], "x": ["1"]}, now=NOW)
    with pytest.raises(ValidationError, match="backend"):
        score_table(card, {"employees": ["1"]}, now=NOW, backend="fast")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        score_table(card, {"employees": ["1"]}, now=datetime(2026, 1, 1))  # noqa: DTZ001 - naive on purpose
    assert score_table(card, {"employees": []}, now=NOW, allow_missing=True) == ScoreTable(
        scores=(), grades=(), ratings=(), sales_ready=(), explanations=()
    )
    assert score_table(card, {}, now=NOW.astimezone(UTC), allow_missing=True).scores == ()


def test_a_rule_on_absence_is_never_rounded() -> None:
    # score_lead gives a 'none' rule its points as written (it never decays): 0.25 with
    # places=0 stays 0.25. The batch path used to round it to the places (0).
    card = Scorecard(
        name="c",
        places=0,
        groups=[
            RuleGroup(
                name="g",
                rules=[
                    Rule(
                        name="quiet",
                        points="0.25",
                        event=EventFilter(kinds=["call"]),
                        frequency="none",
                    )
                ],
            )
        ],
    )
    events = {"L2": [EngagementEvent(kind="call", at=NOW)]}
    columns = {"id": ["L1", "L2"]}
    expected = [Decimal("0.25"), Decimal(0)]
    assert score_columns(card, columns, now=NOW, events=events) == expected
    assert score_table(card, columns, now=NOW, events=events).explanations == (("quiet +0.25",), ())
