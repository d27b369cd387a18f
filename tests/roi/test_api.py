"""The public surface of crmcore.roi: sorted, complete and documented."""

from __future__ import annotations

import inspect

from crmcore import roi


def test_all_is_sorted_and_complete() -> None:
    assert roi.__all__ == sorted(roi.__all__)
    public = {
        name
        for name, value in vars(roi).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(roi.__all__)


def test_every_public_name_has_a_docstring() -> None:
    for name in roi.__all__:
        value = getattr(roi, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name
