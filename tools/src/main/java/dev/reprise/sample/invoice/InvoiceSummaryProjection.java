package dev.reprise.sample.invoice;

import dev.reprise.projection.Event;
import dev.reprise.projection.InvalidEventException;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;

import java.util.List;

/** Invoice totals per tenant: issued, voided, paid and outstanding amounts in cents. */
public class InvoiceSummaryProjection implements Projection<InvoiceSummary> {
    public static final String NAME = "invoice-summary";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<InvoiceSummary> stateClass() {
        return InvoiceSummary.class;
    }

    @Override
    public InvoiceSummary initial(String tenant) {
        return new InvoiceSummary(tenant, 0L, 0L, 0L, 0L, 0L);
    }

    @Override
    public void validate(Event event) {
        if (event.number("amount_cents") <= 0) {
            throw new InvalidEventException("invalid-amount", event.type() + " with amount_cents " + event.number("amount_cents") + "; expected a positive amount");
        }
    }

    @Override
    public InvoiceSummary apply(InvoiceSummary s, Event event) {
        long cents = event.number("amount_cents");
        switch (event.type()) {
            case "InvoiceIssued" -> {
                s.setInvoicesIssued(s.getInvoicesIssued() + 1);
                s.setTotalInvoicedCents(s.getTotalInvoicedCents() + cents);
            }
            case "InvoiceVoided" -> {
                s.setInvoicesVoided(s.getInvoicesVoided() + 1);
                s.setTotalInvoicedCents(s.getTotalInvoicedCents() - cents);
            }
            case "PaymentReceived" -> s.setTotalPaidCents(s.getTotalPaidCents() + cents);
            default -> throw new InvalidEventException("unknown-event-type", "the invoice summary has no rule for " + event.type());
        }
        s.setOutstandingCents(s.getTotalInvoicedCents() - s.getTotalPaidCents());
        return s;
    }

    @Override
    public List<Invariant<InvoiceSummary>> invariants() {
        return List.of(
                new Invariant<>("outstanding_is_invoiced_minus_paid", "outstanding_cents == total_invoiced_cents - total_paid_cents",
                        s -> s.getOutstandingCents() == s.getTotalInvoicedCents() - s.getTotalPaidCents()),
                new Invariant<>("voided_not_more_than_issued", "invoices_voided <= invoices_issued",
                        s -> s.getInvoicesVoided() <= s.getInvoicesIssued()),
                new Invariant<>("invoiced_not_negative", "total_invoiced_cents >= 0", s -> s.getTotalInvoicedCents() >= 0));
    }
}
