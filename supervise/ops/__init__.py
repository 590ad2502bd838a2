"""Running the service for a city: client addresses behind a proxy, login limits, security
headers, request ids and JSON logs, metrics, health and readiness."""
