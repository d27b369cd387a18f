"""The public surface of crmcore.scoring: sorted, complete and documented."""

from __future__ import annotations

import inspect

from crmcore import scoring
from crmcore.scoring import evaluation


def test_all_is_sorted_and_complete() -> None:
    for module in (scoring, evaluation):
        assert module.__all__ == sorted(module.__all__)
        public = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and not (inspect.ismodule(value) and value is not evaluation)
            and getattr(value, "__module__", "").startswith(module.__name__)
        }
        aliases = {"evaluation", "LeadLike"} if module is scoring else set()
        assert public | aliases == set(module.__all__)


def test_every_public_name_has_a_docstring() -> None:
    for module in (scoring, evaluation):
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isfunction(value):
                assert inspect.getdoc(value), name
