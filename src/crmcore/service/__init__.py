"""Service desk: staffing, satisfaction, contact-centre metrics, the case queue and billing.

- Staffing (Erlang C): :func:`erlang_c`, :func:`erlang_service_level`,
  :func:`speed_of_answer`, :func:`required_agents` → :class:`Staffing`, and
  :func:`staffing_plan` per interval over a business calendar.

>>> from datetime import timedelta
>>> required_agents(100, interval=timedelta(minutes=30), aht=timedelta(seconds=180)).agents
14
"""

from crmcore.service._erlang import (
    IntervalStaffing,
    Staffing,
    erlang_c,
    erlang_service_level,
    required_agents,
    speed_of_answer,
    staffing_plan,
)

__all__ = [
    "IntervalStaffing",
    "Staffing",
    "erlang_c",
    "erlang_service_level",
    "required_agents",
    "speed_of_answer",
    "staffing_plan",
]
