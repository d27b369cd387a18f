"""Closed leads held as codes: a few machine numbers per lead (private).

See :class:`crmcore.scoring.EncodedHistory` and
:class:`crmcore.scoring.HistoryTally`. A large training history is held as
one integer code per categorical value (each field's values interned once in
a vocabulary), one float per numeric value, a byte for the outcome and eight
bytes for the close time, instead of one :class:`~crmcore.scoring.ClosedLead`
object per row; :func:`~crmcore.scoring.train_model` trains from the codes and
gives the model it gives on the closed leads.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping, Sequence, Sized
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from crmcore import _checks as check
from crmcore.errors import InsufficientDataError, ScoringError, ValidationError
from crmcore.scoring._predictive import ClosedLead, _number
from crmcore.scoring._training import HistoryBuilder, TrainingSet, _closed_at, _text, _won

__all__ = ["EncodedHistory", "HistoryTally", "encode_history"]

if TYPE_CHECKING:
    _Codes = array[int]
    _Floats = array[float]
else:  # array is subscriptable at run time only from Python 3.12
    _Codes = _Floats = array

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MISSING = -1
"""The code of an unknown value (and of no team, no stage)."""


def _raw(arrays: tuple[_Codes | _Floats, ...]) -> tuple[tuple[str, bytes], ...]:
    # compared by their bytes: a missing number is NaN, which == would call unequal to itself
    return tuple((a.typecode, a.tobytes()) for a in arrays)


def _raw_one(column: _Codes | None) -> tuple[str, bytes] | None:
    return None if column is None else (column.typecode, column.tobytes())


class EncodedHistory:
    """Closed leads as columns of codes: what :func:`~crmcore.scoring.train_model` needs.

    Built by :class:`HistoryTally` (table rows, a chunk at a time) or
    :func:`encode_history` (a :class:`~crmcore.scoring.TrainingSet`); pass it
    to :func:`~crmcore.scoring.train_model`, which gives the same model and
    validation as on the closed leads it encodes. The columns are read-only by
    contract. Lead ``i`` is row ``i`` of every column:

    - ``codes[k][i]`` the index of its ``fields[k]`` value in ``values[k]``
      (``-1`` unknown);
    - ``numbers[k][i]`` its ``number_fields[k]`` value (NaN unknown);
    - ``won[i]`` 1 won, 0 lost; ``team_codes[i]``/``stage_codes[i]`` indexes
      of ``teams``/``stages`` (``-1`` none);
    - ``closed_at[i]`` its close time in microseconds since 1970-01-01 UTC,
      or ``closed_at`` is None when some lead has no close time.

    Compared with ``==`` column by column; ``repr`` shows the size, not the
    columns. Columns that do not line up are refused
    (:class:`~crmcore.errors.ValidationError`).

    Memory per lead: a byte per categorical field while the field has under
    128 values (2 bytes under 32,768, else 4), 8 per numeric field, 11 more
    (outcome, team, stage, close time); each distinct value is held once.
    """

    __slots__ = (
        "categorical",
        "closed_at",
        "codes",
        "fields",
        "number_fields",
        "numbers",
        "numeric",
        "stage_codes",
        "stages",
        "team_codes",
        "teams",
        "unreadable",
        "values",
        "won",
    )
    __hash__ = None  # type: ignore[assignment]  # compared by value, holds arrays

    def __init__(
        self,
        *,
        categorical: Sequence[str],
        numeric: Sequence[str],
        fields: Sequence[str],
        values: Sequence[Sequence[str]],
        codes: Sequence[_Codes],
        number_fields: Sequence[str],
        numbers: Sequence[_Floats],
        unreadable: Sequence[str | None],
        won: bytes,
        teams: Sequence[str],
        team_codes: _Codes,
        stages: Sequence[str],
        stage_codes: _Codes,
        closed_at: _Codes | None,
    ) -> None:
        self.categorical, self.numeric = tuple(categorical), tuple(numeric)
        self.fields, self.values = tuple(fields), tuple(tuple(v) for v in values)
        self.codes = tuple(codes)
        self.number_fields, self.numbers = tuple(number_fields), tuple(numbers)
        self.unreadable = tuple(unreadable)
        self.won = won
        self.teams, self.team_codes = tuple(teams), team_codes
        self.stages, self.stage_codes = tuple(stages), stage_codes
        self.closed_at = closed_at
        _check_shape(self)

    def _key(self) -> tuple[object, ...]:
        return (
            self.categorical,
            self.numeric,
            self.fields,
            self.values,
            _raw(self.codes),
            self.number_fields,
            _raw(self.numbers),
            self.unreadable,
            self.won,
            self.teams,
            _raw_one(self.team_codes),
            self.stages,
            _raw_one(self.stage_codes),
            _raw_one(self.closed_at),
        )

    def __eq__(self, other: object) -> bool:
        """Equal when every column and vocabulary is equal."""
        if not isinstance(other, EncodedHistory):
            return NotImplemented
        return self._key() == other._key()

    def __repr__(self) -> str:
        """The size and the features, not the columns."""
        return (
            f"EncodedHistory({len(self)} leads, categorical={self.categorical!r}, "
            f"numeric={self.numeric!r})"
        )

    def __len__(self) -> int:
        """The number of closed leads."""
        return len(self.won)


def _refuse(field: str, value: object, expected: str) -> ValidationError:
    return ValidationError(obj="EncodedHistory", field=field, value=value, expected=expected)


def _shape(column: object) -> str:
    """A column named by its type and length (never its million values)."""
    kind = getattr(column, "typecode", type(column).__name__)
    size = len(column) if isinstance(column, Sized) else "?"
    return f"{kind} x {size}"


def _check_codes(field: str, column: object, size: int, vocabulary: int) -> None:
    if not isinstance(column, array) or column.typecode not in "bhilq" or len(column) != size:
        raise _refuse(field, _shape(column), f"an integer array of {size} codes")
    if size and not (min(column) >= -1 and max(column) < vocabulary):
        raise _refuse(field, (min(column), max(column)), f"codes from -1 to {vocabulary - 1}")


def _check_shape(data: EncodedHistory) -> None:
    """Refuse columns that do not line up (an EncodedHistory built by hand)."""
    size = len(data.won)
    if not isinstance(data.won, bytes) or (size and max(data.won) > 1):
        raise _refuse("won", _shape(data.won), "bytes of 0 (lost) and 1 (won)")
    if not set(data.categorical) <= set(data.fields) or len(set(data.fields)) != len(data.fields):
        raise _refuse("fields", data.fields, f"the distinct categorical fields {data.categorical}")
    if not set(data.numeric) <= set(data.number_fields):
        raise _refuse("number_fields", data.number_fields, f"the numeric fields {data.numeric}")
    if not len(data.fields) == len(data.values) == len(data.codes):
        raise _refuse("codes", len(data.codes), "one vocabulary and code column per field")
    for field, values, codes in zip(data.fields, data.values, data.codes, strict=True):
        _check_codes(f"codes[{field}]", codes, size, len(values))
    if not len(data.number_fields) == len(data.numbers) == len(data.unreadable):
        raise _refuse("numbers", len(data.numbers), "one column per numeric field")
    for field, numbers in zip(data.number_fields, data.numbers, strict=True):
        if not isinstance(numbers, array) or numbers.typecode != "d" or len(numbers) != size:
            raise _refuse(f"numbers[{field}]", _shape(numbers), f"a float array of {size} numbers")
    _check_codes("team_codes", data.team_codes, size, len(data.teams))
    _check_codes("stage_codes", data.stage_codes, size, len(data.stages))
    closed = data.closed_at
    if closed is not None and (
        not isinstance(closed, array) or closed.typecode != "q" or len(closed) != size
    ):
        raise _refuse("closed_at", _shape(closed), f"None or an array('q') of {size} microseconds")


class _Lead:
    """A table row read as :class:`~crmcore.scoring.ClosedLead` reads it, without the object."""

    __slots__ = ("closed_at", "features", "stage", "team", "won")

    def __init__(
        self,
        features: dict[str, str],
        won: bool,
        team: str | None,
        stage: str | None,
        closed_at: datetime | None,
    ) -> None:
        self.features, self.won, self.team, self.stage = features, won, team, stage
        self.closed_at = closed_at


def _cell(value: object) -> str | None:
    """A feature cell as ClosedLead keeps it: stripped text, or None (empty, None, NaN)."""
    if type(value) is str:
        return value.strip() or None
    plain = check.plain_scalar(value)
    if plain is None:
        return None
    text = plain if isinstance(plain, str) else str(plain)
    return text.strip() or None


_LONGEST = 500
"""ClosedLead's longest team or stage text; a longer one is refused by ClosedLead itself."""


