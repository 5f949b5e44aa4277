"""Downloader and spider middlewares, one per module."""
