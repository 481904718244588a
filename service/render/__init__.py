"""Renderings of engine results for people and spreadsheets: CSV/TSV/HTML/.iqy rows
(``spreadsheet``), the CLI's text stack (``text``), a priced CSV file (``pricing_file``)."""
