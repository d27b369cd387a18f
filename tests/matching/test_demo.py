"""The demo's matching section: a lead typed with Arabic letters is the existing contact."""

from __future__ import annotations

import importlib.util

import pytest

from crmcore.cli._demo import matching


def test_the_lead_is_found_to_be_the_contact() -> None:
    section = matching.demo_section()
    # ي/ی and ئ/ی unified, +98 912 … and 0912… the same E.164 number: the one contact.
    assert section["data"] == {"lead": "LEAD-0042", "matches": ["contact CON-0001"]}
    assert "phone/mobile (exact): '+989121234567' vs '+989121234567'" in section["text"]


def test_without_the_extra_the_section_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "rapidfuzz" else real(name)
    )
    section = matching.demo_section()
    assert section["data"] == {}
    assert "pip install 'crmcore[matching]'" in section["text"]
