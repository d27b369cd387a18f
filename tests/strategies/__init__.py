"""Hypothesis strategies, one per public type, for property tests.

Each area keeps its strategies in a module of this package
(``tests.strategies.core`` for money and models, one per engine); this module
re-exports them so tests import from one place: ``from tests.strategies import money``.
"""
