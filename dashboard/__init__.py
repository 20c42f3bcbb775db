"""Everything the browser sees. `create_app` is the app factory (dashboard/app_factory.py)."""
