"""The views of a period: statements for reps, the payroll file, KPIs, explanations, what-if.

What flows in: a period's payee documents (the JSON of `icm calc`) with their context, from
the close that recorded them or computed now for an open period (``source.py``). What flows
out: text, HTML, Markdown, PDF, CSV and JSON. Nothing here computes pay or writes the ledger.
"""
