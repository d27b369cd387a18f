"""Scorecards: hand-checked product examples, explanations, caps, decay and bands."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ScoringError, ValidationError
from crmcore.models import Lead, LeadId, LeadSource
from crmcore.money import Money
from crmcore.scoring import (
    CategoryMap,
    Condition,
    Decay,
    EngagementEvent,
    EventFilter,
    Frequency,
    GradeCriterion,
    Grading,
    RatingBand,
    RollUp,
    Rule,
    RuleGroup,
    RuleKind,
    Scorecard,
    account_scores,
    diff_scores,
    group_events,
    priority_cell,
    rank,
    roll_up,
    score_cards,
    score_lead,
    score_leads,
)
from tests.strategies.scoring import NOW, events, lead_rows, scorecards

DAY = timedelta(days=1)


def ev(kind: str, days_ago: float, detail: str | None = None) -> EngagementEvent:
    return EngagementEvent(kind=kind, at=NOW - days_ago * DAY, detail=detail)


def card_of(*rules: Rule, cap: int | None = None, **kwargs: Any) -> Scorecard:
    return Scorecard(name="t", groups=[RuleGroup(name="g", rules=rules, cap=cap)], **kwargs)


# -- hand-checked product examples ------------------------------------------------------------


def test_pardot_default_points() -> None:
    # Reference (Pardot defaults): form submit +50, page view +1, opportunity lost -100.
    card = card_of(
        Rule(name="form", points=50, event=EventFilter(kinds=["form_submit"])),
        Rule(name="view", points=1, event=EventFilter(kinds=["page_view"])),
        Rule(name="lost", points=-100, event=EventFilter(kinds=["opportunity_lost"])),
    )
    history = [ev("form_submit", 2), ev("page_view", 1), ev("page_view", 3), ev("page_view", 5)]
    assert score_lead(card, {"id": "a"}, history, now=NOW).score == Decimal(53)  # 50 + 3·1
    lost = [*history, ev("opportunity_lost", 1)]
    assert score_lead(card, {"id": "a"}, lost, now=NOW).score == Decimal(-47)  # 53 − 100


def test_hubspot_group_limits_total_100_as_60_plus_40() -> None:
    # Reference (HubSpot): total limit 100 = group limit 60 + group limit 40.
    card = Scorecard(
        name="hubspot",
        total_cap=100,
        groups=[
            RuleGroup(
                name="engagement",
                cap=60,
                rules=[
                    Rule(name="forms", points=30, event=EventFilter(kinds=["form_submit"])),
                    Rule(name="clicks", points=10, event=EventFilter(kinds=["email_click"])),
                ],
            ),
            RuleGroup(
                name="fit",
                cap=40,
                rules=[
                    Rule(name="retail", points=25, when=Condition.equals("industry", "retail")),
                    Rule(name="big", points=25, when=Condition.between("employees", low=100)),
                ],
            ),
        ],
    )
    lead = {"id": "x", "industry": "retail", "employees": "250"}
    # engagement: 2 forms (60) + 2 clicks (20) = 80 → capped at 60, the clicks lose 20;
    # fit: 25 + 25 = 50 → capped at 40, "big" (the later rule) loses 10. Total 100.
    history = [
        ev("form_submit", 0),
        ev("form_submit", 0),
        ev("email_click", 0),
        ev("email_click", 0),
    ]
    result = score_lead(card, lead, history, now=NOW)
    lines = {line.rule: line for line in result.lines}
    assert result.score == Decimal(100)
    assert lines["clicks"].cap_effect == Decimal(-20)
    assert lines["forms"].cap_effect == 0
    assert lines["big"].cap_effect == Decimal(-10)
    assert (result.fit, result.engagement) == (Decimal(40), Decimal(60))


def test_hubspot_decay_minus_50_percent_after_a_month() -> None:
    # Reference (HubSpot): an event criterion can decay, e.g. −50 % after a month.
    card = card_of(
        Rule(name="form", points=50, event=EventFilter(kinds=["form_submit"])),
        decay=Decay.step((30, "0.5")),
    )
    assert score_lead(card, {}, [ev("form_submit", 29)], now=NOW).score == Decimal(50)
    older = score_lead(card, {}, [ev("form_submit", 31)], now=NOW)
    assert older.score == Decimal("25.0")  # 50 × 0.5
    assert older.lines[0].points == Decimal(50)
    assert older.lines[0].decayed == Decimal("25.00")


def test_half_life_decay_hand_checked_and_rounded_per_event() -> None:
    card = card_of(
        Rule(name="view", points=10, event=EventFilter(kinds=["page_view"])),
        decay=Decay.half_life(30),
    )
    # 10 × 0.5^(15/30) = 7.0710678… → 7.07; 10 × 0.5^(60/30) = 2.5 → 2.50; sum 9.57
    result = score_lead(card, {}, [ev("page_view", 15), ev("page_view", 60)], now=NOW)
    assert result.score == Decimal("9.57")
    assert result.lines[0].points == Decimal(20)
    assert result.lines[0].occurrences == 2


def test_fit_rules_never_decay() -> None:
    card = card_of(
        Rule(name="retail", points=10, when=Condition.equals("industry", "retail")),
        decay=Decay.half_life(1),
    )
    later = NOW + timedelta(days=3650)
    assert score_lead(card, {"industry": "retail"}, now=later).score == Decimal(10)
    assert card.rules[0].kind is RuleKind.FIT


def test_textbook_consultancy_example_ranks_high_high_high_final_meeting_first() -> None:
    # Reference: interest, influence, need, stage rated; "high, high, high, final
    # meeting" is the lead to focus on. Points: high 20, medium 10, low 0;
    # stage: proposal 10, negotiation 15, final meeting 25.
    levels = {"high": 20, "medium": 10, "low": 0}
    stages = {"first contact": 0, "proposal": 10, "negotiation": 15, "final meeting": 25}
    card = Scorecard(
        name="consultancy",
        groups=[
            RuleGroup(
                name="fit",
                rules=[
                    Rule(name=f, mapping=CategoryMap(field=f, points=levels))
                    for f in ("interest", "influence", "need")
                ]
                + [Rule(name="stage", mapping=CategoryMap(field="stage", points=stages))],
            )
        ],
        bands=[
            RatingBand(name="cold", high=40),
            RatingBand(name="warm", low=40, high=70),
            RatingBand(name="hot", low=70),
        ],
        sales_ready_at=70,
    )
    leads = [
        {"id": "1", "interest": "medium", "influence": "high", "need": "high", "stage": "proposal"},
        {
            "id": "2",
            "interest": "High",
            "influence": "high",
            "need": "high",
            "stage": "final meeting",
        },
        {
            "id": "3",
            "interest": "low",
            "influence": "low",
            "need": "medium",
            "stage": "first contact",
        },
    ]
    ranked = rank(score_leads(card, leads, now=NOW))
    # 20+20+20+25 = 85 (hot, sales-ready); 10+20+20+10 = 60 (warm); 0+0+10+0 = 10 (cold)
    assert [(r.lead_id, r.score, r.rating, r.sales_ready) for r in ranked] == [
        ("2", Decimal(85), "hot", True),
        ("1", Decimal(60), "warm", False),
        ("3", Decimal(10), "cold", False),
    ]
    assert ranked[0].explain() == ("interest +20", "influence +20", "need +20", "stage +25")


def test_pardot_grade_moves_by_thirds_from_d() -> None:
    # Reference (Pardot): grades start at D; a matched criterion moves 1/3, 2/3 or a letter.
    grading = Grading(
        criteria=[
            GradeCriterion(name="title", when=Condition.contains("job_title", "director")),
            GradeCriterion(name="size", when=Condition.between("employees", low=50), match_steps=2),
            GradeCriterion(
                name="country", when=Condition.equals("country", "IR"), match_steps=1, miss_steps=1
            ),
        ]
    )
    lead = Lead(
        id=LeadId("L1"), last_name="K", job_title="Sales Director", employees=80, country="DE"
    )
    # D +3 → C, +2 → B-, −1 (country missed) → C+
    assert grading.grade(lead) == "C+"
    nobody = Lead(id=LeadId("L2"), last_name="K")
    assert grading.grade(nobody) == "D-"
    # clamped at the ends of the scale
    always = Grading(
        criteria=[GradeCriterion(name="x", when=Condition.exists("last_name"), match_steps=12)] * 3
    )
    assert always.grade(nobody) == "A+"


def test_frequencies_each_once_none() -> None:
    kinds = EventFilter(kinds=["email_click"])
    each = card_of(Rule(name="r", points=5, event=kinds, frequency=Frequency.EACH))
    once = card_of(Rule(name="r", points=5, event=kinds, frequency=Frequency.ONCE))
    none = card_of(Rule(name="r", points=-10, event=kinds, frequency=Frequency.NONE))
    clicks = [ev("email_click", 1), ev("email_click", 2), ev("email_click", 3)]
    assert score_lead(each, {}, clicks, now=NOW).score == Decimal(15)
    assert score_lead(once, {}, clicks, now=NOW).score == Decimal(5)
    assert score_lead(none, {}, clicks, now=NOW).score == Decimal(0)
    assert score_lead(none, {}, [], now=NOW).score == Decimal(-10)


def test_once_decays_by_the_newest_event_and_windows_drop_old_events() -> None:
    card = card_of(
        Rule(name="r", points=8, event=EventFilter(kinds=["page_view"]), frequency="once"),
        Rule(name="w", points=1, event=EventFilter(kinds=["page_view"], within_days=10)),
        decay=Decay.half_life(10),
    )
    result = score_lead(card, {}, [ev("page_view", 20), ev("page_view", 10)], now=NOW)
    lines = {line.rule: line for line in result.lines}
    assert lines["r"].decayed == Decimal("4.00")  # 8 × 0.5^(10/10), the newer event
    assert lines["w"].occurrences == 1  # the 20-day-old view is outside the window
    assert lines["w"].decayed == Decimal("0.50")


def test_future_events_are_ignored() -> None:
    card = card_of(Rule(name="r", points=5, event=EventFilter(kinds=["page_view"])))
    assert score_lead(card, {}, [ev("page_view", -1)], now=NOW).score == 0


def test_detail_filter_and_event_gated_by_field_condition() -> None:
    card = card_of(
        Rule(
            name="pricing page",
            points=7,
            event=EventFilter(kinds=["page_view"], detail_contains="/PRICING"),
            when=Condition.not_(Condition.equals("industry", "student")),
        )
    )
    views = [ev("page_view", 1, "https://x.ir/pricing"), ev("page_view", 1, "/blog")]
    assert score_lead(card, {"industry": "retail"}, views, now=NOW).score == Decimal(7)
    assert score_lead(card, {"industry": "student"}, views, now=NOW).score == 0


def test_scores_a_lead_model_with_custom_fields_and_money() -> None:
    card = card_of(
        Rule(name="budget", points=15, when=Condition.between("budget", low=10_000_000)),
        Rule(name="source", points=5, when=Condition.equals("source", "trade_show")),
        Rule(name="tier", points=3, when=Condition.is_in("custom.tier", ["gold", "silver"])),
        Rule(name="recent", points=2, when=Condition.within_days("created_at", 30)),
        Rule(name="old", points=1, when=Condition.before("created_at", date(2026, 1, 1))),
    )
    lead = Lead(
        id=LeadId("L9"),
        last_name="Rahimi",
        budget=Money("25000000", "IRR"),
        source=LeadSource.TRADE_SHOW,
        custom={"tier": "gold"},
        created_at=NOW - 5 * DAY,
    )
    result = score_lead(card, lead, now=NOW)
    assert result.score == Decimal(25)  # 15 + 5 + 3 + 2
    assert result.lead_id == "L9"


def test_explanation_lists_cap_effects_and_sums_to_the_score() -> None:
    card = card_of(
        Rule(name="a", points=30, when=Condition.exists("x")),
        Rule(name="b", points=-5, when=Condition.exists("x")),
        Rule(name="c", points=20, when=Condition.exists("x")),
        cap=35,
    )
    result = score_lead(card, {"x": "1"}, now=NOW)
    # 30 − 5 + 20 = 45 → cap 35: c loses 10
    assert [(line.rule, line.value) for line in result.lines] == [
        ("a", Decimal(30)),
        ("b", Decimal(-5)),
        ("c", Decimal(10)),
    ]
    assert result.explain() == ("a +30", "b -5", "c +20 cap -10")


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(card=scorecards(), lead=lead_rows(), history=events())
def test_explanation_sums_exactly_and_caps_are_never_exceeded(
    card: Any, lead: Any, history: Any
) -> None:
    result = score_lead(card, lead, history, now=NOW)
    assert sum((line.value for line in result.lines), Decimal(0)) == result.score
    assert result.fit + result.engagement == result.score
    for line in result.lines:
        assert line.cap_effect <= 0
        assert line.value == line.decayed + line.cap_effect
    for group in card.groups:
        total = sum((line.value for line in result.lines if line.group == group.name), Decimal(0))
        if group.cap is not None:
            assert total <= group.cap
    if card.total_cap is not None:
        assert result.score <= card.total_cap
    assert result.sales_ready == (
        card.sales_ready_at is not None and result.score >= card.sales_ready_at
    )
    assert result.rating == next(b.name for b in card.bands if b.holds(result.score))


@settings(max_examples=50, deadline=None)
@given(
    card=scorecards(positive=True),
    lead=lead_rows(),
    history=events(),
    later=st.integers(0, 400 * 24 * 60),
)
def test_positive_scores_never_grow_with_time(
    card: Any, lead: Any, history: Any, later: Any
) -> None:
    # Decay is monotone: with positive points and fixed events, a later `now` never scores more.
    # (Rules on fields and has_event windows are kept out by using only the events' effect.)
    events_only = Scorecard(
        name="e",
        groups=[
            RuleGroup(
                name=g.name,
                cap=g.cap,
                rules=[r for r in g.rules if r.event is not None and r.when is None]
                or [Rule(name=f"{g.name}-0", points=0, when=Condition.exists("id"))],
            )
            for g in card.groups
        ],
        decay=card.decay,
        total_cap=card.total_cap,
    )
    first = score_lead(events_only, lead, history, now=NOW)
    second = score_lead(events_only, lead, history, now=NOW + timedelta(minutes=later))
    assert second.score <= first.score


@settings(max_examples=50, deadline=None)
@given(
    days=st.lists(st.integers(0, 10**6), min_size=2, max_size=2),
    half_life=st.integers(1, 400),
)
def test_decay_factors_are_monotone(days: Any, half_life: Any) -> None:
    young, old = sorted(days)
    for decay in (Decay.half_life(half_life), Decay.step((7, "0.8"), (30, "0.5"), (365, "0"))):
        a = decay.factor(timedelta(minutes=young))
        b = decay.factor(timedelta(minutes=old))
        assert Decimal(0) <= b <= a <= Decimal(1)


# -- bands, validation, errors ----------------------------------------------------------------


def test_overlapping_or_gapped_bands_are_refused() -> None:
    rule = Rule(name="r", points=1, when=Condition.exists("x"))
    group = RuleGroup(name="g", rules=[rule])
    with pytest.raises(ValidationError, match="continuous, non-overlapping"):
        Scorecard(
            name="c",
            groups=[group],
            bands=[RatingBand(name="cold", high=50), RatingBand(name="hot", low=40)],
        )
    with pytest.raises(ValidationError, match="continuous, non-overlapping"):
        Scorecard(
            name="c",
            groups=[group],
            bands=[RatingBand(name="cold", high=40), RatingBand(name="hot", low=50)],
        )
    with pytest.raises(ValidationError, match="> low"):
        RatingBand(name="x", low=10, high=10)
    card = Scorecard(
        name="c",
        groups=[group],
        bands=[RatingBand(name="warm", low=0, high=50), RatingBand(name="hot", low=50)],
    )
    assert card.rating(Decimal(-1)) is None
    assert card.rating(Decimal(50)) == "hot"


def test_unknown_field_names_the_rule() -> None:
    card = card_of(Rule(name="size rule", points=5, when=Condition.between("headcount", low=10)))
    with pytest.raises(ScoringError, match="size rule") as info:
        score_lead(card, {"employees": "12"}, now=NOW)
    assert info.value.field == "headcount"
    with pytest.raises(ScoringError, match="custom"):
        score_lead(card, Lead(id=LeadId("L"), last_name="x"), now=NOW)


def test_string_where_a_number_is_expected_names_the_rule_and_value() -> None:
    card = card_of(Rule(name="big", points=5, when=Condition.between("employees", low=10)))
    with pytest.raises(ScoringError, match="'big'") as info:
        score_lead(card, {"employees": "lots"}, now=NOW)
    assert info.value.value == "lots"
    assert info.value.expected == "a number"


def test_bad_rules_are_refused_at_construction() -> None:
    with pytest.raises(ValidationError, match="pattern"):
        Condition.matches("email", "(unclosed")
    with pytest.raises(ValidationError, match="pattern"):
        Condition.matches("email", "a" * 500)
    with pytest.raises(ValidationError, match="unique rule names"):
        card_of(
            Rule(name="r", points=1, when=Condition.exists("x")),
            Rule(name="r", points=2, when=Condition.exists("y")),
        )
    with pytest.raises(ValidationError, match="condition, an event or a mapping"):
        Rule(name="r", points=1)
    with pytest.raises(ValidationError, match="points"):
        Rule(name="r", points="ten", when=Condition.exists("x"))
    with pytest.raises(ValidationError, match="cap"):
        RuleGroup(name="g", rules=[], cap=-1)
    with pytest.raises(ValidationError, match="frequency"):
        Rule(name="r", points=1, when=Condition.exists("x"), frequency="none")
    with pytest.raises(ValidationError, match="non-increasing"):
        Decay.step((30, "0.5"), (60, "0.7"))
    with pytest.raises(ValidationError, match="aware"):
        score_lead(
            card_of(Rule(name="r", points=1, when=Condition.exists("x"))),
            {},
            now=datetime(2026, 1, 1),  # noqa: DTZ001 - the naive datetime is the point
        )


def test_matches_uses_search_with_a_compiled_pattern() -> None:
    card = card_of(
        Rule(
            name="corporate", points=4, when=Condition.matches("email", r"@(?!gmail\.)[\w.-]+\.ir$")
        )
    )
    assert score_lead(card, {"email": "a@pars.co.ir"}, now=NOW).score == 4
    assert score_lead(card, {"email": "a@gmail.ir"}, now=NOW).score == 0


def test_dates_parse_from_csv_text_and_naive_times_are_refused() -> None:
    card = card_of(Rule(name="after", points=1, when=Condition.after("signed", date(2026, 1, 1))))
    assert score_lead(card, {"signed": "2026-02-01"}, now=NOW).score == 1
    assert score_lead(card, {"signed": "2026-01-01T10:00:00+03:30"}, now=NOW).score == 0
    with pytest.raises(ScoringError, match="offset"):
        score_lead(card, {"signed": "2026-02-01T10:00:00"}, now=NOW)


# -- several scorecards, roll-ups and rescoring -----------------------------------------------


def test_roll_up_methods_hand_checked() -> None:
    scores = [Decimal(40), Decimal(80), Decimal(10)]
    assert roll_up(scores, RollUp.MAX) == Decimal(80)
    assert roll_up(scores, "sum") == Decimal(130)
    assert roll_up(scores, "mean") == Decimal("43.33")  # 130 / 3
    # (3·40 + 1·80 + 0·10) / 4 = 50
    assert roll_up(scores, "weighted", weights=[3, 1, 0]) == Decimal("50.00")
    assert roll_up([], "max") == 0
    with pytest.raises(ScoringError, match="weights"):
        roll_up(scores, "weighted", weights=[1])


def test_several_scorecards_and_rescoring_diff() -> None:
    leads = [{"id": "a", "industry": "retail"}, {"id": "b", "industry": "steel"}]
    old = card_of(
        Rule(name="retail", points=10, when=Condition.equals("industry", "retail")),
        bands=[RatingBand(name="cold", high=10), RatingBand(name="hot", low=10)],
    )
    new = card_of(
        Rule(name="retail", points=5, when=Condition.equals("industry", "retail")),
        Rule(name="steel", points=20, when=Condition.equals("industry", "steel")),
        bands=[RatingBand(name="cold", high=10), RatingBand(name="hot", low=10)],
    )
    before = score_leads(old, leads, now=NOW)
    after = score_leads(new, leads, now=NOW)
    changes = diff_scores(before, after)
    assert [
        (c.lead_id, c.old_score, c.new_score, c.delta, c.old_rating, c.new_rating) for c in changes
    ] == [
        ("b", Decimal(0), Decimal(20), Decimal(20), "cold", "hot"),
        ("a", Decimal(10), Decimal(5), Decimal(-5), "hot", "cold"),
    ]
    assert diff_scores(before, before) == ()
    assert len(diff_scores(before, before, include_unchanged=True)) == 2
    with pytest.raises(ScoringError, match="distinct"):
        diff_scores([*before, *before], after)


def test_scoring_is_pure() -> None:
    card = card_of(
        Rule(name="v", points=3, event=EventFilter(kinds=["page_view"])), decay=Decay.half_life(7)
    )
    history = [ev("page_view", 3)]
    assert score_lead(card, {"id": "x"}, history, now=NOW) == score_lead(
        card, {"id": "x"}, list(history), now=NOW
    )


def test_several_scorecards_per_lead_and_account_roll_up() -> None:
    fit = card_of(Rule(name="retail", points=10, when=Condition.equals("industry", "retail")))
    web = Scorecard(
        name="web",
        groups=[
            RuleGroup(
                name="g", rules=[Rule(name="v", points=2, event=EventFilter(kinds=["page_view"]))]
            )
        ],
    )
    both = score_cards([fit, web], {"id": "a", "industry": "retail"}, [ev("page_view", 1)], now=NOW)
    assert {name: r.score for name, r in both.items()} == {"t": Decimal(10), "web": Decimal(2)}
    with pytest.raises(ScoringError, match="distinct"):
        score_cards([fit, fit], {"id": "a", "industry": "retail"}, now=NOW)
    results = score_leads(
        fit,
        [
            {"id": "a", "industry": "retail"},
            {"id": "b", "industry": "steel"},
            {"id": "c", "industry": "retail"},
            {"id": "d", "industry": "retail"},
        ],
        now=NOW,
    )
    accounts = {"a": "ACC1", "b": "ACC1", "c": "ACC2"}  # d has no account
    assert account_scores(results, accounts, "max") == {"ACC1": Decimal(10), "ACC2": Decimal(10)}
    assert account_scores(results, accounts, "sum") == {"ACC1": Decimal(10), "ACC2": Decimal(10)}
    # ACC1 weighted: (3·10 + 1·0) / 4 = 7.50
    weighted = account_scores(results, accounts, "weighted", weights={"a": 3})
    assert weighted["ACC1"] == Decimal("7.50")


def test_hubspot_a1_to_c3_priority_matrix() -> None:
    # Reference (HubSpot): combined scores give an A1–C3 matrix (fit letter × engagement number).
    card = card_of(
        Rule(name="form", points=30, event=EventFilter(kinds=["form_submit"])),
        grading=Grading(
            criteria=[
                GradeCriterion(
                    name="retail", when=Condition.equals("industry", "retail"), match_steps=6
                )
            ]
        ),
    )
    hot = score_lead(card, {"industry": "retail"}, [ev("form_submit", 1)], now=NOW)
    assert (hot.grade, hot.engagement) == ("B", Decimal(30))  # D + 6 thirds = B
    assert priority_cell(hot, high=25, low=10) == "B1"
    cold = score_lead(card, {"industry": "steel"}, [], now=NOW)
    assert priority_cell(cold, high=25, low=10) == "C3"
    with pytest.raises(ScoringError, match="grading"):
        priority_cell(
            score_lead(
                card_of(Rule(name="r", points=1, when=Condition.exists("x"))), {"x": "1"}, now=NOW
            ),
            high=2,
            low=1,
        )


def test_a_rule_can_carry_its_own_decay() -> None:
    # Reference (HubSpot): each event criterion takes its own timeframe or decay.
    card = card_of(
        Rule(
            name="form",
            points=40,
            event=EventFilter(kinds=["form_submit"]),
            decay=Decay.step((30, "0.5")),
        ),
        Rule(name="view", points=4, event=EventFilter(kinds=["page_view"])),
        decay=Decay.half_life(10),
    )
    result = score_lead(card, {}, [ev("form_submit", 40), ev("page_view", 20)], now=NOW)
    lines = {line.rule: line.decayed for line in result.lines}
    assert lines == {"form": Decimal("20.00"), "view": Decimal("1.00")}  # 40 × 0.5; 4 × 0.5²
    with pytest.raises(ValidationError, match="never decay"):
        Rule(name="fit", points=1, when=Condition.exists("x"), decay=Decay.half_life(5))


# -- missing fields, numpy scalars, NaN (issue 13 item 2) -------------------------------------


def test_absent_fields_are_all_named_unless_allowed() -> None:
    card = card_of(
        Rule(name="big", points=5, when=Condition.between("employees", low=10)),
        Rule(name="iran", points=2, when=Condition.equals("country", "IR")),
        Rule(name="retail", points=1, when=Condition.equals("industry", "retail")),
        grading=Grading(criteria=[GradeCriterion(name="ceo", when=Condition.exists("title"))]),
    )
    lead = {"industry": "retail"}
    with pytest.raises(ScoringError) as info:
        score_lead(card, lead, now=NOW)
    assert info.value.field == "country, employees, title"
    assert "country, read by iran; employees, read by big; title, read by ceo" in str(info.value)
    with pytest.raises(ScoringError, match="allow_missing"):
        score_leads(card, [lead], now=NOW)
    # allowed: absent fields are empty -> only "retail" fires; the grade misses "ceo"
    allowed = score_lead(card, lead, now=NOW, allow_missing=True)
    same = score_lead(card, {**lead, "employees": None, "country": "", "title": None}, now=NOW)
    assert allowed == same
    assert allowed.score == Decimal(1)
    assert score_leads(card, [lead], now=NOW, allow_missing=True) == (same,)


def test_numpy_scalars_and_nan_in_a_record() -> None:
    np = pytest.importorskip("numpy")
    card = card_of(
        Rule(name="big", points=5, when=Condition.between("employees", low=10)),
        Rule(name="active", points=2, when=Condition.equals("active", "true")),
        Rule(name="has phone", points=1, when=Condition.exists("phone")),
    )
    # np.int64(12) is 12, np.True_ is True (text "true"), NaN is an empty phone
    lead = {"employees": np.int64(12), "active": np.True_, "phone": np.float64("nan")}
    assert score_lead(card, lead, now=NOW).score == Decimal(7)
    text = {"employees": "12", "active": "true", "phone": ""}
    assert score_lead(card, lead, now=NOW).lines == score_lead(card, text, now=NOW).lines


def test_group_events_by_lead() -> None:
    a1 = EngagementEvent(kind="call", at=NOW, lead_id="A")
    b1 = EngagementEvent(kind="call", at=NOW - timedelta(days=1), lead_id="B")
    a2 = EngagementEvent(kind="page_view", at=NOW, lead_id="A")
    grouped = group_events([a1, b1, a2])
    assert dict(grouped) == {"A": (a1, a2), "B": (b1,)}
    with pytest.raises(ScoringError, match="lead_id"):
        group_events([EngagementEvent(kind="call", at=NOW)])
