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

# ---- trust and reports (README "Notifications and webhooks") ----

# How many days an officer has to appeal a flag, counted from when it was raised; the officer's
# notification names the deadline, and a later appeal is refused (409 APPEAL_TOO_LATE).
# APPEAL_WITHIN_DAYS = 7

# The address people reach this service at, for links in webhook messages (none when unset).
# PUBLIC_BASE_URL = "https://supervise.example.gov.cn"

# Webhook targets: the scheduler sends each event through the outbox (retries with back-off, never
# lost; `supervise outbox list|retry`). kind: json (signed with HMAC-SHA256 when `secret` is set),
# wecom (企业微信 group robot) or dingtalk (钉钉 group robot; with `secret`, the 加签 signed URL).
# events: flags_raised (default), appeal_filed (default), flag_decided. districts: only these
# districts' events (default: all). Keep secrets out of git: this file is git-ignored, or set the
# whole list as JSON in SUPERVISE_WEBHOOKS.
# WEBHOOKS = [
#     {"name": "bureau-system", "kind": "json", "url": "https://intranet.example/hooks/supervise",
#      "secret": "a long random string"},
#     {"name": "daoli-wecom", "kind": "wecom", "districts": ["DL"],
#      "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."},
#     {"name": "city-dingtalk", "kind": "dingtalk", "events": ["appeal_filed"],
#      "url": "https://oapi.dingtalk.com/robot/send?access_token=...", "secret": "SEC..."},
# ]

# A webhook message that failed this many times is kept as dead (not sent again until retried).
# WEBHOOK_MAX_ATTEMPTS = 10
