"""The views of a period: statements for reps, the payroll file, KPIs, explanations, what-if.

What flows in: a period's payee documents (the JSON of `icm calc`) with their context, from
the close that recorded them or computed now for an open period (``source.py``), and small
records read through ``ledger`` functions (payee rows, a deal's credits, FX rates). What flows
out: text, HTML, Markdown, PDF, CSV and JSON. No SQL here: a draft or a what-if asks
``engine.calculate``; only ``demo.py`` writes the ledger, through ``ledger`` and
``engine.closing`` as the CLI would. Never imports the CLI (``tests/test_import_flow.py``).
"""
