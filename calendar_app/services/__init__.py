"""Domain services: the rules of the system, free of Flask request objects.

Each service takes plain values and ``now``, changes models, flushes, and raises typed errors with
user-facing messages. The request or CLI command that called it commits once.
"""
