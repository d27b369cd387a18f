"""crmcore.sla (under construction)."""

__all__: list[str] = []
