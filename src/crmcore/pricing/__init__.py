"""Pricing: catalog, price lists, discount lists, documents, lifecycle and numbering.

Follows the Dynamics 365 Sales model (unit groups → products → price lists →
discount lists) with the options its users ask for: tiered volume discounts,
rounding the unit price or the line total, tax before or after the header
discount. Every priced figure can explain itself.

>>> from decimal import Decimal
>>> from crmcore.money import Money
>>> each = UnitGroup("each", "each")
>>> catalog = Catalog((Product("P1", "Widget", each, "each"),))
>>> plist = PriceList("retail", "USD", (PriceListItem("P1", "each", amount=Money(100, "USD")),))
>>> quote = SalesDocument("Q1", DocumentKind.QUOTE, "USD",
...                       (LineItem("P1", 200, manual_discount=Money(10, "USD")),))
>>> price_document(quote, catalog, plist).total_amount
Money('19990.00', 'USD')
"""

from crmcore.pricing._campaigns import CampaignRevenue, campaign_revenue
from crmcore.pricing._catalog import (
    Audience,
    Catalog,
    DiscountBand,
    DiscountList,
    DiscountType,
    NegativePrice,
    PriceList,
    PriceListItem,
    PriceWarning,
    PricingMethod,
    Product,
    ProductGroup,
    QuantitySellingOption,
    RoundingOption,
    RoundingPolicy,
    Unit,
    UnitGroup,
    UnitPrice,
    round_price,
)
from crmcore.pricing._columnar import PricedColumns, price_columns
from crmcore.pricing._columnar_documents import DocumentColumns
from crmcore.pricing._currency import BaseAmounts, ExchangeRates, FixedRates, base_amounts
from crmcore.pricing._documents import (
    CloseReason,
    DocumentKind,
    DocumentStatus,
    LineItem,
    LockedPrice,
    ManualDiscountMethod,
    PricedDocument,
    PricedLine,
    PricingOptions,
    RoundingPoint,
    SalesDocument,
    price_document,
    price_from_lists,
)
from crmcore.pricing._lifecycle import (
    TRANSITIONS,
    activate_quote,
    close_quote,
    edit_document,
    estimated_revenue,
    invoice_from_order,
    order_from_quote,
    revise_quote,
    transition,
    win_quote,
)
from crmcore.pricing._numbering import FIELDS, NumberFormat, NumberSequence
from crmcore.pricing._rules import (
    PricingRule,
    PricingRules,
    RuleAction,
    RuleOutcome,
    Stacking,
    apply_rules,
)
from crmcore.pricing._selection import (
    Applicable,
    PriceListCandidate,
    PriceListChoice,
    PricingContext,
    choose_price_list,
    select_price_list,
    why_not,
)
from crmcore.pricing._tax import FlatRateTax, IranianVat, NoTax, TaxPolicy

__all__ = [
    "FIELDS",
    "TRANSITIONS",
    "Applicable",
    "Audience",
    "BaseAmounts",
    "CampaignRevenue",
    "Catalog",
    "CloseReason",
    "DiscountBand",
    "DiscountList",
    "DiscountType",
    "DocumentColumns",
    "DocumentKind",
    "DocumentStatus",
    "ExchangeRates",
    "FixedRates",
    "FlatRateTax",
    "IranianVat",
    "LineItem",
    "LockedPrice",
    "ManualDiscountMethod",
    "NegativePrice",
    "NoTax",
    "NumberFormat",
    "NumberSequence",
    "PriceList",
    "PriceListCandidate",
    "PriceListChoice",
    "PriceListItem",
    "PriceWarning",
    "PricedColumns",
    "PricedDocument",
    "PricedLine",
    "PricingContext",
    "PricingMethod",
    "PricingOptions",
    "PricingRule",
    "PricingRules",
    "Product",
    "ProductGroup",
    "QuantitySellingOption",
    "RoundingOption",
    "RoundingPoint",
    "RoundingPolicy",
    "RuleAction",
    "RuleOutcome",
    "SalesDocument",
    "Stacking",
    "TaxPolicy",
    "Unit",
    "UnitGroup",
    "UnitPrice",
    "activate_quote",
    "apply_rules",
    "base_amounts",
    "campaign_revenue",
    "choose_price_list",
    "close_quote",
    "edit_document",
    "estimated_revenue",
    "invoice_from_order",
    "order_from_quote",
    "price_columns",
    "price_document",
    "price_from_lists",
    "revise_quote",
    "round_price",
    "select_price_list",
    "transition",
    "why_not",
    "win_quote",
]
