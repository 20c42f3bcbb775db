"""Entry point: the KIM-Cockpit app for gunicorn (`gunicorn app:server`) and `python app.py`.

Settings come from the environment: KIM_DATABASE_URL, KIM_MIN_CELL, KIM_CACHE (use a redis://
URL when gunicorn runs several workers, so they share one cache), KIM_KREIS_NAME.
"""

from dashboard.app_factory import create_app

app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
