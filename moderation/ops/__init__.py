"""Operations: events and webhooks, background jobs, retention, metrics and logs, tokens.

events.py is the one place a status change is announced (metrics, webhook
outbox). The lowest service layer: intake/, review/ and registry/ call it.
"""
