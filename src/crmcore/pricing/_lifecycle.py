"""Quote lifecycle and document conversions: pure functions returning new documents (private)."""

from __future__ import annotations

from typing import Any

import attrs

from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models import Opportunity
from crmcore.money import Money
from crmcore.pricing._documents import (
    CloseReason,
    DocumentKind,
    DocumentStatus,
    LineItem,
    LockedPrice,
    PricedDocument,
    SalesDocument,
)

_S = DocumentStatus
_K = DocumentKind

TRANSITIONS: dict[tuple[DocumentKind, str], tuple[frozenset[DocumentStatus], DocumentStatus]] = {
    (_K.QUOTE, "activate"): (frozenset({_S.DRAFT}), _S.ACTIVE),
    (_K.QUOTE, "win"): (frozenset({_S.ACTIVE}), _S.WON),
    (_K.QUOTE, "close"): (frozenset({_S.ACTIVE}), _S.CLOSED),
    (_K.QUOTE, "revise"): (frozenset({_S.ACTIVE, _S.CLOSED}), _S.CLOSED),
    (_K.ORDER, "fulfil"): (frozenset({_S.ACTIVE}), _S.FULFILLED),
    (_K.ORDER, "cancel"): (frozenset({_S.ACTIVE}), _S.CANCELLED),
    (_K.ORDER, "invoice"): (frozenset({_S.ACTIVE, _S.FULFILLED}), _S.ACTIVE),
    (_K.INVOICE, "pay"): (frozenset({_S.ACTIVE, _S.PARTIALLY_PAID}), _S.PAID),
    (_K.INVOICE, "pay_partially"): (frozenset({_S.ACTIVE, _S.PARTIALLY_PAID}), _S.PARTIALLY_PAID),
    (_K.INVOICE, "cancel"): (frozenset({_S.ACTIVE, _S.PARTIALLY_PAID}), _S.CANCELLED),
}
"""(kind, action) → (states it is allowed from, state it leads to)."""


def transition(document: SalesDocument, action: str) -> SalesDocument:
    """Apply ``action`` (``"fulfil"``, ``"pay"``, ``"cancel"``, ...) and return the new document.

    >>> from crmcore.pricing import SalesDocument
    >>> order = SalesDocument("O1", "order", "IRR")
    >>> transition(order, "fulfil").status
    <DocumentStatus.FULFILLED: 'fulfilled'>
    >>> transition(transition(order, "fulfil"), "cancel")
    Traceback (most recent call last):
    ...
    crmcore.errors.InvalidTransitionError: order 'O1' is fulfilled: cannot cancel (allowed from: active)
    """
    rule = TRANSITIONS.get((document.kind, action))
    if rule is None:
        known = sorted(a for (k, a) in TRANSITIONS if k is document.kind)
        raise InvalidTransitionError(
            str(document.kind),
            document.id,
            state=str(document.status),
            action=action,
            reason="known actions: " + (", ".join(known) or "none"),
        )
    sources, target = rule
    if document.status not in sources:
        raise InvalidTransitionError(
            str(document.kind),
            document.id,
            state=str(document.status),
            action=action,
            allowed=sorted(str(s) for s in sources),
        )
    return attrs.evolve(document, status=target)


_EDITABLE = frozenset({_S.DRAFT, _S.OPEN})
_FIXED = frozenset({"id", "kind", "status", "revision", "source_id", "close_reason"})


def edit_document(document: SalesDocument, **changes: Any) -> SalesDocument:
    """A copy with ``changes`` (lines, discounts, freight, ...); only drafts and open lines.

    An active quote is read-only: revise it to change it. Orders and
    invoices are created from their source and not edited here.

    >>> from crmcore.pricing import LineItem
    >>> draft = SalesDocument("Q1", "quote", "USD")
    >>> len(edit_document(draft, lines=(LineItem("P1", 2),)).lines)
    1
    >>> edit_document(activate_quote(draft), freight=None)
    Traceback (most recent call last):
    ...
    crmcore.errors.InvalidTransitionError: quote 'Q1' is active: cannot edit (allowed from: draft, open)
    """
    if document.status not in _EDITABLE:
        raise InvalidTransitionError(
            str(document.kind),
            document.id,
            state=str(document.status),
            action="edit",
            allowed=("draft", "open"),
        )
    fixed = sorted(_FIXED & changes.keys())
    if fixed:
        raise ValidationError(
            obj=f"SalesDocument {document.id!r}",
            field=fixed[0],
            value=changes[fixed[0]],
            expected="changed only by the lifecycle functions",
        )
    try:
        return attrs.evolve(document, **changes)
    except TypeError:
        unknown = sorted(changes.keys() - {a.name for a in attrs.fields(SalesDocument)})
        raise ValidationError(
            obj=f"SalesDocument {document.id!r}",
            field=unknown[0] if unknown else None,
            value=changes,
            expected="fields of SalesDocument",
        ) from None


def activate_quote(quote: SalesDocument) -> SalesDocument:
    """Draft → active (read-only from now on)."""
    return transition(_require_kind(quote, _K.QUOTE), "activate")


