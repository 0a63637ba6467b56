"""narrate: German and English market news -> typed, price-checked move events."""

__version__ = "0.1.0"
