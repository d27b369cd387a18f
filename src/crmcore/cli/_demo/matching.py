"""The duplicate-matching section of ``crmcore demo``: one customer typed twice (private).

It needs the ``matching`` extra (rapidfuzz, phonenumbers); without it the
section says how to install it instead of failing the tour.
"""

from __future__ import annotations

import importlib.util
from typing import Any

_RULES = """{"rules": [{"name": "lead is a contact",
  "record_type": "lead", "matching_type": "contact", "threshold": 0.6,
  "comparisons": [
    {"field": "full_name", "method": "jaro_winkler", "normalizer": "person_name", "cutoff": 0.8},
    {"field": "phone", "other_field": "mobile", "method": "exact", "normalizer": "phone", "weight": 2},
    {"field": "email", "method": "exact", "normalizer": "email", "weight": 2}]}]}"""


def demo_section() -> dict[str, Any]:
    """A lead typed with Arabic letters and a +98 phone found to be an existing contact."""
    title = "Duplicate matching: one customer, typed twice"
    if not all(importlib.util.find_spec(n) for n in ("rapidfuzz", "phonenumbers")):
        text = "(install the matching extra to see this section: pip install 'crmcore[matching]')"
        return {"title": title, "text": text, "data": {}}
    from crmcore.matching import MatchRuleSet, check_records  # noqa: PLC0415  (optional extra)
    from crmcore.models import Contact, ContactId, Lead, LeadId  # noqa: PLC0415
    from crmcore.serialization import from_json  # noqa: PLC0415

    rules = from_json(_RULES, MatchRuleSet)
    contact = Contact(
        id=ContactId("CON-0001"), first_name="علی", last_name="رضایی", mobile="09121234567"
    )
    # The same person from a trade-show form: Arabic ي, a +98 number with spaces.
    lead = Lead(
        id=LeadId("LEAD-0042"), first_name="علي", last_name="رضائي", phone="+98 912 123 4567"
    )
    pairs = check_records([lead], [contact], rules)
    lines = [f"new lead {lead.id} ({lead.first_name} {lead.last_name}, {lead.phone}):"]
    for pair in pairs:
        lines.extend(f"  {line}" for line in pair.explain())
    if not pairs:
        lines.append("  no existing record matches")
    data = {"lead": str(lead.id), "matches": [str(p.right) for p in pairs]}
    return {"title": title, "text": "\n".join(lines), "data": data}
