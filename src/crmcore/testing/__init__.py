"""crmcore.testing (under construction)."""

__all__: list[str] = []
