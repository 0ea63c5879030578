"""The statement a close before revision 0004 kept as JSON in ``payee_results.statement``:
tests write ledgers in that form to show they still read back exactly as closed
(``views.document.read_kept``). No close writes it any more."""
import json

from ledger.records import PayeeRecord
from rules_dsl.figures import rate_text
from views.document import figure_text, payee_document


def context_document(record: PayeeRecord) -> dict:
    """What a close keeps beside the document: measures, tier boundaries, target
    incentive."""
    context, currency = record.context, record.currency
    return {"name": context.name, "target_incentive": context.target_incentive,
            "period_target_incentive": context.period_target_incentive,
            "measures": [{
                "measure": m.measure, "type": m.type,
                "value": figure_text(m.value, currency), "quota": figure_text(m.quota, currency),
                "attainment": rate_text(m.attainment) if m.attainment is not None else None,
                "boundaries": [{"component": b.component,
                                "from": figure_text(b.start, currency), "basis": b.basis}
                               for b in m.boundaries]} for m in context.measures]}


def kept_statement(record: PayeeRecord, lines: list[dict]) -> str:
    """The text closes from revision 0003 to 0004 kept in ``payee_results.statement``
    (``views.document.read_kept`` reads it back)."""
    return json.dumps({"document": payee_document(record, lines),
                       "context": context_document(record)})
