"""Inference half of newsstance: read articles, extract quotes, score them.

Nothing here imports :mod:`newsstance.training`.
"""
