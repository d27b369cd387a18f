"""The chart tests need the ``plot`` extra; without it they are skipped."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("arabic_reshaper")
pytest.importorskip("bidi")
