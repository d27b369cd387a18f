"""The skeleton of a self-contained HTML page (private)."""

from __future__ import annotations

from html import escape

__all__ = ["STYLE", "page"]

STYLE = """
body { font-family: Vazirmatn, "DejaVu Sans", Tahoma, "Noto Sans Arabic", sans-serif;
       margin: 2rem; color: #222; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: .3rem .6rem; }
th { background: #eef2f7; }
td.num { text-align: end; white-space: nowrap; }
.meta { color: #444; margin: .2rem 0; }
.parties { display: flex; gap: 2rem; margin: 1rem 0; }
.party { border: 1px solid #ccc; padding: .5rem 1rem; min-width: 14rem; }
.party h2 { margin-top: 0; }
.totals th { text-align: start; }
.total th, .total td { font-weight: bold; background: #f6f6f6; }
.words { font-style: italic; }
.section { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
figure.chart { margin: 0; }
.chart svg { max-width: 600px; height: auto; }
"""


def page(title: str, body: str, *, lang: str) -> str:
    """A complete UTF-8 page: ``dir="rtl"`` for Persian, inline CSS, no script, nothing fetched."""
    direction = "rtl" if lang == "fa" else "ltr"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}" dir="{direction}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
