"""gunicorn settings for supervise: `gunicorn -c deploy/gunicorn.conf.py`.

Threaded workers (gthread): a phone sending a 4 MB selfie over a slow link holds one thread of
one worker, not a whole worker, so /login and everyone else are still answered. gunicorn reads
nothing from a connection until it has data (an idle connection waits in the worker's poller,
not in a thread). For many slow clients at once put nginx in front (deploy/nginx-supervise.conf),
which takes whole uploads before it passes them on.

Every value can be changed by the environment (SUPERVISE_BIND, SUPERVISE_WORKERS, ...) or by
gunicorn's own command-line flags, which win over this file.
"""
import os
import shutil
import tempfile

wsgi_app = "supervise:create_app()"
bind = os.environ.get("SUPERVISE_BIND", "127.0.0.1:8000").split(",")
worker_class = "gthread"
# One process per core does the Python work; the threads wait for uploads, the disk and the database.
workers = int(os.environ.get("SUPERVISE_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("SUPERVISE_THREADS", 32))
# A worker whose main loop is silent this long is killed and replaced (a hung worker, not a slow
# request: a thread waiting for a slow upload does not stop the loop).
timeout = int(os.environ.get("SUPERVISE_WORKER_TIMEOUT", 60))
graceful_timeout = 30            # on HUP/TERM, requests in flight get this long to finish
keepalive = 5                    # phones reuse connections (OsmAnd sends a fix every few seconds)
worker_connections = 1000        # connections a worker keeps open (most of them idle keep-alives)
limit_request_line = 8190
limit_request_fields = 100
# The app writes one JSON access line per request (with its request id); gunicorn's own is off.
accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "supervise.ops.logs.JsonLineFormatter"}},
    "filters": {"request_id": {"()": "supervise.ops.logs.RequestIdFilter"}},
    # Named "supervise": the app's own configure_logging replaces it rather than adding a second one.
    "handlers": {"supervise": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"],
                               "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["supervise"]},
    "loggers": {"gunicorn.error": {"handlers": ["supervise"], "level": "INFO", "propagate": False},
                "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False}},
}

# Prometheus counters of every worker are kept as files in one folder and added up by /metrics.
_METRICS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if not _METRICS_DIR:
    _METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="supervise-metrics-")


def on_starting(server):
    """Start the counters from zero: files left by an earlier run would be added in."""
    shutil.rmtree(_METRICS_DIR, ignore_errors=True)
    os.makedirs(_METRICS_DIR, exist_ok=True)


def child_exit(server, worker):
    """A worker that exited no longer reports live values (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
