"""Lead scoring: explainable scorecards, predictive models and evaluation.

- Scorecards (:class:`Scorecard`) are data: rule groups with caps, rules on
  fields, events and category mappings, time decay for engagement, a fit
  grade, rating bands and a sales-ready threshold. :func:`score_lead` is a
  pure function of (scorecard, lead, events, now) and explains every point.
- Predictive models trained on closed leads: :func:`train_naive_bayes`
  (Odoo's frequency model) and :func:`train_logistic`; :func:`train_model`
  trains either with an honest validation, :func:`history_from_rows` builds
  the history from table rows (:class:`HistoryTally` a chunk at a time, held
  as an :class:`EncodedHistory` of codes), :func:`predict` applies any model.
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
(Decimal('60'), ('form +50', 'visit x12 +12 cap -2'))
"""

from crmcore.scoring import evaluation
from crmcore.scoring._batch import score_columns
from crmcore.scoring._batch_table import ScoreTable, score_table
from crmcore.scoring._conditions import (
    Condition,
    EngagementEvent,
    EventFilter,
    EventKind,
    LeadLike,
    Op,
    field_value,
)
from crmcore.scoring._encoded import EncodedHistory, HistoryTally, encode_history
from crmcore.scoring._event_columns import EventColumns
from crmcore.scoring._logistic_matrix import train_logistic_matrix
from crmcore.scoring._predictive import (
    AttributeInsight,
    ClosedLead,
    GradeBuckets,
    LeadPrediction,
    LogisticModel,
    NaiveBayesModel,
    NumericScale,
    ValueCount,
    ValueCounts,
    attribute_insights,
    choose_model,
    evaluate_model,
    model_fields,
    predict,
    predict_leads,
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
    group_events,
    priority_cell,
    rank,
    roll_up,
    score_cards,
    score_lead,
    score_leads,
)
from crmcore.scoring._train import train_model
from crmcore.scoring._training import (
    HistoryBuilder,
    ModelKind,
    TrainedModel,
    TrainingSet,
    history_from_rows,
)

__all__ = [
    "AttributeInsight",
    "CategoryMap",
    "ClosedLead",
    "Condition",
    "Decay",
    "DecayKind",
    "DecayStep",
    "EncodedHistory",
    "EngagementEvent",
    "EventColumns",
    "EventFilter",
    "EventKind",
    "Frequency",
    "GradeBuckets",
    "GradeCriterion",
    "Grading",
    "HistoryBuilder",
    "HistoryTally",
    "LeadLike",
    "LeadPrediction",
    "LogisticModel",
    "ModelKind",
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
    "ScoreTable",
    "Scorecard",
    "TrainedModel",
    "TrainingSet",
    "ValueCount",
    "ValueCounts",
    "account_scores",
    "attribute_insights",
    "choose_model",
    "diff_scores",
    "encode_history",
    "evaluate_model",
    "evaluation",
    "field_value",
    "group_events",
    "history_from_rows",
    "model_fields",
    "predict",
    "predict_leads",
    "priority_cell",
    "rank",
    "roll_up",
    "score_cards",
    "score_columns",
    "score_lead",
    "score_leads",
    "score_table",
    "should_promote",
    "split_history",
    "train_logistic",
    "train_logistic_matrix",
    "train_model",
    "train_naive_bayes",
]
