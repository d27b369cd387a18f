"""The public surface of crmcore.calendars and crmcore.sla: sorted, complete, documented."""

from __future__ import annotations

import inspect

import pytest

from crmcore import calendars, sla


@pytest.mark.parametrize("module", [calendars, sla])
def test_all_is_sorted_and_complete(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(names)


@pytest.mark.parametrize("module", [calendars, sla])
def test_every_public_name_has_a_docstring(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name


def test_add_epochs_takes_numpy_arrays() -> None:
    # The raw batch path accepts 1-D numpy arrays as well as lists (equal results).
    np = pytest.importorskip("numpy")
    from crmcore.calendars import BusinessCalendar

    cal = BusinessCalendar.always()
    starts = np.array([0, 10], dtype=np.int64)
    durations = np.array([5, -10], dtype=np.int64)
    assert cal.add_epochs(starts, durations, backend="python") == [5, 0]
    assert cal.add_epochs(starts, durations, backend="numpy") == [5, 0]
