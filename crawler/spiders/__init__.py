"""Spiders find pages; pipelines turn them into records."""
