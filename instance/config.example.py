# supervise instance configuration: copy to instance/config.py and edit.
# Environment variables (SUPERVISE_*) override what is set here; instance/config.py is git-ignored.

# The database. Default: SQLite in this folder. For PostgreSQL (psycopg 3 driver):
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://supervise@db-host:5432/supervise"

# Where selfies and inspection photos are kept (shared storage when several web hosts run).
# STORAGE_DIR = "/srv/supervise/storage"

# A long random secret for sessions and CSRF tokens, e.g. python -c "import secrets; print(secrets.token_hex(32))"
# SECRET_KEY = "..."

# Bearer tokens live this many hours.
# TOKEN_TTL_HOURS = 12

# Largest upload (photos, track files), in MB; larger ones are answered 413.
# MAX_UPLOAD_MB = 25

# Login rate limit: this many failures for one username within the window locks it for the window.
# LOGIN_MAX_FAILURES = 5
# LOGIN_WINDOW_MINUTES = 15
