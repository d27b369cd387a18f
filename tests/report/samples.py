"""A Persian invoice used by the report tests (hand-priced in the comments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crmcore.money import Money
from crmcore.pricing import (
    Catalog,
    DocumentKind,
    IranianVat,
    LineItem,
    PriceList,
    PriceListItem,
    PricingOptions,
    Product,
    SalesDocument,
    UnitGroup,
    price_document,
)
from crmcore.report import DocumentLayout, DocumentParty

BOXES = UnitGroup("boxes", "جعبه")
HOURS = UnitGroup("hours", "hour")
CATALOG = Catalog(
    (
        Product("TEA-500", "چای سیاه ۵۰۰ گرمی", BOXES, "جعبه"),
        Product("SUPPORT", "پشتیبانی نرم‌افزار", HOURS, "hour"),
    )
)
PRICES = PriceList(
    "retail",
    "IRR",
    (
        PriceListItem("TEA-500", "جعبه", amount=Money(1_250_000, "IRR")),
        PriceListItem("SUPPORT", "hour", amount=Money(2_000_000, "IRR")),
    ),
)
INVOICE = SalesDocument(
    "I-1",
    DocumentKind.INVOICE,
    "IRR",
    (LineItem("TEA-500", 12), LineItem("SUPPORT", Decimal("2.5"))),
    number="INV-1405-0007",
    issued_on=date(2026, 5, 5),  # 15 Ordibehesht 1405
)
# 12 × 1,250,000 = 15,000,000; 2.5 × 2,000,000 = 5,000,000; VAT 10 %: 1,500,000 and 500,000;
# total 20,000,000 + 2,000,000 = 22,000,000 rials = 2,200,000 tomans.
PRICED = price_document(
    INVOICE, CATALOG, PRICES, PricingOptions(tax_policy=IranianVat.for_year(1405))
)
SELLER = DocumentParty(
    name="شرکت بازرگانی نمونه", tax_id="411111111111", address="تهران، خیابان آزادی"
)
BUYER = DocumentParty(name="فروشگاه ستاره", phone="021-88888888")
PERSIAN = DocumentLayout(
    locale="fa_IR",
    toman=True,
    seller=SELLER,
    buyer=BUYER,
    unit_names={"hour": "ساعت"},
    total_in_words=True,
)


def simulated_customers(count: int = 300, seed: int = 7) -> list:
    """Customer summaries drawn from the BG/NBD story (r=0.5, α=5, a=0.8, b=2.5), 39 weeks."""
    import random

    from crmcore.clv import CustomerSummary

    rng = random.Random(seed)
    result = []
    for index in range(count):
        rate = rng.gammavariate(0.5, 1 / 5)
        drop = rng.betavariate(0.8, 2.5)
        age = 39.0 - rng.uniform(0, 10)
        t, last, repeats = 0.0, 0.0, 0
        while True:
            t += rng.expovariate(rate) if rate > 0 else age + 1
            if t > age:
                break
            repeats += 1
            last = t
            if rng.random() < drop:
                break
        spend = Decimal(str(round(rng.gammavariate(6, 5), 2))) if repeats else Decimal(0)
        result.append(
            CustomerSummary(
                f"c{index:03d}",
                frequency=repeats,
                recency=round(last, 2),
                age=round(age, 2),
                monetary_value=spend,
            )
        )
    return result


def sla_evaluations() -> list:
    """Thirteen resolution KPIs over three months (met / breached / open as listed)."""
    from datetime import UTC, datetime, timedelta

    from crmcore.models import CaseId, CasePriority
    from crmcore.sla import KpiInstance, KpiKind, KpiState, SlaEvaluation

    plan = [
        (datetime(2025, 1, 6, 9, tzinfo=UTC), KpiState.SUCCEEDED),
        (datetime(2025, 1, 9, 9, tzinfo=UTC), KpiState.SUCCEEDED),
        (datetime(2025, 1, 15, 9, tzinfo=UTC), KpiState.BREACHED),
        (datetime(2025, 1, 28, 9, tzinfo=UTC), KpiState.SUCCEEDED),
        (datetime(2025, 2, 3, 9, tzinfo=UTC), KpiState.BREACHED),
        (datetime(2025, 2, 4, 9, tzinfo=UTC), KpiState.BREACHED),
        (datetime(2025, 2, 11, 9, tzinfo=UTC), KpiState.SUCCEEDED),
        (datetime(2025, 2, 20, 9, tzinfo=UTC), KpiState.SUCCEEDED),
        (datetime(2025, 3, 2, 9, tzinfo=UTC), KpiState.SUCCEEDED),
        (datetime(2025, 3, 5, 9, tzinfo=UTC), KpiState.SUCCEEDED),
        (datetime(2025, 3, 9, 9, tzinfo=UTC), KpiState.SUCCEEDED),
        (datetime(2025, 3, 12, 9, tzinfo=UTC), KpiState.BREACHED),
        (datetime(2025, 3, 30, 9, tzinfo=UTC), KpiState.IN_PROGRESS),
    ]
    return [
        SlaEvaluation(
            case_id=CaseId(f"C{index}"),
            now=datetime(2025, 3, 31, tzinfo=UTC),
            priority=CasePriority.NORMAL,
            policy="standard",
            entitlement=None,
            kpis=(
                KpiInstance(
                    name="resolve",
                    kind=KpiKind.RESOLUTION,
                    state=state,
                    target=timedelta(hours=8),
                    elapsed=timedelta(hours=9 if state is KpiState.BREACHED else 4),
                    paused=timedelta(0),
                    remaining=timedelta(hours=-1 if state is KpiState.BREACHED else 4),
                    calendar="office",
                    started_at=started,
                ),
            ),
        )
        for index, (started, state) in enumerate(plan)
    ]
