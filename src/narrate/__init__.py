"""narrate: German and English market news -> typed, price-checked move events.

>>> import narrate, datetime
>>> events = narrate.extract("Am Dienstag fiel der Nasdaq Composite um 1,4 %.",
...                          published=datetime.date(2026, 2, 4))
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from narrate.records import Event

__all__ = ["__version__", "extract"]


def extract(
    text: str,
    *,
    lang: str | None = None,
    published: _dt.date | None = None,
    source: str = "<text>",
) -> list[Event]:
    """Extract move events from one article.

    Args:
        text: the article text (title lines and date lines included, as published).
        lang: "de" or "en"; None detects the language.
        published: publication date; relative dates ("am Dienstag") resolve against it. None
            looks for a date line in the text.
        source: a name for the text, carried into every event.

    Raises:
        ValueError: the language is not supported, or the text is empty.
    """
    from narrate.ingest import article_from_text
    from narrate.pipeline import Settings, process

    if not text.strip():
        raise ValueError("text is empty")
    article = article_from_text(text, source, published=published)
    result = process(article, Settings(lang=lang or "auto"))
    if result.problems and not result.events:
        raise ValueError(result.problems[0].message)
    return result.events
