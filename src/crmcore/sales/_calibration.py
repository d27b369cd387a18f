"""Calibrated stage win rates and the Brier score (private; see ``crmcore.sales``).

A stage's win rate is the share of closed deals that reached the stage and
were won, smoothed toward the overall win rate (an additive, "m-estimate"
smoothing: (won + m·prior) / (reached + m), Cestnik 1990); a stage reached
by fewer than ``min_count`` closed deals uses the overall rate. The Brier
score (Brier 1950) is the mean of (forecast probability − outcome)², 0 is
perfect, 0.25 is what always saying 50 % scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from crmcore import _checks as check
from crmcore.errors import ValidationError
from crmcore.models import Opportunity, OpportunityId, OpportunityStatus, SalesStage
from crmcore.money import to_decimal
from crmcore.sales._common import checked_list


def reached_rank(opp: Opportunity) -> int:
    """The furthest stage (its rank) a deal reached: a won deal reached every stage."""
    if opp.status is OpportunityStatus.WON:
        return SalesStage.CLOSE.rank
    if opp.stage_history:
        return max(e.stage.rank for e in opp.stage_history)
    return opp.stage.rank


@attrs.frozen(kw_only=True)
class ProbabilitySnapshot:
    """What a rep said about a deal at some time: its stage and probability then.

    Scored against the deal's outcome (won or lost) to compare the rep's
    probability with the calibrated stage rate.
    """

    opportunity_id: OpportunityId = attrs.field(validator=check.instance_of(OpportunityId))
    stage: SalesStage = attrs.field(converter=SalesStage)
    probability: int = attrs.field(validator=check.in_range(0, 100))
    """The rep-entered chance, 0-100 %."""


@attrs.frozen
class StageRate:
    """One stage's calibrated win rate and the counts behind it."""

    stage: SalesStage
    reached: int
    won: int
    rate: Decimal
    pooled: bool
    """True when fewer than ``min_count`` deals reached it: the overall rate is used."""


@attrs.frozen
class StageWinRates:
    """Calibrated win rates per stage, from closed history.

    >>> from crmcore.models import OpportunityId
    >>> from datetime import date
    >>> def deal(i, stage, won):
    ...     o = Opportunity(id=OpportunityId(f"o{i}"), name="x", stage=stage)
    ...     return o.win(Money(1, "IRR"), date(2026, 1, 1)).opportunity if won else o.lose(date(2026, 1, 1))
    >>> from crmcore.money import Money
    >>> history = [deal(1, "propose", True), deal(2, "propose", False), deal(3, "qualify", False)]
    >>> rates = calibrate_stage_win_rates(history, smoothing=0, min_count=1)
    >>> str(rates.rate("qualify")), str(rates.rate("propose"))
    ('0.3333', '0.5000')
    """

    rates: tuple[StageRate, ...]
    overall: Decimal
    smoothing: Decimal
    min_count: int

    def rate(self, stage: SalesStage | str) -> Decimal:
        """The calibrated win probability (0-1) of a deal now in ``stage``."""
        wanted = SalesStage(stage)
        return next(r.rate for r in self.rates if r.stage is wanted)

    def explain(self) -> tuple[str, ...]:
        """One line per stage: counts, formula, rate."""
        lines = [f"overall win rate {self.overall} from closed deals"]
        for r in self.rates:
            how = (
                f"pooled (fewer than {self.min_count} closed deals reached it)"
                if r.pooled
                else f"({r.won} + {self.smoothing}×{self.overall}) / ({r.reached} + {self.smoothing})"
            )
            lines.append(
                f"{r.stage.value}: {r.won} won of {r.reached} that reached it; {how} = {r.rate}"
            )
        return tuple(lines)


_Q = Decimal("0.0001")