def close_quote(quote: SalesDocument, reason: CloseReason = CloseReason.LOST) -> SalesDocument:
    """Active → closed (lost or cancelled)."""
    closed = transition(_require_kind(quote, _K.QUOTE), "close")
    return attrs.evolve(closed, close_reason=CloseReason(reason))


def revise_quote(quote: SalesDocument, *, new_id: str) -> tuple[SalesDocument, SalesDocument]:
    """Close ``quote`` as revised and return it with a new draft of revision + 1.

    >>> q = activate_quote(SalesDocument("Q1", "quote", "USD"))
    >>> old, new = revise_quote(q, new_id="Q1-1")
    >>> (old.status, old.close_reason, new.status, new.revision, new.source_id)
    (<DocumentStatus.CLOSED: 'closed'>, <CloseReason.REVISED: 'revised'>, <DocumentStatus.DRAFT: 'draft'>, 1, 'Q1')
    """
    closed = transition(_require_kind(quote, _K.QUOTE), "revise")
    closed = attrs.evolve(closed, close_reason=CloseReason.REVISED)
    draft = attrs.evolve(
        quote,
        id=new_id,
        status=DocumentStatus.DRAFT,
        revision=quote.revision + 1,
        source_id=quote.id,
        close_reason=None,
        number=None,
    )
    return closed, draft


def _copy_lines(priced: PricedDocument | None, source: SalesDocument) -> tuple[LineItem, ...]:
    if priced is None:
        # Free goods are earned again under the rules in force when the copy is priced.
        return tuple(attrs.evolve(line, locked=None) for line in source.lines if not line.free_for)
    sold = [p for p in priced.lines if p.free_for is None]
    if priced.document.id != source.id or len(sold) != len(source.lines):
        raise ValidationError(
            obj="conversion",
            field="priced",
            value=priced.document.id,
            expected=f"the priced form of document {source.id!r}",
        )
    copied = [
        attrs.evolve(
            line,
            locked=LockedPrice(
                quantity=p.quantity, price_per_unit=p.price_per_unit.amount, amount=p.amount.amount
            ),
        )
        for line, p in zip(source.lines, sold, strict=True)
    ]
    free = [
        LineItem(
            p.product_id,
            p.quantity,
            unit=p.unit,
            locked=LockedPrice(quantity=p.quantity, price_per_unit=0, amount=0),
            free_for=p.free_for,
        )
        for p in priced.lines
        if p.free_for is not None
    ]
    return (*copied, *free)


def order_from_quote(
    quote: SalesDocument, *, order_id: str, priced: PricedDocument | None = None
) -> SalesDocument:
    """A new active order with the quote's lines.

    With ``priced`` (the quote as priced) every line is locked at the
    quote's price and amount; without it the order uses current pricing.
    """
    _require_kind(quote, _K.QUOTE)
    if quote.status not in (_S.ACTIVE, _S.WON):
        raise InvalidTransitionError(
            "quote", quote.id, state=str(quote.status), action="order", allowed=("active", "won")
        )
    return _convert(quote, _K.ORDER, order_id, priced)


def win_quote(
    quote: SalesDocument, *, order_id: str, priced: PricedDocument | None = None
) -> tuple[SalesDocument, SalesDocument]:
    """Active → won, and the order it creates (see :func:`order_from_quote`)."""
    order = order_from_quote(quote, order_id=order_id, priced=priced)
    return transition(quote, "win"), order


def invoice_from_order(
    order: SalesDocument, *, invoice_id: str, priced: PricedDocument | None = None
) -> SalesDocument:
    """A new active invoice with the order's lines (locked to ``priced`` if given)."""
    transition(_require_kind(order, _K.ORDER), "invoice")
    return _convert(order, _K.INVOICE, invoice_id, priced)


def _convert(
    source: SalesDocument, kind: DocumentKind, new_id: str, priced: PricedDocument | None
) -> SalesDocument:
    return SalesDocument(
        id=new_id,
        kind=kind,
        currency=source.currency,
        lines=_copy_lines(priced, source),
        price_list=source.price_list if priced is None else priced.price_list,
        header_discount_percent=source.header_discount_percent,
        header_discount_amount=source.header_discount_amount,
        freight=source.freight,
        source_id=source.id,
        issued_on=source.issued_on,
        pricing_context=source.pricing_context,
    )


def _require_kind(document: SalesDocument, kind: DocumentKind) -> SalesDocument:
    if document.kind is not kind:
        raise ValidationError(
            obj=f"SalesDocument {document.id!r}",
            field="kind",
            value=str(document.kind),
            expected=str(kind),
        )
    return document


def estimated_revenue(opportunity: Opportunity, priced: PricedDocument) -> Opportunity:
    """The opportunity with ``estimated_revenue`` set to its priced product lines' total.

    ``priced`` is the opportunity's product lines priced with
    :func:`~crmcore.pricing.price_document` (kind ``opportunity``).
    """
    if priced.document.kind is not _K.OPPORTUNITY:
        raise ValidationError(
            obj="estimated_revenue",
            field="priced.kind",
            value=str(priced.document.kind),
            expected="opportunity",
        )
    total: Money = priced.total_amount
    return opportunity.edit(estimated_revenue=total)
