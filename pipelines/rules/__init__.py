"""Rules kept as data, apart from the code that applies them (as trafilatura keeps its xpaths.py)."""
