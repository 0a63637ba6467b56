"""Reading inputs: seeds, bad files answered with Problems, legacy encodings, stdin."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import sys
from pathlib import Path

import pytest

from narrate.ingest import article_from_text, read_inputs, read_text_file
from narrate.records import Article, Problem

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_000 = SEEDS / "000_22a5b5a2a56595fc.txt"
SEED_001 = SEEDS / "001_90faa6efabfe62d9.txt"

# Characters that differ between UTF-8, cp1252 and latin-1: umlauts, ß, the euro sign, and
# cp1252's typographic quotes and dash.
GERMAN_CP1252 = (
    "Börse Frankfurt: Dax schließt fester\n\n"
    "Die Aktie der Müller AG stieg um 3,5 % auf 45,20 € – „ein guter Tag“, sagte ein Händler.\n"
)
GERMAN_LATIN1 = (
    "Ölpreis über 80 Dollar\n\nDie Börse in München schließt fester; Größter Gewinner ist Bäcker.\n"
)
GERMAN_LATIN9 = "Gold steigt\n\nDie Feinunze kostet 2.100 € nach einem Plus von 1,1 %.\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _one_error(path: Path | str) -> Problem:
    article, problems = read_text_file(path)
    assert article is None
    assert len(problems) == 1
    (problem,) = problems
    assert problem.level == "error"
    assert problem.source == str(path)
    assert str(path) in problem.message
    assert "\n" not in problem.message
    return problem


# --- the seed articles ----------------------------------------------------------------------


def test_seed_000_has_title_and_date_from_text() -> None:
    article, problems = read_text_file(SEED_000)
    assert problems == []
    assert article is not None
    text = SEED_000.read_text(encoding="utf-8")
    assert article.text == text
    assert article.id == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert article.source == str(SEED_000)
    assert (
        article.title == "Was der Tech-Ausverkauf für die nächste Bewegung bei US-Indizes bedeutet"
    )
    assert article.published == dt.date(2026, 2, 4)
    assert article.published_from == "text"
    assert article.encoding == "utf-8"


def test_seed_001_has_no_title_and_no_date() -> None:
    article, problems = read_text_file(SEED_001)
    assert problems == []
    assert article is not None
    assert article.title is None  # the first line is a long paragraph ending in a period
    assert article.published is None
    assert article.published_from is None


def test_published_argument_overrides_the_date_line(tmp_path: Path) -> None:
    article, _ = read_text_file(SEED_000, published=dt.date(2026, 2, 5))
    assert article is not None
    assert article.published == dt.date(2026, 2, 5)
    assert article.published_from == "argument"
    assert article.published_time is None


def test_published_argument_is_used_when_the_text_has_no_date() -> None:
    article, _ = read_text_file(SEED_001, published=dt.date(2026, 2, 6))
    assert article is not None
    assert (article.published, article.published_from) == (dt.date(2026, 2, 6), "argument")


# --- bad files --------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    problem = _one_error(path)
    assert problem.code == "not_found"
    assert problem.message == f"no such file: {path}"


def test_directory(tmp_path: Path) -> None:
    problem = _one_error(tmp_path)
    assert problem.code == "unreadable"
    assert problem.message == f"{tmp_path} is a directory; batch mode reads directories"


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "secret.txt", b"Dax steigt")

    # chmod 000 does not stop root (and CI often runs as root), so the refusal is simulated.
    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    problem = _one_error(path)
    assert problem.code == "unreadable"
    assert problem.message == f"{path}: permission denied"


def test_empty_file(tmp_path: Path) -> None:
    problem = _one_error(_write(tmp_path, "empty.txt", b""))
    assert problem.code == "empty"
    assert problem.message.endswith("is empty")


@pytest.mark.parametrize("data", [b"  \n\t\r\n  \n", b"\xef\xbb\xbf\n \n", "\u00a0 \n".encode()])
def test_whitespace_only_file(tmp_path: Path, data: bytes) -> None:
    problem = _one_error(_write(tmp_path, "blank.txt", data))
    assert problem.code == "empty"


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "PNG image"),
        (gzip.compress("Dax schließt im Plus\n".encode() * 20), "gzip archive"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document"),
        (b"Dax\x00steigt" * 10, "NUL bytes"),
        (bytes(range(1, 9)) * 40 + b"some text", "control characters"),
    ],
)
def test_binary_file(tmp_path: Path, data: bytes, named: str) -> None:
    problem = _one_error(_write(tmp_path, "file.bin", data))
    assert problem.code == "binary"
    assert named in problem.message


# --- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "recorded"),
    [
        (GERMAN_CP1252, "cp1252", "cp1252"),
        (GERMAN_LATIN1, "latin-1", "cp1252"),  # identical to cp1252 for every letter
        (GERMAN_LATIN9, "iso8859-15", "iso8859-15"),  # the euro sign sits at 0xA4
    ],
)
def test_legacy_encoding_is_decoded_with_a_warning(
    tmp_path: Path, text: str, encoding: str, recorded: str
) -> None:
    path = _write(tmp_path, "legacy.txt", text.encode(encoding))
    article, problems = read_text_file(path)
    assert article is not None
    assert article.text == text
    assert article.encoding == recorded
    assert article.title == text.split("\n")[0]
    (warning,) = problems
    assert warning.level == "warning"
    assert warning.code == "decoded_fallback"
    assert warning.message == f"{path} is not UTF-8; decoded as {recorded}"
    assert warning.article_id == article.id


def test_damaged_utf8_stays_utf8(tmp_path: Path) -> None:
    # One cut multi-byte character must not turn every good umlaut into cp1252 mojibake.
    data = GERMAN_CP1252.encode("utf-8") + "€".encode()[:2] + b" Ende\n"
    path = _write(tmp_path, "cut.txt", data)
    article, problems = read_text_file(path)
    assert article is not None
    assert article.text == GERMAN_CP1252 + "\ufffd Ende\n"
    assert article.encoding == "utf-8"
    (warning,) = problems
    assert warning.code == "decoded_fallback"
    assert warning.message == (
        f"{path} is not valid UTF-8; decoded as utf-8, 1 bad byte sequence replaced by U+FFFD"
    )


def test_utf8_bom_is_stripped_without_warning(tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + GERMAN_CP1252.encode("utf-8"))
    article, problems = read_text_file(path)
    assert problems == []
    assert article is not None
    assert article.text == GERMAN_CP1252
    assert article.id == hashlib.sha256(GERMAN_CP1252.encode("utf-8")).hexdigest()
    assert article.title == "Börse Frankfurt: Dax schließt fester"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_decoded(tmp_path: Path, codec: str) -> None:
    path = _write(tmp_path, "wide.txt", ("\ufeff" + GERMAN_CP1252).encode(codec))
    article, problems = read_text_file(path)
    assert article is not None
    assert article.text == GERMAN_CP1252
    assert article.encoding == "utf-16"
    assert [p.code for p in problems] == ["decoded_fallback"]


def test_windows_newlines_are_normalized(tmp_path: Path) -> None:
    path = _write(tmp_path, "crlf.txt", GERMAN_CP1252.replace("\n", "\r\n").encode("utf-8"))
    article, _ = read_text_file(path)
    assert article is not None
    assert article.text == GERMAN_CP1252
    assert "\r" not in article.text


def test_nbsp_is_kept_so_offsets_match_the_source(tmp_path: Path) -> None:
    text = "Dax steigt um 1,2\u00a0% auf 18.500\u202fPunkte"
    article, _ = read_text_file(_write(tmp_path, "nbsp.txt", text.encode("utf-8")))
    assert article is not None
    assert article.text == text


# --- stdin and several inputs -----------------------------------------------------------------


def test_stdin_is_read_as_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    data = GERMAN_CP1252.encode("cp1252")  # bytes that a text-mode read in UTF-8 would reject
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    items = list(read_inputs(["-"]))
    assert [type(item) for item in items] == [Problem, Article]
    warning, article = items
    assert warning.code == "decoded_fallback"
    assert article.source == "-"
    assert article.text == GERMAN_CP1252


def test_empty_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    (problem,) = read_inputs(["-"])
    assert problem.code == "empty"
    assert problem.message == "- is empty"


def test_a_bad_path_does_not_stop_the_others(tmp_path: Path) -> None:
    legacy = _write(tmp_path, "legacy.txt", GERMAN_CP1252.encode("cp1252"))
    missing = tmp_path / "missing.txt"
    items = list(read_inputs([str(SEED_000), str(missing), str(legacy), str(SEED_001)]))
    assert [(type(i).__name__, i.source) for i in items] == [
        ("Article", str(SEED_000)),
        ("Problem", str(missing)),
        ("Problem", str(legacy)),  # the warning comes before the article it concerns
        ("Article", str(legacy)),
        ("Article", str(SEED_001)),
    ]
    assert [i.code for i in items if isinstance(i, Problem)] == ["not_found", "decoded_fallback"]


def test_published_argument_reaches_every_article(tmp_path: Path) -> None:
    day = dt.date(2026, 3, 1)
    articles = [i for i in read_inputs([str(SEED_000), str(SEED_001)], published=day)]
    assert [(a.published, a.published_from) for a in articles] == [(day, "argument")] * 2


# --- article_from_text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Dax schließt im Plus\n\nDer Dax stieg am Montag um 1 %.", "Dax schließt im Plus"),
        ("Nvidia shares fall 3%\nFebruary 4, 2026\nShares fell.", "Nvidia shares fall 3%"),
        (
            "  \n\nWarum ist Gold gestiegen?\n\nWeil Anleger Schutz suchen.",
            "Warum ist Gold gestiegen?",
        ),
        ("# Gold steigt\nDie Feinunze kostet mehr.", "Gold steigt"),
        ("Nvidia shares fall 3%", "Nvidia shares fall 3%"),  # a bare headline
        ("Der Dax stieg am Montag um 1 %.\n\nDas freut Anleger.", None),  # a sentence
        ("Dax schließt im Plus\nDer Dax stieg am Montag um 1 %.", None),  # runs into the body
        ("Die Zahlen im Überblick:\n\n- Dax +1 %", None),  # introduces a list
        (" ".join(["Wort"] * 26) + "\n\nText.", None),  # too many words for a headline
        ("x" * 201 + "\n\nText.", None),
    ],
)
def test_title(text: str, title: str | None) -> None:
    assert article_from_text(text, "t").title == title


@pytest.mark.parametrize(
    ("text", "published", "time"),
    [
        ("Dax im Plus\n\nMittwoch, 4. Februar 2026\n\nDer Dax stieg.", dt.date(2026, 2, 4), None),
        ("Dax im Plus\n17.10.24 09:16 Uhr\nDer Dax stieg.", dt.date(2024, 10, 17), dt.time(9, 16)),
        ("Dax im Plus\n\nDer Dax stieg am 4. Februar 2026 um 1 %.", None, None),  # prose
        ("\n".join(["Zeile."] * 6 + ["February 4, 2026", "Text."]), None, None),  # too far down
    ],
)
def test_date_line(text: str, published: dt.date | None, time: dt.time | None) -> None:
    article = article_from_text(text, "t")
    assert article.published == published
    assert article.published_time == time
    assert article.published_from == ("text" if published else None)


def test_text_time_is_kept_only_when_the_argument_agrees_on_the_day() -> None:
    text = "Dax im Plus\n17.10.24 09:16 Uhr\nDer Dax stieg."
    same = article_from_text(text, "t", published=dt.date(2024, 10, 17))
    other = article_from_text(text, "t", published=dt.date(2024, 10, 18))
    assert (same.published_time, other.published_time) == (dt.time(9, 16), None)
    assert same.published_from == other.published_from == "argument"


def test_article_from_text_is_pure_and_normalizes_newlines() -> None:
    text = "Gold steigt\r\n\r\nDie Feinunze kostet mehr.\r"
    first = article_from_text(text, "name", encoding="cp1252")
    assert first == article_from_text(text, "name", encoding="cp1252")
    assert first.text == "Gold steigt\n\nDie Feinunze kostet mehr.\n"
    assert first.id == hashlib.sha256(first.text.encode("utf-8")).hexdigest()
    assert first.encoding == "cp1252"
    assert first.published is None  # never the machine clock
