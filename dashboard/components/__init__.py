"""Reusable pieces of every page: filter bar, KPI card, chart builders, tables, breadcrumb, notes.

Chart builders (charts.py, budget_charts.py, transition_charts.py) are pure functions: rows of
plain data in, a figure dict (figure.py: what plotly.js draws, built without plotly.py's object
model) out; they never touch the database, so tests call them with hand-made rows. The other
modules return Dash components. `section.chart_section` is how a page shows one figure with its
table and turns any failure into a German message in its place.
"""