def _read(reader: HistoryBuilder, row: Mapping[str, object], read: Sequence[str]) -> _Lead:
    """``reader.lead(row, ...)`` without building the lead: the same values and errors."""
    number, target = reader.next_row, reader.target
    team_field, stage_field, closed_field = (
        reader.team_field,
        reader.stage_field,
        reader.closed_field,
    )
    won = _won(row.get(target), number, target)
    team = _text(row.get(team_field)) if team_field else None
    stage = _text(row.get(stage_field)) if stage_field else None
    closed = _closed_at(row.get(closed_field), number, closed_field) if closed_field else None
    if (team is not None and len(team) > _LONGEST) or (stage is not None and len(stage) > _LONGEST):
        reader.lead(row, number)  # ClosedLead refuses it, naming the field
    features = {}
    for field in read:
        text = _cell(row.get(field))
        if text is not None:
            features[field] = text
    return _Lead(features, won, team, stage, closed)


class _Vocabulary:
    """Texts interned once, each with its code (order of first appearance)."""

    __slots__ = ("codes", "texts")

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.texts: list[str] = list(texts)
        self.codes: dict[str, int] = {t: i for i, t in enumerate(self.texts)}

    def code(self, text: str | None) -> int:
        if text is None:
            return _MISSING
        found = self.codes.get(text)
        if found is None:
            found = self.codes[text] = len(self.texts)
            self.texts.append(text)
        return found

    def remap(self, other: _Vocabulary) -> list[int]:
        """``other``'s code → this vocabulary's code (new texts appended in ``other``'s order)."""
        return [self.code(text) for text in other.texts]


