"""crmcore.roi (under construction)."""

__all__: list[str] = []
