"""What `flask --app app` and gunicorn (`gunicorn app:app`) load."""

from community import create_app

app = create_app()
