"""What an operator watches: Prometheus metrics (telemetry) and structured logs (logs)."""
