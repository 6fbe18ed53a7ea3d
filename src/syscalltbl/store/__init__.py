"""Bytes on disk: atomic writes that keep every previous output on failure, and the content-addressed cache.

The lowest layer: it knows nothing of tables or generators; callers key
cache entries on everything the value depends on.
"""
