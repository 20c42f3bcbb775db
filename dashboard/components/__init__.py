"""Reusable pieces of every page: filter bar, KPI card, chart builders, tables, breadcrumb, notes.

Chart builders (charts.py) are pure functions: rows of plain data in, a plotly Figure out; they
never touch the database, so tests call them with hand-made rows. The other modules return Dash
components. `section.chart_section` is how a page shows one figure with its table and turns any
failure into a German message in its place.
"""
