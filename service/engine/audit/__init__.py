"""Audit of past entries: for each line as filed, what was paid, what was owed, and what can be recovered.

* ``inputs``: the audit request as the caller gives it, checked field by field;
* ``compare``: one audited line, heading by heading, against the stack the law assessed;
* ``windows``: liquidation and which refund window is open on the audit date;
* ``run``: the audit (routes, deadlines, interest) over every line;
* ``document``: its JSON document.
"""
