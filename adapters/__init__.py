"""Front ends: Slack, Microsoft Teams and inbound webhooks. Each converts platform
payloads into calls on the core (``bot``) and renders what it returns."""
