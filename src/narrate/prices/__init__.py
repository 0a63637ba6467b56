"""Price data: a normalized store of daily bars and the trading calendars that frame them."""

from narrate.prices.calendars import (
    CalendarError,
    calendar_name,
    is_session,
    next_session,
    previous_session,
    session_on_or_before,
    sessions_between,
)
from narrate.prices.store import (
    PRICE_COLUMNS,
    FileReport,
    LocalFiles,
    PriceDataError,
    PriceProvider,
    PriceStore,
    YFinanceProvider,
    frame_from_yfinance,
    load_prices,
)

__all__ = [
    "PRICE_COLUMNS",
    "FileReport",
    "LocalFiles",
    "PriceDataError",
    "PriceProvider",
    "PriceStore",
    "YFinanceProvider",
    "CalendarError",
    "calendar_name",
    "next_session",
    "frame_from_yfinance",
    "is_session",
    "load_prices",
    "previous_session",
    "session_on_or_before",
    "sessions_between",
]
