"""crmcore.scoring (under construction)."""

__all__: list[str] = []
