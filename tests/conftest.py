"""Test-wide settings.

Hypothesis: tests never assert a time, so the per-example deadline and the
too-slow health check are off (both fire at random on a loaded 2-core CI
machine). Under CI (``CI`` set) examples are derandomized, so a red run can
be reproduced exactly; locally each run explores new examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "ci",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
    derandomize=True,
    database=None,
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
