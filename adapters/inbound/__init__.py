"""Inbound webhooks: alerts from monitoring (Alertmanager, generic JSON) into the core."""
