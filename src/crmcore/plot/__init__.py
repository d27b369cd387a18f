"""Charts of engine results, as matplotlib figures (the optional ``plot`` extra).

Each function takes an engine's public result and returns a
:class:`matplotlib.figure.Figure` drawn on the Agg canvas (no window opens;
save it with ``figure.savefig``), as ``lifetimes.plotting`` does:

- ROI: :func:`plot_cash_flow` (net, cumulative and discounted flow with the
  payback points).
- CLV: :func:`plot_clv_distribution`, :func:`plot_probability_alive_matrix`
  (from a fitted :class:`~crmcore.clv.BetaGeoModel`).
- Scoring: :func:`plot_gains`, :func:`plot_lift`, :func:`plot_calibration`.
- SLA: :func:`plot_sla_compliance`, from :func:`sla_compliance` rows.
- Sales: :func:`plot_funnel` (a :class:`~crmcore.sales.Funnel`) and
  :func:`plot_target_attainment` (target, actual and open pipeline per
  sub-period from :func:`~crmcore.sales.attainment`).

``locale="fa_IR"`` writes Persian labels, shaped and laid out right to left
(arabic-reshaper + python-bidi) in matplotlib's bundled DejaVu Sans, with
Persian digits. matplotlib is imported only when a chart is drawn; the
engines never import it.

>>> from crmcore.plot import plot_cash_flow
>>> figure = plot_cash_flow([-1000, 300, 400, 500])
>>> [float(line.get_xdata()[0]) for line in figure.axes[0].lines if line.get_gid() == "payback"]
[2.6]
"""

from crmcore.plot._clv import (
    plot_clv_distribution,
    plot_probability_alive_matrix,
    probability_alive_matrix,
)
from crmcore.plot._roi import plot_cash_flow
from crmcore.plot._sales import plot_funnel, plot_target_attainment
from crmcore.plot._scoring import plot_calibration, plot_gains, plot_lift
from crmcore.plot._sla import (
    ComplianceGrain,
    SlaPeriodCompliance,
    plot_sla_compliance,
    sla_compliance,
)

__all__ = [
    "ComplianceGrain",
    "SlaPeriodCompliance",
    "plot_calibration",
    "plot_cash_flow",
    "plot_clv_distribution",
    "plot_funnel",
    "plot_gains",
    "plot_lift",
    "plot_probability_alive_matrix",
    "plot_sla_compliance",
    "plot_target_attainment",
    "probability_alive_matrix",
    "sla_compliance",
]
