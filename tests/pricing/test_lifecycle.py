"""Quote lifecycle, conversions quote → order → invoice, opportunity revenue."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings

from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models import Opportunity, OpportunityId
from crmcore.money import Money
from crmcore.pricing import (
    CloseReason,
    DocumentKind,
    DocumentStatus,
    LineItem,
    PriceList,
    PriceListItem,
    PricingOptions,
    SalesDocument,
    activate_quote,
    close_quote,
    edit_document,
    estimated_revenue,
    invoice_from_order,
    order_from_quote,
    price_document,
    revise_quote,
    transition,
    win_quote,
)
from tests.strategies.pricing import CATALOG, PRICE_LIST, documents, pricing_options

S = DocumentStatus


def _quote() -> SalesDocument:
    return SalesDocument("Q1", DocumentKind.QUOTE, "USD", (LineItem("A", 3),), price_list="pl")


def test_quote_lifecycle_draft_active_won() -> None:
    draft = _quote()
    active = activate_quote(draft)
    assert (draft.status, active.status) == (S.DRAFT, S.ACTIVE)
    won, order = win_quote(active, order_id="O1")
    assert won.status is S.WON
    assert (order.kind, order.status, order.source_id) == (DocumentKind.ORDER, S.ACTIVE, "Q1")
    with pytest.raises(InvalidTransitionError) as info:
        win_quote(won, order_id="O2")
    assert info.value.state == "won"
    with pytest.raises(InvalidTransitionError):
        activate_quote(active)


def test_close_and_revise() -> None:
    active = activate_quote(_quote())
    lost = close_quote(active, CloseReason.LOST)
    assert (lost.status, lost.close_reason) == (S.CLOSED, CloseReason.LOST)
    old, new = revise_quote(lost, new_id="Q1-r1")
    assert (old.status, old.close_reason) == (S.CLOSED, CloseReason.REVISED)
    assert (new.id, new.status, new.revision, new.lines) == ("Q1-r1", S.DRAFT, 1, active.lines)
    _, newer = revise_quote(activate_quote(new), new_id="Q1-r2")
    assert newer.revision == 2
    with pytest.raises(InvalidTransitionError):
        revise_quote(_quote(), new_id="x")  # a draft is edited, not revised
    with pytest.raises(InvalidTransitionError):
        close_quote(_quote())


def test_order_and_invoice_transitions() -> None:
    order = order_from_quote(activate_quote(_quote()), order_id="O1")
    invoice = invoice_from_order(order, invoice_id="I1")
    assert (invoice.kind, invoice.source_id) == (DocumentKind.INVOICE, "O1")
    assert transition(invoice, "pay_partially").status is S.PARTIALLY_PAID
    assert transition(transition(invoice, "pay_partially"), "pay").status is S.PAID
    with pytest.raises(InvalidTransitionError):
        transition(transition(invoice, "pay"), "cancel")
    with pytest.raises(InvalidTransitionError):
        invoice_from_order(transition(order, "cancel"), invoice_id="I2")
    with pytest.raises(InvalidTransitionError) as info:
        transition(order, "fly")
    assert "fulfil" in str(info.value)
    with pytest.raises(ValidationError):
        invoice_from_order(_quote(), invoice_id="I3")
    with pytest.raises(InvalidTransitionError):
        order_from_quote(_quote(), order_id="O2")  # still a draft


def test_locked_prices_survive_a_price_change_and_current_pricing_does_not() -> None:
    quote = activate_quote(_quote())
    priced = price_document(quote, CATALOG, PRICE_LIST)
    assert priced.total_amount == Money("38.97", "USD")  # 3 × 12.99
    dearer = PriceList("pl", "USD", (PriceListItem("A", "each", amount=Money("15", "USD")),))
    locked = order_from_quote(quote, order_id="O1", priced=priced)
    current = order_from_quote(quote, order_id="O2")
    assert price_document(locked, CATALOG, dearer).total_amount == Money("38.97", "USD")
    assert price_document(current, CATALOG, dearer).total_amount == Money("45.00", "USD")
    changed = attrs.evolve(locked, lines=(attrs.evolve(locked.lines[0], quantity=Decimal(4)),))
    with pytest.raises(ValidationError) as info:
        price_document(changed, CATALOG, dearer)
    assert info.value.field == "lines[0].quantity"
    with pytest.raises(ValidationError):
        order_from_quote(attrs.evolve(quote, id="other"), order_id="O3", priced=priced)


@given(documents(), pricing_options())
@settings(max_examples=60, deadline=None)
def test_quote_order_invoice_with_locked_prices_keeps_every_amount(
    doc: SalesDocument, options: PricingOptions
) -> None:
    quote = activate_quote(doc)
    priced_quote = price_document(quote, CATALOG, PRICE_LIST, options)
    _, order = win_quote(quote, order_id="O", priced=priced_quote)
    # The order is priced without any price list: only the locked figures count.
    priced_order = price_document(order, CATALOG, None, options)
    invoice = invoice_from_order(order, invoice_id="I", priced=priced_order)
    priced_invoice = price_document(invoice, CATALOG, None, options)
    for later in (priced_order, priced_invoice):
        assert later.total_amount == priced_quote.total_amount
        assert later.total_tax == priced_quote.total_tax
        assert later.header_discount == priced_quote.header_discount
        assert [x.extended_amount for x in later.lines] == [
            x.extended_amount for x in priced_quote.lines
        ]


def test_opportunity_estimated_revenue_from_lines() -> None:
    opp = Opportunity(id=OpportunityId("o1"), name="Deal")
    lines = SalesDocument("o1", DocumentKind.OPPORTUNITY, "USD", (LineItem("A", 10),))
    priced = price_document(lines, CATALOG, PRICE_LIST)
    assert estimated_revenue(opp, priced).estimated_revenue == Money("129.90", "USD")  # 10 × 12.99
    with pytest.raises(ValidationError):
        estimated_revenue(opp, price_document(_quote(), CATALOG, PRICE_LIST))


def test_only_drafts_and_open_lines_are_edited() -> None:
    draft = _quote()
    edited = edit_document(draft, lines=(LineItem("A", 5),), freight=Money(2, "USD"))
    assert edited.lines == (LineItem("A", 5),)
    with pytest.raises(InvalidTransitionError) as info:
        edit_document(activate_quote(draft), freight=None)
    assert info.value.state == "active"
    with pytest.raises(ValidationError) as verr:
        edit_document(draft, status="won")
    assert verr.value.field == "status"
    with pytest.raises(ValidationError) as verr:
        edit_document(draft, colour="red")
    assert verr.value.field == "colour"


def test_status_must_belong_to_the_kind() -> None:
    with pytest.raises(ValidationError) as info:
        SalesDocument("Q", DocumentKind.QUOTE, "USD", status=DocumentStatus.PAID)
    assert (info.value.field, info.value.value) == ("status", "paid")
