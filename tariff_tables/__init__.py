"""Data package: the time-versioned tariff tables (YAML), shipped with the service.

Nothing here is code; ``service.tables.load_tables`` reads this directory
(or the one named by ``TARIFF_TABLES_DIR``).
"""
