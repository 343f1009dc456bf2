"""How the core runs inside a server: the worker pools (workers), readiness and the data-folder lock
(health), Prometheus metrics (telemetry) and structured logs (logs)."""
