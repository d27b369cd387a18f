"""Figures, labels and Persian text shaping shared by the chart functions (private).

matplotlib, arabic-reshaper and python-bidi are imported here, lazily, so
that ``import crmcore.plot`` works without them and only drawing needs the
``plot`` extra. Figures are created without pyplot on the Agg canvas: no
window ever opens and no global figure list grows.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import TYPE_CHECKING, Any

from crmcore.errors import ValidationError
from crmcore.money import to_persian_digits

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Arabic-script letters (Arabic, Arabic Supplement, presentation forms A and B).
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")

_LABELS: dict[str, dict[str, str]] = {
    "period": {"en": "period", "fa": "دوره"},
    "amount": {"en": "amount ({currency})", "fa": "مبلغ ({currency})"},
    "net": {"en": "net flow", "fa": "جریان خالص"},
    "cumulative": {"en": "cumulative", "fa": "تجمعی"},
    "discounted": {"en": "cumulative, discounted", "fa": "تجمعی تنزیل‌شده"},
    "payback": {"en": "payback {value}", "fa": "بازگشت سرمایه {value}"},
    "discounted_payback": {"en": "discounted payback {value}", "fa": "بازگشت تنزیلی {value}"},
    "cash_flow_title": {"en": "Cash flow and payback", "fa": "جریان نقدی و بازگشت سرمایه"},
    "clv_title": {"en": "Customer lifetime value", "fa": "ارزش طول عمر مشتری"},
    "clv": {"en": "CLV ({currency})", "fa": "ارزش طول عمر ({currency})"},
    "customers": {"en": "customers", "fa": "مشتریان"},
    "mean": {"en": "mean {value}", "fa": "میانگین {value}"},
    "alive_title": {
        "en": "P(alive) by frequency and recency",
        "fa": "احتمال فعال بودن بر حسب تکرار و تازگی",
    },
    "frequency": {"en": "frequency (repeat purchases)", "fa": "تکرار (خریدهای مجدد)"},
    "recency": {"en": "recency (age {age})", "fa": "تازگی (عمر {age})"},
    "gains_title": {"en": "Cumulative gains", "fa": "منحنی دستاورد تجمعی"},
    "contacted": {"en": "share of leads contacted", "fa": "سهم سرنخ‌های تماس‌گرفته"},
    "captured": {"en": "share of wins captured", "fa": "سهم فروش‌های به‌دست‌آمده"},
    "model": {"en": "model", "fa": "مدل"},
    "random": {"en": "random", "fa": "تصادفی"},
    "lift_title": {"en": "Lift by decile", "fa": "بالابری در هر دهک"},
    "decile": {"en": "decile (1 = best scores)", "fa": "دهک (۱ = بهترین امتیازها)"},
    "lift": {"en": "lift", "fa": "بالابری"},
    "calibration_title": {"en": "Calibration", "fa": "کالیبراسیون"},
    "predicted": {"en": "mean predicted probability", "fa": "میانگین احتمال پیش‌بینی‌شده"},
    "observed": {"en": "observed win rate", "fa": "نرخ برد مشاهده‌شده"},
    "perfect": {"en": "perfectly calibrated", "fa": "کالیبراسیون کامل"},
    "sla_title": {"en": "SLA compliance and breaches", "fa": "رعایت توافق سطح خدمت و نقض‌ها"},
    "compliance": {"en": "compliance (%)", "fa": "درصد رعایت"},
    "breaches": {"en": "breaches", "fa": "نقض‌ها"},
    "funnel_title": {"en": "Sales funnel on {date}", "fa": "قیف فروش در {date}"},
    "deals": {"en": "deals", "fa": "فرصت‌ها"},
    "stage_qualify": {"en": "qualify", "fa": "ارزیابی"},
    "stage_develop": {"en": "develop", "fa": "توسعه"},
    "stage_propose": {"en": "propose", "fa": "پیشنهاد"},
    "stage_close": {"en": "close", "fa": "بستن"},
    "stage_won": {"en": "won", "fa": "برنده"},
    "stage_lost": {"en": "lost", "fa": "بازنده"},
    "target_title": {"en": "Target and actual: {owner}", "fa": "هدف و عملکرد: {owner}"},
    "target": {"en": "target", "fa": "هدف"},
    "actual": {"en": "actual", "fa": "عملکرد"},
    "in_progress": {"en": "open, weighted", "fa": "در جریان (وزنی)"},
    "stretch": {"en": "stretch target", "fa": "هدف بلندپروازانه"},
}


def language(locale: object) -> str:
    """``"fa"`` for a Persian locale (``fa``, ``fa_IR``, ``fa-IR``), ``"en"`` otherwise."""
    if not isinstance(locale, str) or not locale:
        raise ValidationError(
            obj="crmcore.plot",
            field="locale",
            value=locale,
            expected="a locale such as en or fa_IR",
        )
    return "fa" if locale.replace("-", "_").split("_")[0].lower() == "fa" else "en"


def require(name: str) -> ModuleType:
    """Import an optional dependency of the ``plot`` extra, naming the extra when missing."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            f"crmcore.plot needs {name!r}: pip install 'crmcore[plot]'", name=name
        ) from err


def _matplotlib_shapes() -> bool:
    """Whether matplotlib lays out complex text itself (3.11+ bundles libraqm)."""
    ft2font = require("matplotlib.ft2font")
    return bool(getattr(ft2font, "__libraqm_version__", ""))


def shape(text: str) -> str:
    """Text ready for matplotlib: Persian/Arabic letters joined and laid out right to left.

    matplotlib 3.11 and later shape text with libraqm (joining forms and
    the bidirectional algorithm), so the text is passed as it is. Older
    versions draw glyphs one by one, left to right: then arabic-reshaper
    picks each letter's joined form and python-bidi puts the line in visual
    order. Text without Arabic-script letters is always returned as is.
    """
    if not _ARABIC.search(text) or _matplotlib_shapes():
        return text
    reshaper = require("arabic_reshaper")
    bidi = require("bidi")
    return str(bidi.get_display(reshaper.reshape(text)))


def number_text(value: float, lang: str, places: int = 0) -> str:
    """A number for a label: grouped, ``places`` decimals, Persian digits for ``fa``."""
    text = f"{value:,.{places}f}"
    if lang == "fa":
        text = to_persian_digits(text.replace(",", "٬").replace(".", "٫"))
    return text


def label(key: str, lang: str, **values: object) -> str:
    """The shaped label ``key`` in ``lang``, with ``values`` filled in."""
    return shape(_LABELS[key][lang].format(**values))


def new_figure(lang: str, *, width: float = 7.0, height: float = 4.2) -> tuple[Figure, Axes]:
    """A figure on the Agg canvas with one axes; ``fa`` ticks get Persian digits."""
    require("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if lang == "fa":
        persian_ticks(axes)
    return figure, axes


def persian_ticks(axes: Axes) -> None:
    """Show the tick numbers of both axes in Persian digits (``۱۲٬۵۰۰``, ``۰٫۲۵``)."""
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415

    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(FuncFormatter(_persian_tick))


def _persian_tick(value: float, _position: Any) -> str:
    text = "0" if value == 0 else f"{value:,.10g}"
    return to_persian_digits(text.replace(",", "٬").replace(".", "٫"))


def title(axes: Axes, text: str, lang: str) -> None:
    """Set the axes title: on the right for a right-to-left language."""
    axes.set_title(text, loc="right" if lang == "fa" else "left")
