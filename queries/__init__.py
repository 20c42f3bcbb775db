"""Everything that touches the KIM database. Nothing here imports Dash."""

# The Book of everything a filter publishes, which disclosure control protects
# (queries/disclosure.py); importing it registers it there.
from . import published  # noqa: E402, F401
