"""Reusable pieces of every page: filter bar, KPI card, chart builders, tables, breadcrumb, notes.

Chart builders (charts.py, budget_charts.py, transition_charts.py) are pure functions: rows of
plain data in, a figure dict (figure.py: what plotly.js draws, built without plotly.py's object
model) out; they never touch the database, so tests call them with hand-made rows. The other
modules return Dash components. A page shows a figure through the registry of sections
(dashboard/sections.py), which also applies the display modes and the print size.
"""
