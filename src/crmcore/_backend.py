"""One accelerator switch for every batch path (private).

Every engine function with a batch path takes ``backend="auto" | "python" |
"numpy"``. :func:`resolve_backend` checks the value (one error for every
engine: :class:`~crmcore.errors.ValidationError` on the field ``backend``)
and names the one that runs: ``"python"`` or ``"numpy"``. ``"auto"`` uses numpy when it is installed;
results are equal either way.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from typing import Literal

from crmcore.errors import ValidationError

Backend = Literal["auto", "python", "numpy"]
"""The accelerator switch: numpy when installed (``auto``), or forced."""

Engine = Literal["python", "numpy"]
"""The backend that actually runs, as fit results report it."""

BACKENDS: tuple[Backend, ...] = ("auto", "python", "numpy")


@cache
def numpy_available() -> bool:
    """Whether numpy can be imported (probed once, without importing it)."""
    return importlib.util.find_spec("numpy") is not None


def resolve_backend(backend: object, *, obj: str) -> Engine:
    """Return the backend the batch path of ``obj`` runs on.

    >>> resolve_backend("python", obj="score_columns")
    'python'
    >>> resolve_backend("fast", obj="score_columns")
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: score_columns.backend: got 'fast'; expected 'auto', 'python' or 'numpy'
    """
    if backend not in BACKENDS:
        raise ValidationError(
            obj=obj, field="backend", value=backend, expected="'auto', 'python' or 'numpy'"
        )
    if backend == "auto":
        return "numpy" if numpy_available() else "python"
    if backend == "numpy" and not numpy_available():
        raise ValidationError(
            obj=obj,
            field="backend",
            value=backend,
            expected="'auto' or 'python' (numpy is not installed: pip install 'crmcore[fast]')",
        )
    return "numpy" if backend == "numpy" else "python"
