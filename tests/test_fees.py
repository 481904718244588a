"""MPF clamps to the fiscal year's minimum and maximum; HMF is vessel-only."""
from datetime import date
from decimal import Decimal

from service.model.fees import fee_amount


def test_mpf_minimum_and_maximum(tables):
    mpf = tables.fees["mpf"]
    # FY2026: 0.3464% of 5,000 = 17.32, below the 33.58 minimum
    assert fee_amount(mpf, Decimal("5000"), date(2026, 1, 15), "vessel").doc["amount"] == "33.58"
    # 0.3464% of 1,000,000 = 3,464.00, above the 651.50 maximum
    out = fee_amount(mpf, Decimal("1000000"), date(2026, 1, 15), "air")
    assert (out.doc["amount"], out.doc["clamped_to"]) == ("651.50", "maximum")
    assert (out.applied, out.amount) == (True, Decimal("651.50"))
    # FY2025 limits the day before FY2026 starts: 0.3464% of 100,000 = 346.40, inside both
    assert fee_amount(mpf, Decimal("100000"), date(2025, 9, 30), "truck").doc["amount"] == "346.40"
    assert fee_amount(mpf, Decimal("1000000"), date(2025, 9, 30), "truck").doc["amount"] == "634.62"


def test_hmf_vessel_only(tables):
    hmf = tables.fees["hmf"]
    # 0.125% of 100,000 = 125.00
    assert fee_amount(hmf, Decimal("100000"), date(2026, 1, 15), "vessel").doc["amount"] == "125.00"
    out = fee_amount(hmf, Decimal("100000"), date(2026, 1, 15), "air")
    assert (out.doc["applied"], out.doc["amount"]) == (False, "0.00")
    assert (out.applied, out.amount) == (False, Decimal("0"))
