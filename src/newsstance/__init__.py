"""newsstance: who is quoted in the news, and where they stand.

The public API is re-exported here lazily, so ``import newsstance`` stays cheap:

- :func:`extract_quotes` and :class:`Quote` (quote and speaker extraction);
- :class:`NewsAnalyzer` (quotes with stance and sentiment, and the article's tone).
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("newsstance")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

_EXPORTS = {
    "Quote": "newsstance.inference.quote",
    "extract_quotes": "newsstance.inference.extraction",
    "QuoteExtractor": "newsstance.inference.extraction",
    "NewsAnalyzer": "newsstance.inference.analyzer",
}

__all__ = ["NewsAnalyzer", "Quote", "QuoteExtractor", "__version__", "extract_quotes"]

if TYPE_CHECKING:  # pragma: no cover
    from newsstance.inference.analyzer import NewsAnalyzer
    from newsstance.inference.extraction import QuoteExtractor, extract_quotes
    from newsstance.inference.quote import Quote


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'newsstance' has no attribute {name!r}")
