"""Everything that touches the KIM database. Nothing here imports Dash."""
