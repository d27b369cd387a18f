"""Lead sources: a standard set plus custom ones (private)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import attrs

from crmcore.errors import ValidationError

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")


def _check_code(_instance: object, _attribute: object, value: Any) -> None:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValidationError(
            obj="LeadSource",
            field="code",
            value=value,
            expected="a lowercase code of letters, digits, '_' or '-' (e.g. 'trade_show')",
        )


@attrs.frozen
class LeadSource:
    """Where a lead came from: one of the standard sources or a custom code.

    >>> LeadSource.TRADE_SHOW.is_standard, LeadSource("podcast").is_standard
    (True, False)
    >>> LeadSource("trade_show") == LeadSource.TRADE_SHOW
    True
    """

    code: str = attrs.field(validator=_check_code)

    WEBSITE: ClassVar[LeadSource]
    CAMPAIGN: ClassVar[LeadSource]
    TRADE_SHOW: ClassVar[LeadSource]
    SOCIAL_MEDIA: ClassVar[LeadSource]
    PAY_PER_CLICK: ClassVar[LeadSource]
    PURCHASED_LIST: ClassVar[LeadSource]
    REFERRAL: ClassVar[LeadSource]
    OTHER: ClassVar[LeadSource]
    STANDARD: ClassVar[tuple[LeadSource, ...]]

    @property
    def is_standard(self) -> bool:
        """Whether this is one of the standard sources."""
        return self in LeadSource.STANDARD

    def __str__(self) -> str:
        return self.code


LeadSource.WEBSITE = LeadSource("website")
LeadSource.CAMPAIGN = LeadSource("campaign")
LeadSource.TRADE_SHOW = LeadSource("trade_show")
LeadSource.SOCIAL_MEDIA = LeadSource("social_media")
LeadSource.PAY_PER_CLICK = LeadSource("pay_per_click")
LeadSource.PURCHASED_LIST = LeadSource("purchased_list")
LeadSource.REFERRAL = LeadSource("referral")
LeadSource.OTHER = LeadSource("other")
LeadSource.STANDARD = (
    LeadSource.WEBSITE,
    LeadSource.CAMPAIGN,
    LeadSource.TRADE_SHOW,
    LeadSource.SOCIAL_MEDIA,
    LeadSource.PAY_PER_CLICK,
    LeadSource.PURCHASED_LIST,
    LeadSource.REFERRAL,
    LeadSource.OTHER,
)