def calibrate_stage_win_rates(
    history: Iterable[Opportunity], *, smoothing: Decimal | int | str = 2, min_count: int = 5
) -> StageWinRates:
    """Empirical win rate of each stage from closed (won or lost) opportunities."""
    m = to_decimal(smoothing, obj="calibrate_stage_win_rates", field="smoothing")
    if m < 0:
        raise ValidationError(
            obj="calibrate_stage_win_rates", field="smoothing", value=smoothing, expected=">= 0"
        )
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        raise ValidationError(
            obj="calibrate_stage_win_rates",
            field="min_count",
            value=min_count,
            expected="an int >= 1",
        )
    deals = checked_list(history, Opportunity, obj="calibrate_stage_win_rates", field="history")
    reached = [0] * len(SalesStage)
    won = [0] * len(SalesStage)
    closed = wins = 0
    for opp in deals:
        if opp.is_open:
            continue
        closed += 1
        is_won = opp.status is OpportunityStatus.WON
        wins += is_won
        for rank in range(reached_rank(opp) + 1):
            reached[rank] += 1
            won[rank] += is_won
    if not closed:
        raise ValidationError(
            obj="calibrate_stage_win_rates",
            field="history",
            value=0,
            expected="at least one won or lost opportunity",
        )
    overall = (Decimal(wins) / closed).quantize(_Q)
    rates = []
    for stage in SalesStage:
        n, w = reached[stage.rank], won[stage.rank]
        pooled = n < min_count
        rate = overall if pooled else ((w + m * overall) / (n + m)).quantize(_Q)
        rates.append(StageRate(stage, n, w, rate, pooled))
    return StageWinRates(tuple(rates), overall, m, min_count)


@attrs.frozen
class CalibrationReport:
    """Brier scores of the reps' probabilities and of the calibrated rates on the same deals."""

    rates: StageWinRates
    scored: int
    rep_brier: Decimal | None
    calibrated_brier: Decimal | None

    @property
    def better(self) -> str | None:
        """``"calibrated"``, ``"rep"`` or ``"tie"`` (lower Brier wins); None with nothing scored."""
        if self.rep_brier is None or self.calibrated_brier is None:
            return None
        if self.rep_brier == self.calibrated_brier:
            return "tie"
        return "calibrated" if self.calibrated_brier < self.rep_brier else "rep"

    def explain(self) -> tuple[str, ...]:
        """How the scores were computed and which to trust."""
        return (
            *self.rates.explain(),
            f"{self.scored} snapshots of deals that have closed were scored",
            "Brier = mean((p − outcome)²), outcome 1 if won else 0; lower is better",
            f"rep probabilities: {self.rep_brier}; calibrated stage rates: {self.calibrated_brier}",
            f"trust: {self.better}",
        )


def score_probabilities(
    history: Iterable[Opportunity],
    snapshots: Iterable[ProbabilitySnapshot],
    *,
    smoothing: Decimal | int | str = 2,
    min_count: int = 5,
) -> CalibrationReport:
    """Calibrate stage rates on ``history`` and Brier-score both forecasts on ``snapshots``.

    Snapshots of deals still open (or not in ``history``) are skipped. The
    rates are fitted on the same history they are scored on (in-sample), so
    the calibrated score is slightly optimistic with few deals.
    """
    deals = {
        o.id: o
        for o in checked_list(history, Opportunity, obj="score_probabilities", field="history")
    }
    rates = calibrate_stage_win_rates(deals.values(), smoothing=smoothing, min_count=min_count)
    snaps = checked_list(
        snapshots, ProbabilitySnapshot, obj="score_probabilities", field="snapshots"
    )
    rep = cal = Decimal(0)
    n = 0
    for snap in snaps:
        opp = deals.get(snap.opportunity_id)
        if opp is None or opp.is_open:
            continue
        outcome = 1 if opp.status is OpportunityStatus.WON else 0
        rep += (Decimal(snap.probability) / 100 - outcome) ** 2
        cal += (rates.rate(snap.stage) - outcome) ** 2
        n += 1
    if not n:
        return CalibrationReport(rates, 0, None, None)
    return CalibrationReport(rates, n, (rep / n).quantize(_Q), (cal / n).quantize(_Q))
