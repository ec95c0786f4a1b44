"""Running the publisher: the gunicorn application, its worker, reloading without downtime."""
