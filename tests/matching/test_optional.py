"""Without the ``matching`` extra, crmcore imports and says what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_core_imports_without_rapidfuzz_and_phonenumbers() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["rapidfuzz"] = None      # make the imports fail as if not installed
        sys.modules["phonenumbers"] = None
        import crmcore, crmcore.matching, crmcore.serialization, crmcore.cli
        from crmcore.errors import MatchingError
        from crmcore.matching import normalize_text, normalize_phone, find_duplicates, MatchRule, FieldRule
        assert normalize_text("علي") == "علی"
        try:
            normalize_phone("09121234567")
        except MatchingError as err:
            print(err)
        rule = MatchRule(name="r", record_type="row", threshold=1,
                         comparisons=[FieldRule(field="n", method="jaro_winkler")])
        try:
            find_duplicates([{"id": "1", "n": "a"}, {"id": "2", "n": "a"}], rule)
        except MatchingError as err:
            print(err)
        """
    )
    # The interpreter and script are fixed here; nothing comes from outside the test.
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "crmcore.matching.dependency: got 'phonenumbers'; expected the 'phonenumbers' package"
        " (install the extra: pip install 'crmcore[matching]')",
        "crmcore.matching.dependency: got 'rapidfuzz'; expected the 'rapidfuzz' package"
        " (install the extra: pip install 'crmcore[matching]')",
    ]
