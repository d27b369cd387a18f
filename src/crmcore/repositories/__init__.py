"""crmcore.repositories (under construction)."""

__all__: list[str] = []
