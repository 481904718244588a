"""Tax credits of a storage project bought on a quote (26 U.S.C. 48E) and a domestic maker's 45X credit.

* ``inputs``: the caller's project and credit facts, checked field by field;
* ``rules``: the credit for one assignment of the facts (basis, ratio, domestic content, rate);
* ``position``: a quote's position at the assumptions and the range, as a document;
* ``compare``: the position in a domestic-vs-imported comparison (net cost, break-even on net cost);
* ``maker``: the 45X credit a domestic maker may claim, as context.
"""
