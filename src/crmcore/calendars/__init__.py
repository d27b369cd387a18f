"""crmcore.calendars (under construction)."""

__all__: list[str] = []
