# supervise instance configuration: copy to instance/config.py and edit.
# Environment variables (SUPERVISE_*) override what is set here; instance/config.py is git-ignored.
# README.md "Configuration" and "Running it for a city" say more about each setting.

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

# A browser session lasts at most this many hours (a working day); logout ends it on the server.
# SESSION_HOURS = 12

# Session cookies only over HTTPS. None = on everywhere except under tests; the demo turns it off
# for its plain-HTTP localhost. Set False only when no TLS is in front (and then fix that).
# COOKIE_SECURE = None

# Failed logins: this many per (username, client address), and per client address over all names,
# within the window, then 429 until the oldest failure leaves the window.
# LOGIN_MAX_FAILURES = 5
# LOGIN_MAX_FAILURES_PER_ADDRESS = 30
# LOGIN_WINDOW_MINUTES = 15

# Redis shares those counts between workers and hosts; None counts in each process.
# REDIS_URL = "redis://127.0.0.1:6379/0"

# Reverse proxies (addresses or networks) whose X-Forwarded-For / -Proto / X-Request-ID are believed.
# Empty: those headers are ignored (a client could otherwise choose its own address).
# TRUSTED_PROXIES = "127.0.0.1"

# Retention (days), applied nightly by the scheduler at PURGE_AT (local time) and by `supervise purge`.
# Evidence of open, appealed or still appealable flags is kept whatever these say.
# RETENTION_PHOTO_DAYS = 180          # photo files of sign-ins and findings (rows and hashes stay)
# RETENTION_POSITION_DAYS = 180       # positions, counted from their arrival
# RETENTION_LOGIN_ATTEMPT_DAYS = 90   # the record of login attempts
# RETENTION_TOKEN_DAYS = 30           # expired or ended bearer tokens and browser sessions
# APPEAL_WINDOW_DAYS = 60             # a confirmed, unappealed flag counts as appealable this long
# PURGE_AT = "03:30"                  # empty: no nightly purge

# Logs: "json" (one object per line, with the request id) or "text".
# LOG_FORMAT = "json"

# Who may read /metrics (addresses or networks).
# METRICS_ALLOW = "127.0.0.0/8,::1"

# Largest track file in bytes, and largest photo in pixels.
# TRACK_MAX_BYTES = 20 * 1024 * 1024
# MAX_PHOTO_PIXELS = 50_000_000

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
