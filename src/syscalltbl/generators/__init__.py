"""Renderers that turn the table model into kernel headers, Python and assembly."""
