"""Plenum: a static site generator for parliamentary debate archives."""

__version__ = "0.1.0"
