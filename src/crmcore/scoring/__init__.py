"""Lead scoring: explainable scorecards, predictive models and evaluation.

- Scorecards (:class:`Scorecard`) are data: rule groups with caps, rules on
  fields, events and category mappings, time decay for engagement, a fit
  grade, rating bands and a sales-ready threshold. :func:`score_lead` is a
  pure function of (scorecard, lead, events, now) and explains every point.
- Predictive models trained on closed leads: :func:`train_naive_bayes`
  (Odoo's frequency model) and :func:`train_logistic`.
- :mod:`crmcore.scoring.evaluation`: AUC, average precision, log loss,
  Brier, KS, deciles, gains, calibration, time-based splits.

>>> from datetime import UTC, datetime
>>> card = Scorecard(name="web", groups=[RuleGroup(name="engagement", cap=60, rules=[
...     Rule(name="form", points=50, event=EventFilter(kinds=["form_submit"])),
...     Rule(name="visit", points=1, event=EventFilter(kinds=["page_view"]))])])
>>> now = datetime(2026, 5, 1, tzinfo=UTC)
>>> events = [EngagementEvent(kind="form_submit", at=now)] + [
...     EngagementEvent(kind="page_view", at=now)] * 12
>>> result = score_lead(card, {"id": "L1"}, events, now=now)
>>> result.score, result.explain()
(Decimal('60'), 'form +50; visit x12 +12 cap -2')
"""

from crmcore.scoring import evaluation
from crmcore.scoring._batch import score_columns
from crmcore.scoring._conditions import (
    Condition,
    EngagementEvent,
    EventFilter,
    EventKind,
    LeadLike,
    Op,
    field_value,
)
from crmcore.scoring._predictive import (
    AttributeInsight,
    ClosedLead,
    GradeBuckets,
    LogisticModel,
    NaiveBayesModel,
    NumericScale,
    ValueCount,
    ValueCounts,
    attribute_insights,
    choose_model,
    evaluate_model,
    should_promote,
    split_history,
    train_logistic,
    train_naive_bayes,
)
from crmcore.scoring._scorecard import (
    CategoryMap,
    Decay,
    DecayKind,
    DecayStep,
    Frequency,
    GradeCriterion,
    Grading,
    RatingBand,
    RollUp,
    Rule,
    RuleGroup,
    RuleKind,
    Scorecard,
    ScoreChange,
    ScoreLine,
    ScoreResult,
    account_scores,
    diff_scores,
    priority_cell,
    rank,
    roll_up,
    score_cards,
    score_lead,
    score_leads,
)

__all__ = [
    "AttributeInsight",
    "CategoryMap",
    "ClosedLead",
    "Condition",
    "Decay",
    "DecayKind",
    "DecayStep",
    "EngagementEvent",
    "EventFilter",
    "EventKind",
    "Frequency",
    "GradeBuckets",
    "GradeCriterion",
    "Grading",
    "LeadLike",
    "LogisticModel",
    "NaiveBayesModel",
    "NumericScale",
    "Op",
    "RatingBand",
    "RollUp",
    "Rule",
    "RuleGroup",
    "RuleKind",
    "ScoreChange",
    "ScoreLine",
    "ScoreResult",
    "Scorecard",
    "ValueCount",
    "ValueCounts",
    "account_scores",
    "attribute_insights",
    "choose_model",
    "diff_scores",
    "evaluate_model",
    "evaluation",
    "field_value",
    "priority_cell",
    "rank",
    "roll_up",
    "score_cards",
    "score_columns",
    "score_lead",
    "score_leads",
    "should_promote",
    "split_history",
    "train_logistic",
    "train_naive_bayes",
]
