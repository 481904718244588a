"""One reader per kind of table file; each declares the keys its mappings may hold.

Every reader module names its mappings' keys as module-level
:class:`~service.tables.fields.Keys` constants (``MEASURE``, ``SCOPE``,
``DUTY_VALUE``, ...).  The JSON Schemas in ``tariff_tables/schema/`` are
tested against those constants (``tests/test_table_schema.py``), so an
editor's completion and the loader cannot disagree.
"""
