"""Reusable dashboard widgets."""
