"""CsiTally: ratings added a part at a time, or merged, give csi's result and refusals.

The oracle ``_reference`` is the previous whole-list ``csi`` (every rating kept
in a list per criterion), kept here in its logic.
"""

from __future__ import annotations

import csv
import itertools
import json
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore import _checks as check
from crmcore.errors import ValidationError
from crmcore.service import CsiCriterion, CsiResult, CsiTally, RatingScale, SurveyResponse, csi
from tests.chunked_cli import chunk_rows as _chunk_rows
from tests.chunked_cli import run_cli as _run

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _by_criterion(items: Sequence[Any], scale: RatingScale, field: str) -> dict[str, list[int]]:
    result: dict[str, list[int]] = {}
    for i, r in enumerate(items):
        if r.criterion is None:
            raise ValidationError(
                obj="csi", field=f"{field}[{i}].criterion", value=None, expected="a criterion name"
            )
        result.setdefault(r.criterion, []).append(
            scale.check(r.score, obj="csi", field=f"{field}[{i}].score")
        )
    return result


def _reference(
    responses: Sequence[Any],
    scale: RatingScale = RatingScale(),  # noqa: B008
    weights: Mapping[str, Any] | None = None,
    importance: Sequence[Any] | None = None,
) -> CsiResult:
    items = check.require_items(responses, SurveyResponse, obj="csi", field="responses")
    rated = _by_criterion(items, scale, "responses")
    if not rated:
        raise ValidationError(
            obj="csi", field="responses", value=(), expected="at least one response"
        )
    names = sorted(rated)
    if weights is not None and importance is not None:
        raise ValidationError(
            obj="csi",
            field="weights",
            value=weights,
            expected="weights or importance ratings, not both",
        )
    if importance is not None:
        found = check.require_items(importance, SurveyResponse, obj="csi", field="importance")
        ranks = _by_criterion(found, scale, "importance")
        missing = [name for name in names if name not in ranks]
        if missing:
            raise ValidationError(
                obj="csi", field="importance", value=missing[0],
                expected="an importance rating for every rated criterion",
            )  # fmt: skip
        raw = {name: sum(ranks[name]) / len(ranks[name]) for name in names}
        source = "importance"
    elif weights is not None:
        raw = {}
        for name in names:
            value = weights.get(name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
                raise ValidationError(
                    obj="csi", field=f"weights[{name!r}]", value=value, expected="a number >= 0"
                )
            raw[name] = float(value)
        source = "given"
    else:
        raw, source = dict.fromkeys(names, 1.0), "equal"
    total = sum(raw.values())
    if not total > 0:
        raise ValidationError(
            obj="csi", field="weights", value=raw, expected="weights that sum to more than zero"
        )
    normal = {name: w / total for name, w in raw.items()}
    width = scale.high - scale.low
    criteria = []
    for name in names:
        scores = rated[name]
        mean = sum(scores) / len(scores)
        criteria.append(
            CsiCriterion(name, normal[name], mean, 100 * (mean - scale.low) / width, len(scores))
        )
    return CsiResult(sum(c.weight * c.score for c in criteria), tuple(criteria), source)


@attrs.frozen
class _Refused:
    message: str
    field: str | None


def _outcome(run: Any) -> Any:
    try:
        return run()
    except ValidationError as err:
        return _Refused(str(err), err.field)


ratings = st.lists(
    st.builds(
        lambda c, s: SurveyResponse(score=s, at=T0, criterion=c),
        st.sampled_from(["speed", "courtesy", "سرعت", None]),
        st.integers(0, 6),  # 0 and 6 are off the 1-5 scale
    ),
    max_size=25,
)


def _parts(draw: st.DrawFn, items: list[Any]) -> list[list[Any]]:
    cuts = sorted(draw(st.lists(st.integers(0, len(items)), max_size=4)))
    return [items[a:b] for a, b in itertools.pairwise([0, *cuts, len(items)])]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_split_added_or_merged_equals_csi(data: st.DataObject) -> None:
    answers = data.draw(ratings)
    importance = data.draw(st.one_of(st.none(), ratings))
    weights = data.draw(
        st.one_of(
            st.none(),
            st.dictionaries(
                st.sampled_from(["speed", "courtesy", "سرعت"]), st.sampled_from([0, 1, 2.5, -1])
            ),
        )
    )
    expected = _outcome(lambda: _reference(answers, weights=weights, importance=importance))
    assert _outcome(lambda: csi(answers, weights=weights, importance=importance)) == expected
    parts = _parts(data.draw, answers)
    ranks = None if importance is None else _parts(data.draw, importance)

    def added() -> CsiResult:
        tally = CsiTally()
        for part in parts:
            tally.add(part)
        for part in ranks or []:
            tally.add_importance(part)
        return tally.result(weights)

    def merged() -> CsiTally:
        tallies = []
        for part in parts:
            tallies.append(CsiTally())
            tallies[-1].add(part)
        for part in ranks or []:
            tallies.append(CsiTally())
            tallies[-1].add_importance(part)
        out = CsiTally()
        for tally in tallies:
            out = out.merge(tally)
        return out

    assert _outcome(added) == expected
    assert _outcome(lambda: merged().result(weights)) == expected


def test_hand_checked_and_refusals() -> None:
    tally = CsiTally(scale=RatingScale(1, 5))
    tally.add([SurveyResponse(score=5, at=T0, criterion="speed")])
    tally.add([SurveyResponse(score=3, at=T0, criterion="speed")])
    tally.add_importance([SurveyResponse(score=4, at=T0, criterion="speed")])
    # one criterion: weight 1; mean (5 + 3) / 2 = 4 -> 100 × (4 − 1) / 4 = 75
    result = tally.result()
    assert (result.index, result.weights_from, result.criteria[0].responses) == (
        75.0,
        "importance",
        2,
    )
    with pytest.raises(ValidationError) as info:
        tally.result({"speed": 1})
    assert "not both" in str(info.value)
    tally.add([SurveyResponse(score=9, at=T0, criterion="speed")])
    with pytest.raises(ValidationError) as info:
        tally.result()
    assert info.value.field == "responses[2].score"  # the third answer added
    with pytest.raises(ValidationError) as info:
        CsiTally(scale="1-5")  # type: ignore[arg-type]
    assert info.value.field == "scale"
    with pytest.raises(ValidationError) as info:
        CsiTally().merge(CsiTally(scale=RatingScale(1, 7)))
    assert info.value.field == "other"
    bad = CsiTally()
    bad.add([SurveyResponse(score=1, at=T0, criterion="x")])
    bad.add_importance([SurveyResponse(score=1, at=T0, criterion=None), 42])  # type: ignore[list-item]
    with pytest.raises(ValidationError) as info:
        bad.result()
    assert (
        info.value.field == "importance[1]"
    )  # a wrong item is named before a bad rating, as csi does


# -- the CLI ----------------------------------------------------------------------------------


def _write(path: Path, rows: Sequence[tuple[str, int]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["criterion", "score", "at"])
        for k, (name, score) in enumerate(rows):
            writer.writerow([name, score, (T0 + k * timedelta(minutes=1)).isoformat()])


cells = st.lists(
    st.tuples(st.sampled_from(["speed", "courtesy", "سرعت"]), st.integers(0, 5)), max_size=20
)


@settings(max_examples=40, deadline=None)
@given(
    answers=cells,
    importance=st.one_of(st.none(), cells),
    size=st.integers(1, 7),
    fmt=st.sampled_from(["json", "csv", "table"]),
)
def test_cli_chunks_give_the_whole_file_output(
    answers: list[tuple[str, int]], importance: list[tuple[str, int]] | None, size: int, fmt: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "ratings.csv"
        _write(source, answers)
        argv = ["service", "csi", "--input", str(source), "--format", fmt]
        if importance is not None:
            _write(Path(folder) / "importance.csv", importance)
            argv += ["--importance", str(Path(folder) / "importance.csv")]
        with _chunk_rows(size):
            chunked = _run(*argv)
        with _chunk_rows(10_000):
            whole = _run(*argv)
    assert chunked == whole
    items = [SurveyResponse(score=s, at=T0, criterion=c) for c, s in answers]
    ranks = (
        None
        if importance is None
        else [SurveyResponse(score=s, at=T0, criterion=c) for c, s in importance]
    )
    expected = _outcome(lambda: _reference(items, importance=ranks))
    if isinstance(expected, _Refused):
        assert chunked[0] == 1
        assert expected.message in chunked[2]
    elif fmt == "json":
        assert json.loads(chunked[1])["index"] == expected.index


def test_cli_a_refused_rating_in_a_later_chunk_leaves_no_output(tmp_path: Path) -> None:
    rows = [("speed", 1 + k % 5) for k in range(12)]
    rows[10] = ("speed", 9)  # the 11th rating: off the 1-5 scale
    source, target = tmp_path / "ratings.csv", tmp_path / "csi.json"
    _write(source, rows)
    argv = ["service", "csi", "--input", str(source), "-o", str(target)]
    with _chunk_rows(3):
        code, out, err = _run(*argv)
    assert (code, out) == (1, "")
    assert "responses[10].score" in err
    assert not target.exists()
    target.write_text("kept\n", encoding="utf-8")
    with _chunk_rows(3):
        code, _, err = _run(*argv, "--scale", "5")  # a bad --scale is named after the rows
    assert code != 0
    assert "--scale" in err
    assert target.read_text(encoding="utf-8") == "kept\n"
    rows[10] = ("speed", 2)
    _write(source, rows)
    with _chunk_rows(3):
        assert _run(*argv, "--progress", "never")[0] == 0
    # scores 1..5, 1..5, then 2 (the 11th, made 2) and 2: sum 15 + 15 + 2 + 2 = 34 of 12;
    # one criterion: index = 100 × (34/12 − 1) / (5 − 1) = 45.833...
    assert json.loads(target.read_text(encoding="utf-8"))["index"] == pytest.approx(
        100 * (34 / 12 - 1) / 4
    )