_WIDER = {"b": "h", "h": "i", "i": "q"}
"""Code columns start at one byte a lead and widen as a vocabulary outgrows them."""


def _width(largest: int) -> str:
    return "b" if largest < 2**7 else "h" if largest < 2**15 else "i" if largest < 2**31 else "q"


def _append(columns: list[array[int]], k: int, code: int) -> None:
    try:
        columns[k].append(code)
    except OverflowError:  # the vocabulary outgrew the column's width
        columns[k] = array(_WIDER[columns[k].typecode], columns[k])
        columns[k].append(code)


def _extend(column: array[int], codes: array[int], remap: Sequence[int]) -> array[int]:
    """``column`` followed by ``codes`` mapped through ``remap`` (widened when needed)."""
    mapped = [remap[c] if c >= 0 else _MISSING for c in codes]
    width = _width(max(remap, default=0))
    if array(width).itemsize > column.itemsize:
        column = array(width, column)
    column.extend(array(column.typecode, mapped))
    return column


class _Columns:
    """The growing columns of an :class:`EncodedHistory`."""

    __slots__ = (
        "closed",
        "codes",
        "fields",
        "number_fields",
        "numbers",
        "stages",
        "team_stage",
        "teams",
        "unreadable",
        "vocabularies",
        "won",
    )

    def __init__(self, categorical: Sequence[str], numeric: Sequence[str]) -> None:
        self.fields = tuple(dict.fromkeys(categorical))
        self.number_fields = tuple(dict.fromkeys(numeric))
        self.vocabularies = [_Vocabulary() for _ in self.fields]
        self.codes: list[array[int]] = [array("b") for _ in self.fields]
        self.numbers: list[array[float]] = [array("d") for _ in self.number_fields]
        self.unreadable: list[str | None] = [None for _ in self.number_fields]
        self.won = bytearray()
        self.teams, self.stages = _Vocabulary(), _Vocabulary()
        self.team_stage: list[array[int]] = [array("b"), array("b")]  # team, stage
        self.closed: array[int] | None = array("q")

    def append(self, lead: ClosedLead | _Lead) -> None:
        features, codes = lead.features, self.codes
        for k, field in enumerate(self.fields):
            _append(codes, k, self.vocabularies[k].code(features.get(field)))
        for k, field in enumerate(self.number_fields):
            self.numbers[k].append(self._number(k, field, features.get(field)))
        self.won.append(1 if lead.won else 0)
        _append(self.team_stage, 0, self.teams.code(lead.team))
        _append(self.team_stage, 1, self.stages.code(lead.stage))
        if self.closed is not None:
            if lead.closed_at is None:
                self.closed = None  # the split shuffles: no close time is needed
            else:
                self.closed.append((lead.closed_at - _EPOCH) // _MICROSECOND)

    def _number(self, k: int, field: str, text: str | None) -> float:
        if text is None:
            return math.nan
        try:
            number = _number(text, field)
        except ScoringError:
            if self.unreadable[k] is None:
                self.unreadable[k] = text
            return math.nan
        return math.nan if number is None else number

    def copy(self) -> _Columns:
        out = _Columns((), ())
        out.extend(self)
        return out

    def extend(self, other: _Columns) -> None:
        """Append ``other``'s leads (the same fields, or this one still empty)."""
        if not self.won:
            self.fields, self.number_fields = other.fields, other.number_fields
            self.vocabularies = [_Vocabulary() for _ in self.fields]
            self.codes = [array("b") for _ in self.fields]
            self.numbers = [array("d") for _ in self.number_fields]
            self.unreadable = [None for _ in self.number_fields]
            self.closed = array("q")
        for k, vocabulary in enumerate(self.vocabularies):
            remap = vocabulary.remap(other.vocabularies[k])
            self.codes[k] = _extend(self.codes[k], other.codes[k], remap)
        for k, column in enumerate(self.numbers):
            column.extend(other.numbers[k])
            self.unreadable[k] = self.unreadable[k] or other.unreadable[k]
        self.won.extend(other.won)
        for k, (mine, theirs) in enumerate(
            ((self.teams, other.teams), (self.stages, other.stages))
        ):
            self.team_stage[k] = _extend(
                self.team_stage[k], other.team_stage[k], mine.remap(theirs)
            )
        if self.closed is not None and other.closed is not None:
            self.closed.extend(other.closed)
        elif other.won:
            self.closed = None

    def history(self, categorical: Sequence[str], numeric: Sequence[str]) -> EncodedHistory:
        return EncodedHistory(
            categorical=tuple(categorical),
            numeric=tuple(numeric),
            fields=self.fields,
            values=tuple(tuple(v.texts) for v in self.vocabularies),
            codes=tuple(self.codes),
            number_fields=self.number_fields,
            numbers=tuple(self.numbers),
            unreadable=tuple(self.unreadable),
            won=bytes(self.won),
            teams=tuple(self.teams.texts),
            team_codes=self.team_stage[0],
            stages=tuple(self.stages.texts),
            stage_codes=self.team_stage[1],
            closed_at=self.closed,
        )


def encode_history(data: TrainingSet) -> EncodedHistory:
    """The closed leads of ``data`` as codes (what :func:`~crmcore.scoring.train_model` uses).

    >>> data = TrainingSet(history=[ClosedLead(features={"source": "web"}, won=True),
    ...                             ClosedLead(features={}, won=False),
    ...                             ClosedLead(features={"source": "web"}, won=False)],
    ...                    categorical=["source"])
    >>> encoded = encode_history(data)
    >>> encoded.values, list(encoded.codes[0]), list(encoded.won), len(encoded)
    ((('web',),), [0, -1, 0], [1, 0, 0], 3)
    """
    if not isinstance(data, TrainingSet):
        raise ValidationError(
            obj="encode_history", field="data", value=data, expected="a TrainingSet"
        )
    columns = _Columns(data.categorical, data.numeric)
    for lead in data.history:
        columns.append(lead)
    return columns.history(data.categorical, data.numeric)


class HistoryTally:
    """:func:`~crmcore.scoring.history_from_rows` fed a chunk of rows at a time, held as codes.

    The settings and the row rules are ``history_from_rows``'s (the features
    are chosen from the first row; errors name the row's place in the whole
    table). Each :meth:`add` checks its rows and keeps only their codes (see
    :class:`EncodedHistory`), so memory grows by a few bytes per row, not a
    :class:`~crmcore.scoring.ClosedLead` object; :meth:`result` equals
    ``encode_history(history_from_rows(every row added))`` and
    :func:`~crmcore.scoring.train_model` of it gives the same trained model.
    :meth:`merge` gives a new tally holding this tally's rows, then ``other``'s.

    >>> from crmcore.scoring import history_from_rows
    >>> tally = HistoryTally(target="won")
    >>> tally.add([{"id": "1", "source": "web", "won": "yes"}])
    >>> tally.add([{"id": "2", "source": "", "won": "0"}])
    >>> rows = [{"id": "1", "source": "web", "won": "yes"}, {"id": "2", "source": "", "won": "0"}]
    >>> tally.result() == encode_history(history_from_rows(rows, target="won"))
    True
    >>> len(tally), tally.result().values
    (2, (('web',),))

    """

    def __init__(
        self,
        *,
        target: str,
        fields: Sequence[str] = (),
        numeric: Sequence[str] = (),
        team_field: str | None = None,
        stage_field: str | None = None,
        closed_field: str | None = None,
        start: int = 2,
    ) -> None:
        self._reader = HistoryBuilder(
            target=target,
            fields=fields,
            numeric=numeric,
            team_field=team_field,
            stage_field=stage_field,
            closed_field=closed_field,
            start=start,
        )
        self._columns: _Columns | None = None
        self._shared = False  # result() handed the columns out: copy before adding more

    def _settings(self) -> tuple[object, ...]:
        r = self._reader
        return (r.target, r.fields, r.numeric, r.team_field, r.stage_field, r.closed_field)

    def __len__(self) -> int:
        """The number of rows added."""
        return 0 if self._columns is None else len(self._columns.won)

    def add(self, rows: Iterable[Mapping[str, object]]) -> None:
        """Check the next ``rows`` of the table and keep their codes."""
        if self._shared and self._columns is not None:
            self._columns, self._shared = self._columns.copy(), False
        reader, columns = self._reader, self._columns
        read = (*(reader.categorical or ()), *reader.numbers)
        for row in rows:
            if columns is None:
                if reader.categorical is None:
                    reader.choose(row)
                read = (*(reader.categorical or ()), *reader.numbers)
                columns = self._columns = _Columns(reader.categorical or (), reader.numbers)
            lead = _read(reader, row, read)
            reader.next_row += 1
            columns.append(lead)

    def merge(self, other: HistoryTally) -> HistoryTally:
        """A new tally: this tally's rows, then ``other``'s (same settings and features)."""
        if not isinstance(other, HistoryTally):
            raise ValidationError(
                obj="HistoryTally", field="other", value=other, expected="a HistoryTally"
            )
        mine, theirs = self._settings(), other._settings()
        if mine != theirs:
            raise ValidationError(
                obj="HistoryTally", field="other", value=theirs, expected=f"the settings {mine}"
            )
        a, b = self._reader, other._reader
        chosen = [(r.categorical, r.numbers) for r in (a, b) if r.categorical is not None]
        if len(chosen) == 2 and chosen[0] != chosen[1]:
            raise ValidationError(
                obj="HistoryTally", field="other", value=chosen[1], expected=f"features {chosen[0]}"
            )
        out = HistoryTally(
            target=a.target,
            fields=a.fields,
            numeric=a.numeric,
            team_field=a.team_field,
            stage_field=a.stage_field,
            closed_field=a.closed_field,
            start=a.next_row + len(other),
        )
        out._reader.categorical, out._reader.numbers = chosen[0] if chosen else (None, ())
        for part in (self._columns, other._columns):
            if part is not None:
                if out._columns is None:
                    out._columns = _Columns(*chosen[0])
                out._columns.extend(part)
        return out

    def result(self) -> EncodedHistory:
        """The encoded history of every row added (refuses none, as ``history_from_rows``)."""
        reader = self._reader
        if self._columns is None or reader.categorical is None:
            raise InsufficientDataError(
                obj="history_from_rows", field="rows", value=0, expected="one or more closed leads"
            )
        self._shared = True
        return self._columns.history(reader.categorical, reader.numbers)
