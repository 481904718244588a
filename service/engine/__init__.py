"""The engine: one line's duty stack, one entry's landed cost, and the analyses built on them.

``line_input`` checks a caller's line; ``stacking`` decides which measures
apply; ``valuation`` gives their value bases and filing lines; ``quote``
composes the stack (with bounded caches); ``entry`` and ``landed_cost`` price
a whole entry; ``timeline``, ``compare``, ``schedule`` and ``compile`` (the
sweep ``tariff-stack check`` runs) are analyses over quotes.  Imports tables and model.
"""
