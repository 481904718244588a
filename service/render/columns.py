"""The column list of every tabular resource (documented in ``openapi.yaml`` as ``x-columns``, append-only).

Each column has a kind: text (neutralised against formulas), code (HTS number or
chapter 99 heading, dotted), number, date.  ``service.render.spreadsheet`` renders
rows under these columns; the list is kept apart so the renderer reads as steps.
"""
from __future__ import annotations

from dataclasses import dataclass

# Column kinds: text (neutralised), code (HTS/heading), number, date.
TEXT, CODE, NUMBER, DATE = "text", "code", "number", "date"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str


def _cols(spec: str) -> tuple[Column, ...]:
    """``"name:kind name:kind"`` to a column tuple (kind defaults to text)."""
    out = []
    for item in spec.split():
        name, _, kind = item.partition(":")
        out.append(Column(name, kind or TEXT))
    return tuple(out)


_DUTY = ("row_type hts:code origin entry_date:date program heading:code rate:number value_base "
         "base_amount:number duty:number currency confidence measure_id citation note "
         # appended (issue 11): the quote's own figures and notes, on its first row only
         "customs_value:number total_duty:number effective_rate:number not_applied assumptions warnings")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "duty": _cols(_DUTY),
    "duty_batch": _cols("line:number status:number " + _DUTY + " error_code error_field error"),
    "timeline": _cols("from:date to:date hts:code origin customs_value:number total_duty:number "
                      "effective_rate:number currency layers assumptions warnings"),
    "measures": _cols("measure_id program kind title heading:code from:date to:date rate:number all_in:number "
                      "value_base hts_scope origins condition confidence citation url"),
    "hts": _cols("hts:code description unit from:date to:date general special citation confidence"),
    "health": _cols("status tables_version as_of:date coverage_from:date "
                    # appended (issue 13): the tables' age and the staleness limit
                    "age_days:number stale max_table_age_days:number"),
    "landed_cost": _cols("row_type line id description hts:code origin quantity:number unit incoterm currency "
                         "price:number fx_units_per_usd:number price_usd:number dutiable_value:number duty:number "
                         "effective_rate:number international_freight:number insurance:number brokerage:number "
                         "inland_freight:number other:number fees:number landed_cost:number per_unit:number "
                         "energy_kwh:number per_kwh:number "
                         "total_duty:number total_fees:number total_landed_cost:number "
                         "total_effective_rate:number total_per_unit:number total_per_kwh:number "
                         "fee_notes assumptions warnings"),
    "compare": _cols("quote kind origins landed_cost:number dutiable_value:number duty:number duty_share:number "
                     "fees:number per_unit:number energy_kwh:number per_kwh:number difference_vs_domestic:number "
                     "break_even_additional_rate:number duty_by_program cheaper best assumptions "
                     "warnings "  # appended (issue 13)
                     "credit:number credit_rate:number macr:number macr_passes domestic_content "
                     "net_cost:number net_per_kwh:number net_difference_vs_domestic:number "
                     "break_even_additional_rate_net:number credit_low:number credit_high:number best_net "
                     "duty_low:number duty_high:number"),
                     # appended (issue 15: the credit position, with a project)
    "schedule": _cols("shipment:number name entry_date:date export_date:date line id hts:code origin "
                      "dutiable_value:number duty:number effective_rate:number landed_cost:number headings "
                      "total_duty:number total_fees:number total_landed_cost:number total_effective_rate:number "
                      "changes assumptions warnings"),
    "templates": _cols("template title line description hts:code unit quantity:number energy_kwh_per_unit:number "
                       "steel_content_share:number aluminum_content_share:number copper_content_share:number "
                       "us_content_share:number aam_content_share:number"),
    "error": _cols("status:number code message field detail hint tables_version "
                   "as_of:date age_days:number"),  # appended (issue 13)
    # Issue 14: one row per audited line and heading (service.render.audit_rows).
    "audit": _cols("row_type line:number entry_number line_number:number hts:code origin entry_date:date "
                   "deposit_date:date liquidation_status liquidation_date:date liquidation_assumed heading:code "
                   "program measure_id treatment legal_state paid:number assessed:number owed:number "
                   "refundable:number closed:number contested:number contingent:number underpaid:number "
                   "unmatched:number interest:number currency "
                   "refund_route refund_status refund_closes:date contingent_route contingent_closes:date "
                   "underpaid_route underpaid_closes:date citation confidence reasons "
                   "customs_value:number effective_rate:number line_assumptions line_warnings "
                   "total_paid:number total_owed:number total_refundable:number total_closed:number "
                   "total_contested:number total_contingent:number "
                   "total_underpaid:number total_unmatched:number total_interest:number audit_date:date "
                   "interest_to:date assumptions warnings source_rows status error"),
}

# Appended (issue 13) to every form without them: the tables' stamp, on the first row only
# (service.render.freshness.stamp_first_row).
STAMP_COLUMNS = _cols("tables_version as_of:date age_days:number")
COLUMNS.update({name: columns + STAMP_COLUMNS for name, columns in COLUMNS.items()
                if "tables_version" not in {c.name for c in columns}})
