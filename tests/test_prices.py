"""The price store: every layout in ../shared/data/prices, and small tables of each oddity."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from narrate.prices.store import (
    PRICE_COLUMNS,
    LocalFiles,
    PriceDataError,
    PriceProvider,
    PriceStore,
    YFinanceProvider,
    frame_from_yfinance,
    load_prices,
)

PRICES = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "prices"
FOLDERS = [
    "alitalbi_storage_data_fy",
    "danielkoh_stockmaster",
    "datahub_core",
    "flippe2_blank_app",
    "growwanalysis_nasdaq100",
    "johnvb21_market_simulator",
    "key07211_ai_chips",
]
KNOWN = ["^GSPC", "^IXIC", "^DJI", "^SOX", "^RUT", "^VIX", "NVDA", "BTC-USD"]


def _shared(folder: str = "") -> Path:
    path = PRICES / folder
    if not path.exists():
        pytest.skip(
            f"peer price data not found at {path} (../shared/data is absent in this checkout)"
        )
    return path


def _close(store: PriceStore, symbol: str, day: str) -> float:
    rows = store.frame[(store.frame["symbol"] == symbol) & (store.frame["date"] == day)]
    assert len(rows) == 1, f"{symbol} {day}: {len(rows)} rows"
    return float(rows["close"].iloc[0])


# --- the real files ----------------------------------------------------------------------------


@pytest.mark.shared
@pytest.mark.parametrize("folder", FOLDERS)
def test_each_folder_loads(folder: str) -> None:
    store = load_prices(_shared(folder), known_symbols=KNOWN)
    assert len(store.frame) > 100
    assert list(store.frame.columns) == PRICE_COLUMNS
    assert str(store.frame["date"].dtype) == "datetime64[ns]"
    for col in ("open", "high", "low", "close", "adj_close", "volume"):
        assert store.frame[col].dtype == np.float64
    assert store.frame["close"].notna().all()
    assert not store.frame.duplicated(["symbol", "date"]).any()
    # Problems are warnings about single rows or skipped monthly files, never a whole folder.
    assert all(p.level == "warning" for p in store.problems)
    assert len(store.problems) <= 3, [p.message for p in store.problems]


@pytest.mark.shared
def test_sp500_close_agrees_in_fred_and_yfinance() -> None:
    fred = load_prices(_shared("datahub_core"))
    flippe2 = load_prices(_shared("flippe2_blank_app"))
    assert _close(fred, "^GSPC", "2026-02-11") == pytest.approx(6941.47, abs=0.005)
    assert _close(flippe2, "^GSPC", "2026-02-11") == pytest.approx(6941.47, abs=0.005)
    # FRED's blank holiday rows are not bars (Presidents' Day 2026).
    assert fred.bars("^GSPC")["date"].eq("2026-02-16").sum() == 0
    report = next(r for r in fred.reports if r.source.endswith("sp500_daily_close_fred.csv"))
    assert report.blank_rows > 50


@pytest.mark.shared
def test_monthly_series_are_skipped_with_a_notice() -> None:
    store = load_prices(_shared("datahub_core"))
    skipped = [p for p in store.problems if "monthly series" in p.message]
    assert {Path(p.source).name for p in skipped} == {
        "gold_monthly_usd.csv",
        "sp500_monthly_shiller.csv",
    }
    assert store.symbols() == ["^GSPC"]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("folder", "close"),
    [
        ("growwanalysis_nasdaq100", 129.93),
        # key07211 saved yfinance's auto-adjusted close, rounded: the dividend-adjusted 129.8994.
        ("key07211_ai_chips", 129.90),
    ],
)
def test_nvda_close(folder: str, close: float) -> None:
    store = load_prices(_shared(folder))
    assert _close(store, "NVDA", "2025-05-13") == pytest.approx(close, abs=0.005)


@pytest.mark.shared
def test_growwanalysis_symbol_column() -> None:
    store = load_prices(_shared("growwanalysis_nasdaq100"))
    assert store.symbols() == ["AMD", "AMZN", "GOOGL", "META", "MSFT", "NVDA", "PLTR"]
    assert store.frame["adj_close"].notna().all()


@pytest.mark.shared
@pytest.mark.parametrize("folder", ["flippe2_blank_app", "key07211_ai_chips"])
def test_ixic_maps_to_caret_symbol(folder: str) -> None:
    store = load_prices(_shared(folder), known_symbols=["^IXIC"])
    assert "^IXIC" in store.symbols()
    assert "IXIC" not in store.symbols()
    assert (
        len(store.frame[(store.frame["symbol"] == "^IXIC") & (store.frame["date"] == "2026-02-03")])
        == 1
    )


@pytest.mark.shared
def test_file_name_without_caret_stays_as_is_when_unknown() -> None:
    store = load_prices(_shared("key07211_ai_chips"))
    assert "IXIC" in store.symbols()


@pytest.mark.shared
def test_danielkoh_dates_are_local_calendar_days() -> None:
    store = load_prices(_shared("danielkoh_stockmaster"))
    btc = store.bars("BTC-USD")
    assert btc["date"].iloc[0] == pd.Timestamp("2018-01-01")
    assert (btc["date"] == btc["date"].dt.normalize()).all()
    assert btc["date"].dt.tz is None
    # Crypto trades daily: consecutive calendar days, no shift and no gap from a zone conversion.
    assert (btc["date"].diff().dropna() == pd.Timedelta(days=1)).all()
    # Gold is stamped 00:00-05:00 (New York): still the same date, not 05:00 UTC.
    assert store.bars("GC=F")["date"].iloc[0] == pd.Timestamp("2018-01-02")


@pytest.mark.shared
@pytest.mark.parametrize("symbol", ["GC=F", "SI=F"])
def test_metal_futures_early_february_2026(symbol: str) -> None:
    store = load_prices(_shared("flippe2_blank_app"))
    days = store.bars(symbol)["date"]
    for day in ("2026-02-02", "2026-02-03", "2026-02-04"):
        assert (days == day).any(), f"{symbol} {day}"
    assert days.max() == pd.Timestamp("2026-03-06")


@pytest.mark.shared
def test_negative_oil_price_is_kept() -> None:
    store = load_prices(_shared("alitalbi_storage_data_fy"))
    assert _close(store, "CL=F", "2020-04-20") == pytest.approx(-37.63, abs=0.005)


@pytest.mark.shared
def test_whole_tree_loads_fast_and_deduplicates() -> None:
    root = _shared()
    start = time.perf_counter()
    store = load_prices(root, known_symbols=KNOWN)
    elapsed = time.perf_counter() - start
    assert elapsed < 15, f"loading {root} took {elapsed:.1f}s"
    assert store.duplicates > 0
    assert not store.frame.duplicated(["symbol", "date"]).any()
    # ^GSPC on 2026-02-11 is in FRED (close only) and flippe2/key07211 (full bars): a full bar wins.
    row = store.frame[(store.frame["symbol"] == "^GSPC") & (store.frame["date"] == "2026-02-11")]
    assert len(row) == 1 and row["open"].notna().all()
    assert "datahub_core" not in row["source"].iloc[0]


# --- small tables of each layout ----------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_yfinance_three_header_rows(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "x.csv",
        "Price,Close,High,Low,Open,Volume\n"
        "Ticker,^GSPC,^GSPC,^GSPC,^GSPC,^GSPC\n"
        "Date,,,,,\n"
        "2026-02-10,6941.81,6970.0,6930.0,6960.0,100\n"
        "2026-02-11,6941.47,6950.0,6900.0,6940.0,200\n",
    )
    store = load_prices(tmp_path)
    assert store.symbols() == ["^GSPC"]
    assert store.bars("^GSPC")["close"].tolist() == [6941.81, 6941.47]
    assert store.bars("^GSPC")["adj_close"].isna().all()  # no Adj Close column: not made up
    assert store.problems == []


def test_yfinance_several_tickers_in_one_file(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "multi.csv",
        "Price,Close,Close,Open,Open\nTicker,AAA,BBB,AAA,BBB\nDate,,,,\n2026-02-10,10,20,9,19\n",
    )
    store = load_prices(tmp_path)
    assert store.symbols() == ["AAA", "BBB"]
    assert _close(store, "BBB", "2026-02-10") == 20.0
    assert store.bars("BBB")["open"].tolist() == [19.0]


def test_us_thousands_separators_and_investing_layout(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "BTC_USD_investingcom.csv",
        '\ufeff"Date","Price","Open","High","Low","Vol.","Change %"\n'
        '"02/01/2023","23,723.0","23,135.0","23,802.0","22,800.0","2.13K","2.54%"\n'
        '"01/31/2023","23,135.0","22,837.0","23,286.0","22,730.0","-","1.30%"\n',
    )
    store = load_prices(tmp_path, known_symbols=["BTC-USD"])
    assert store.symbols() == ["BTC-USD"]
    bars = store.bars("BTC-USD")
    assert bars["date"].tolist() == [pd.Timestamp("2023-01-31"), pd.Timestamp("2023-02-01")]
    assert bars["close"].tolist() == [23135.0, 23723.0]
    assert bars["volume"].iloc[1] == pytest.approx(2130.0)
    assert np.isnan(bars["volume"].iloc[0])
    assert store.problems == []


def test_real_investing_files() -> None:
    folder = PRICES.parent / "text" / "finentity"
    if not folder.exists():
        pytest.skip(f"peer data not found at {folder}")
    store = load_prices(folder, known_symbols=["BTC-USD", "ETH-USD"])
    assert "BTC-USD" in store.symbols() and "ETH-USD" in store.symbols()
    assert _close(store, "BTC-USD", "2023-02-01") == 23723.0


def test_decimal_comma_semicolon_file(tmp_path: Path) -> None:
    _write(tmp_path, "SAP.DE.csv", "Datum;Schluss\n03.02.2026;1.234,50\n04.02.2026;1.240,00\n")
    # "Datum"/"Schluss" are not known headers: a file we cannot map is reported, not guessed.
    store = load_prices(tmp_path)
    assert store.frame.empty and "no date column" in store.problems[0].message
    _write(tmp_path, "SAP.DE.csv", "Date;Close\n03.02.2026;1.234,50\n04.02.2026;1.240,00\n")
    store = load_prices(tmp_path)
    assert store.bars("SAP.DE")["close"].tolist() == [1234.5, 1240.0]


def test_blank_holiday_row_is_not_a_bar_nor_a_problem(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "fred.csv",
        "observation_date,SP500\n2026-02-13,6836.17\n2026-02-16,\n2026-02-17,6843.22\n",
    )
    store = load_prices(tmp_path)
    assert store.symbols() == ["^GSPC"]  # FRED series id SP500
    assert len(store.frame) == 2
    assert store.frame["open"].isna().all()
    assert store.problems == []
    assert store.reports[0].blank_rows == 1


def test_duplicates_within_and_across_files(tmp_path: Path) -> None:
    _write(tmp_path, "a/XYZ.csv", "Date,Close\n2026-02-02,10\n2026-02-03,11\n2026-02-03,12\n")
    _write(tmp_path, "b/XYZ.csv", "Date,Open,High,Low,Close\n2026-02-03,11,13,10,12.5\n")
    _write(tmp_path, "c/XYZ.csv", "Date,Close\n2026-02-02,99\n")
    store = load_prices(tmp_path)
    bars = store.bars("XYZ")
    assert bars["close"].tolist() == [10.0, 12.5]  # full bar beats close-only; else first file
    assert bars["source"].iloc[0].endswith("a/XYZ.csv")
    assert store.reports[0].duplicate_rows == 1  # within a/XYZ.csv the last row was kept
    assert store.duplicates == 2


def test_malformed_rows_are_reported_and_skipped(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "BAD.csv",
        "Date,Open,High,Low,Close,Volume\n"
        "2026-02-02,10,11,9,10.5,100\n"
        "not-a-date,10,11,9,10.5,100\n"
        "2026-02-04,10,11,9,abc,100\n"
        "2026-02-05,10,9,11,10,100\n"
        "2026-02-06,10,11,9,-3,100\n"
        "2026-02-09,10,11,9,10.5,100,extra\n"
        "\n"
        "2026-02-10,10,11,9,10.7,lots\n",
    )
    store = load_prices(tmp_path)
    bars = store.bars("BAD")
    assert bars["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-02-02", "2026-02-10"]
    assert np.isnan(bars["volume"].iloc[1])  # a bad volume costs the volume, not the bar
    messages = [p.message for p in store.problems]
    assert all(p.level == "warning" and p.code == "unreadable" for p in store.problems)
    assert any("line 3" in m and "unparseable date" in m and "not-a-date" in m for m in messages)
    assert any("line 4" in m and "unparseable close" in m for m in messages)
    assert any("line 5" in m and "high < low" in m for m in messages)
    assert any("line 6" in m and "negative price" in m for m in messages)
    assert any("line 7" in m and "expected 6 fields" in m for m in messages)
    assert all("BAD.csv" in m for m in messages)
    assert store.reports[0].bad_rows == 5


def test_many_bad_rows_are_summarized(tmp_path: Path) -> None:
    rows = "".join(f"bad{i},1\n" for i in range(100))
    _write(tmp_path, "M.csv", "Date,Close\n2026-02-02,1\n" + rows)
    store = load_prices(tmp_path)
    assert len(store.frame) == 1
    assert len(store.problems) == 21
    assert "80 more malformed rows" in store.problems[-1].message


def test_file_that_is_not_csv(tmp_path: Path) -> None:
    (tmp_path / "junk.parquet").write_bytes(b"\x00\x01this is not parquet")
    (tmp_path / "blob.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    _write(tmp_path, "prose.csv", "Dear reader,\nthis is a letter, not a table.\n")
    _write(tmp_path, "ok.csv", "Date,Close\n2026-02-02,1\n")
    store = load_prices(tmp_path)
    assert store.symbols() == ["ok"]
    bad = {Path(p.source).name: p for p in store.problems}
    assert set(bad) == {"junk.parquet", "blob.csv", "prose.csv"}
    assert all(p.code == "unreadable" and p.level == "warning" for p in bad.values())
    assert "binary" in bad["blob.csv"].message
    assert "no date column" in bad["prose.csv"].message


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    store = load_prices(tmp_path / "nope")
    assert store.frame.empty and store.problems[0].code == "not_found"
    assert list(store.frame.columns) == PRICE_COLUMNS


def test_time_zone_dates_keep_the_local_day(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "N225.csv",
        "Date,Open,High,Low,Close,Adj Close,Volume,Dividends,Stock Splits\n"
        "2026-02-02 00:00:00+09:00,1,2,0.5,1.5,1.5,10,0,0\n"  # Tokyo: 2026-02-01 15:00 UTC
        "2026-02-03 00:00:00-05:00,1,2,0.5,1.6,1.6,10,0,0\n"
        "2026-02-04T00:00:00Z,1,2,0.5,1.7,1.7,10,0,0\n",
    )
    store = load_prices(tmp_path)
    assert store.bars("N225")["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-02-02",
        "2026-02-03",
        "2026-02-04",
    ]


def test_parquet_file(tmp_path: Path) -> None:
    index = pd.DatetimeIndex(["2026-02-02", "2026-02-03"], name="Date").tz_localize(
        "America/New_York"
    )
    df = pd.DataFrame(
        {
            "Open": [1.0, 2.0],
            "High": [2.0, 3.0],
            "Low": [0.5, 1.5],
            "Close": [1.5, 2.5],
            "Volume": [10, 20],
        },
        index=index,
    )
    df.to_parquet(tmp_path / "PQ.parquet")
    store = load_prices(tmp_path)
    bars = store.bars("PQ")
    assert bars["date"].tolist() == [pd.Timestamp("2026-02-02"), pd.Timestamp("2026-02-03")]
    assert bars["close"].tolist() == [1.5, 2.5]


def test_parquet_from_yfinance_multiindex(tmp_path: Path) -> None:
    columns = pd.MultiIndex.from_product(
        [["Close", "Open"], ["AAA", "BBB"]], names=["Price", "Ticker"]
    )
    df = pd.DataFrame(
        [[1.0, 2.0, 0.9, 1.9], [1.1, 2.1, 1.0, 2.0]],
        columns=columns,
        index=pd.DatetimeIndex(["2026-02-02", "2026-02-03"], name="Date"),
    )
    df.to_parquet(tmp_path / "yf.parquet")
    store = load_prices(tmp_path)
    assert store.symbols() == ["AAA", "BBB"]
    assert _close(store, "BBB", "2026-02-03") == 2.1
    normalized = frame_from_yfinance(df)
    assert list(normalized.columns) == PRICE_COLUMNS and len(normalized) == 4


def test_symbol_from_column_overrides_file_name(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "mixed.csv",
        "Date,Symbol,Close\n2026-02-02,AAA,1\n2026-02-02,BBB,2\n2026-02-03,AAA,1.5\n",
    )
    store = load_prices(tmp_path)
    assert store.symbols() == ["AAA", "BBB"]
    assert len(store.bars("AAA")) == 2


def test_caret_resolution_from_file_name(tmp_path: Path) -> None:
    _write(tmp_path, "GSPC.csv", "Date,Close\n2026-02-02,1\n")
    assert load_prices(tmp_path, known_symbols=["^GSPC"]).symbols() == ["^GSPC"]
    assert load_prices(tmp_path).symbols() == ["GSPC"]
    # The plain name wins when both are known (GSPC could be a ticker of its own).
    assert load_prices(tmp_path, known_symbols=["GSPC", "^GSPC"]).symbols() == ["GSPC"]


def test_single_file_path(tmp_path: Path) -> None:
    path = _write(tmp_path, "ONE.csv", "Date,Close\n2026-02-02,1\n")
    _write(tmp_path, "TWO.csv", "Date,Close\n2026-02-02,1\n")
    assert load_prices(path).symbols() == ["ONE"]


def test_load_is_deterministic(tmp_path: Path) -> None:
    _write(tmp_path, "b/X.csv", "Date,Close\n2026-02-02,2\n")
    _write(tmp_path, "a/X.csv", "Date,Close\n2026-02-02,1\n")
    first = load_prices(tmp_path).frame
    assert first["close"].tolist() == [1.0]
    pd.testing.assert_frame_equal(first, load_prices(tmp_path).frame)


# --- the store and providers --------------------------------------------------------------------


def test_from_frame_normalizes() -> None:
    store = PriceStore.from_frame(
        pd.DataFrame(
            {
                "symbol": ["A", "A"],
                "date": [dt.date(2026, 2, 3), dt.date(2026, 2, 2)],
                "close": [2, 1],
            }
        )
    )
    assert list(store.frame.columns) == PRICE_COLUMNS
    assert store.bars("A")["close"].tolist() == [1.0, 2.0]
    assert store.frame["open"].isna().all()
    assert store.bars("nope").empty


@pytest.mark.parametrize(
    ("frame", "fragment"),
    [
        (pd.DataFrame({"symbol": ["A"], "close": [1.0]}), "lacks column"),
        (pd.DataFrame({"symbol": ["A"], "date": ["soon"], "close": [1.0]}), "not a date"),
        (pd.DataFrame({"symbol": ["A"], "date": ["2026-02-02"], "close": ["x"]}), "non-numeric"),
    ],
)
def test_from_frame_rejects_bad_frames(frame: pd.DataFrame, fragment: str) -> None:
    with pytest.raises(PriceDataError, match=fragment):
        PriceStore.from_frame(frame)


def test_local_files_provider(tmp_path: Path) -> None:
    _write(tmp_path, "X.csv", "Date,Close\n2026-02-02,1\n2026-02-03,2\n2026-02-04,3\n")
    provider = LocalFiles(tmp_path)
    assert isinstance(provider, PriceProvider)
    got = provider.history(["X"], dt.date(2026, 2, 3), dt.date(2026, 2, 4))
    assert got["close"].tolist() == [2.0, 3.0]
    assert list(got.columns) == PRICE_COLUMNS


def test_yfinance_provider_without_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "yfinance", None)  # import fails as if not installed
    provider = YFinanceProvider()
    assert isinstance(provider, PriceProvider)
    with pytest.raises(ImportError, match="pip install yfinance"):
        provider.history(["^GSPC"], dt.date(2026, 2, 2), dt.date(2026, 2, 3))
