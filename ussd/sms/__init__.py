"""Outbound SMS: receipts and other messages, sent from an outbox table by Celery tasks.

A separate Django app (label `sms`) inside the phone channels' package; see `services.py`.
"""
