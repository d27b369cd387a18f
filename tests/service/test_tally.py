"""SurveyTally: answers counted a batch at a time give exactly what summarize gives at once."""

from __future__ import annotations

import itertools
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ValidationError
from crmcore.service import (
    RatingScale,
    SurveyResponse,
    SurveyTally,
    ces,
    ces_from_counts,
    csat_from_counts,
    nps_from_counts,
    summarize,
)

T0 = datetime(2025, 12, 30, 22, 0, tzinfo=UTC)
Z95 = 1.959963984540054

responses = st.lists(
    st.builds(
        SurveyResponse,
        score=st.integers(0, 10),
        at=st.integers(0, 24 * 200).map(lambda h: T0 + timedelta(hours=h)),
        agent=st.sampled_from([None, "ali", "sara", "رضا"]),
        channel=st.sampled_from([None, "email", "phone"]),
    ),
    max_size=40,
)


def _split(items: list[SurveyResponse], cuts: list[int]) -> list[list[SurveyResponse]]:
    edges = sorted({min(c, len(items)) for c in cuts} | {0, len(items)})
    return [items[a:b] for a, b in itertools.pairwise(edges)]


@settings(max_examples=80, deadline=None)
@given(
    items=responses,
    cuts=st.lists(st.integers(0, 40), max_size=6),
    metric=st.sampled_from(["csat", "nps", "ces"]),
    by=st.sampled_from([None, "agent", "channel", "period"]),
    period=st.sampled_from(["day", "month", "quarter", "year"]),
    jalali=st.booleans(),
)
def test_chunks_added_or_merged_equal_summarize_whole(
    *,
    items: list[SurveyResponse],
    cuts: list[int],
    metric: str,
    by: str | None,
    period: str,
    jalali: bool,
) -> None:
    scale = None if metric == "nps" else RatingScale(0, 10, 7)  # every drawn score is on it
    settings_ = {"metric": metric, "by": by, "period": period, "jalali": jalali, "scale": scale}
    added = SurveyTally(**settings_)  # type: ignore[arg-type]
    merged = SurveyTally(**settings_)  # type: ignore[arg-type]
    for chunk in _split(items, cuts):
        added.add(chunk)
        part = SurveyTally(**settings_)  # type: ignore[arg-type]
        part.add(chunk)
        merged = merged.merge(part)
    assert added.counts() == merged.counts()
    if by is None and not items:
        for tally in (added, merged):
            with pytest.raises(ValidationError, match="at least one response"):
                tally.result()
        with pytest.raises(ValidationError, match="at least one response"):
            summarize(items, **settings_)  # type: ignore[arg-type]
        return
    whole = summarize(items, **settings_)  # type: ignore[arg-type]
    assert added.result() == whole
    assert merged.result() == whole


def test_counts_hand_checked() -> None:
    # ali: 5, 2 -> 1 of 2 satisfied (>= 4); sara: 4 -> 1 of 1; two batches
    tally = SurveyTally(by="agent")
    tally.add([SurveyResponse(score=5, at=T0, agent="ali")])
    tally.add(
        [SurveyResponse(score=4, at=T0, agent="sara"), SurveyResponse(score=2, at=T0, agent="ali")]
    )
    assert tally.counts() == {"ali": {2: 1, 5: 1}, "sara": {4: 1}}
    result = tally.result()
    assert (result["ali"].satisfied, result["ali"].responses) == (1, 2)
    assert (result["sara"].satisfied, result["sara"].responses) == (1, 1)


def test_from_counts_match_the_list_forms_hand_checked() -> None:
    # NPS of 10, 9, 8, 6, 10: 3 promoters, 1 detractor of 5 -> 100 × 2/5 = 40
    assert nps_from_counts({10: 2, 9: 1, 8: 1, 6: 1}, 0.95, Z95).score == 40.0
    # CSAT of 5, 4, 3, 5, 1: 3 of 5 at 4 or more
    r = csat_from_counts({5: 2, 4: 1, 3: 1, 1: 1}, RatingScale(), 0.95, Z95)
    assert (r.satisfied, r.responses, r.rate) == (3, 5, 0.6)
    # CES of 7, 5, 6, 6: mean 6, s² = (1 + 1 + 0 + 0) / 3, SE = √(2/3) / 2 = 0.408248...
    e = ces_from_counts({7: 1, 5: 1, 6: 2}, 0.95, Z95)
    assert e.mean == 6.0
    assert e.standard_error == pytest.approx(0.4082482904638630, rel=1e-15)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=2, max_size=60))
def test_ces_variance_is_exact_and_order_free(scores: list[int]) -> None:
    # the standard library's stdev works in exact fractions: the peer figure
    forward = ces([SurveyResponse(score=s, at=T0) for s in scores])
    backward = ces([SurveyResponse(score=s, at=T0) for s in reversed(scores)])
    assert forward == backward
    se = statistics.stdev(scores) / len(scores) ** 0.5
    assert forward.standard_error == pytest.approx(se, rel=4e-16, abs=1e-300)


def test_a_bad_score_in_a_later_batch_is_named_by_its_place_in_its_group() -> None:
    # summarize names a bad score by its index within its group: ali's third answer
    rows = [SurveyResponse(score=s, at=T0, agent=a) for s, a in
            [(5, "ali"), (4, "sara"), (3, "ali"), (9, "ali")]]  # fmt: skip
    with pytest.raises(ValidationError) as whole:
        summarize(rows, by="agent")
    tally = SurveyTally(by="agent")
    tally.add(rows[:2])
    tally.add(rows[2:3])
    with pytest.raises(ValidationError) as chunked:
        tally.add(rows[3:])
    assert str(chunked.value) == str(whole.value)
    assert "responses[2].score" in str(chunked.value)
    assert tally.counts() == {"ali": {3: 1, 5: 1}, "sara": {4: 1}}  # the refused batch adds nothing


@pytest.mark.parametrize(
    ("settings_", "field"),
    [
        ({"metric": "csi"}, "metric"),
        ({"by": "colour"}, "by"),
        ({"period": "week"}, "period"),
        ({"scale": (1, 5)}, "scale"),
        ({"confidence": 1.5}, "confidence"),
    ],
)
def test_bad_settings_are_refused(settings_: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        SurveyTally(**settings_)  # type: ignore[arg-type]


def test_merging_tallies_of_other_settings_is_refused() -> None:
    with pytest.raises(ValidationError, match="settings"):
        SurveyTally(metric="csat").merge(SurveyTally(metric="ces"))
    with pytest.raises(ValidationError, match="SurveyTally"):
        SurveyTally().merge({"all": {5: 1}})  # type: ignore[arg-type]


def test_merge_gives_a_new_tally_and_changes_neither() -> None:
    # Hand count: "ali" answered 5 and 2 in one tally, 5 in the other: {2: 1, 5: 2};
    # both parts keep their own counts afterwards.
    t = datetime(2026, 3, 1, tzinfo=UTC)
    one, two = SurveyTally(by="agent"), SurveyTally(by="agent")
    one.add(
        [SurveyResponse(score=5, at=t, agent="ali"), SurveyResponse(score=2, at=t, agent="ali")]
    )
    two.add([SurveyResponse(score=5, at=t, agent="ali")])
    both = one.merge(two)
    assert both.counts() == {"ali": {2: 1, 5: 2}}
    assert one.counts() == {"ali": {2: 1, 5: 1}}
    assert two.counts() == {"ali": {5: 1}}
    assert both is not one
    assert both is not two
