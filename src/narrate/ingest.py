"""Reading inputs into Articles: files and stdin, decoded, with every problem reported.

Readers never raise for bad input. A missing file, a directory, an empty or binary file becomes
a ``Problem`` (an error) that names the file and the issue; a file that is not UTF-8 is decoded
anyway and reported with a warning. No NLP happens here; ``article_from_text`` only reads the
title and the publication date off the top of the text.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import date, time
from pathlib import Path
from typing import NamedTuple

from charset_normalizer import from_bytes

from narrate.extractors.dates import parse_date_line
from narrate.records import Article, Problem

STDIN = "-"

# A title is a short line: headlines run to ~120 characters; 200 leaves room for long ones
# while keeping out the one-sentence first paragraph that some sources put first.
TITLE_MAX_CHARS = 200
TITLE_MAX_WORDS = 25
# A publication-date line sits above the body: after the title, a byline or a caption.
DATE_LINE_SEARCH_LINES = 6
# Title and date line are looked for in this much of the text, so a long text is not split into
# lines in full; six non-empty lines of a news text fit easily.
_HEAD_CHARS = 4000

# Binary sniffing looks at the start only: a text file does not turn binary halfway through,
# and reading the whole of a large file for this would cost time.
_SNIFF_BYTES = 8192
# Text has next to no C0 control characters besides tab, newline, carriage return and form
# feed; compressed or image data has about 10% of them.
_MAX_CONTROL_SHARE = 0.05
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v")
# In German, French, Spanish or Portuguese, accented letters are well under a third of all
# letters; text in another script, mis-decoded as cp1252, is almost all accented letters.
_MAX_NON_ASCII_LETTER_SHARE = 0.3
_C1_BYTES = re.compile(rb"[\x80-\x9f]")

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"(\xb5/\xfd", "a zstd archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "an executable"),
    (b"PAR1", "a Parquet file"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE mark.
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
)


def read_inputs(
    paths: Iterable[str], *, published: date | None = None
) -> Iterator[Article | Problem]:
    """Reads each path in turn, yielding its problems and then its Article.

    A bad path does not stop the others: it yields an error Problem and the next path is read.
    Warnings about a path (e.g. "decoded_fallback") come before the Article they concern.

    Args:
        paths: File paths; "-" reads standard input.
        published: Publication date for every article; overrides a date line in the text.

    Yields:
        Problems and Articles, in the order of ``paths``.
    """
    for path in paths:
        article, problems = read_text_file(path, published=published)
        yield from problems
        if article is not None:
            yield article


def read_text_file(
    path: str | Path, *, published: date | None = None
) -> tuple[Article | None, list[Problem]]:
    """Reads one text file (or stdin, for the string "-") into an Article.

    Args:
        path: The file to read; the string "-" reads standard input as bytes.
        published: Publication date; overrides a date line in the text.

    Returns:
        The Article, or None when the file could not be read as text, and the problems met:
        one error when the Article is None, else possibly a "decoded_fallback" warning.
    """
    source = str(path)
    data, problem = _read_bytes(path)
    if problem is not None:
        return None, [problem]
    return article_from_bytes(data, source, published=published)


def article_from_bytes(
    data: bytes, source: str, *, published: date | None = None
) -> tuple[Article | None, list[Problem]]:
    """Decodes raw bytes into an Article, for readers that get bytes from elsewhere (archives).

    Args:
        data: The raw content.
        source: A name for the content, used in the Article and in messages.
        published: Publication date; overrides a date line in the text.

    Returns:
        The Article or None, and the problems met (see ``read_text_file``).
    """
    if not data:
        return None, [_error(source, "empty", f"{source} is empty")]
    decoded = _decode(data, source)
    if isinstance(decoded, Problem):
        return None, [decoded]
    text, encoding, fallback = decoded
    text = normalize_newlines(text)
    if not text.strip():
        what = "is empty" if not text else "contains only whitespace"
        return None, [_error(source, "empty", f"{source} {what}")]
    article = article_from_text(text, source, published=published, encoding=encoding)
    if fallback is None:
        return article, []
    warning = Problem(
        source=source,
        level="warning",
        code="decoded_fallback",
        message=f"{source} {fallback}",
        article_id=article.id,
    )
    return article, [warning]


def article_from_text(
    text: str, source: str, *, published: date | None = None, encoding: str = "utf-8"
) -> Article:
    """Builds an Article from decoded text, reading its title and date line if it has them.

    Newlines are normalized to "\\n"; nothing else in the text is changed, so character
    offsets into ``Article.text`` are offsets into the text as published.

    Args:
        text: The decoded text.
        source: A file path, "-" for stdin, or a name the caller gives the text.
        published: Publication date; when given it wins over a date line in the text.
        encoding: The encoding the text was decoded from, recorded on the Article.

    Returns:
        The Article. ``published`` is None when neither the argument nor a date line in the
        first lines gives a date: the machine clock is never used.
    """
    text = normalize_newlines(text)
    lines = _head_lines(text)
    text_date = _date_line(lines)
    published_time = None
    if published is not None:
        published_from = "argument"
        # The text's time of day belongs to the argument's date only if the dates agree.
        if text_date is not None and text_date[0] == published:
            published_time = text_date[1]
    elif text_date is not None:
        published, published_time = text_date
        published_from = "text"
    else:
        published_from = None
    return Article(
        id=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        source=source,
        text=text,
        title=_title(lines),
        published=published,
        published_time=published_time,
        published_from=published_from,
        encoding=encoding,
    )


def read_bytes(path: str | Path) -> tuple[bytes, Problem | None]:
    """Reads a file (or stdin, for "-") as bytes; a failure is an error Problem, never raised."""
    return _read_bytes(path)


def decode_bytes(data: bytes, source: str) -> tuple[str, str, str | None] | Problem:
    """Decodes bytes as ``article_from_bytes`` does, for readers of structured formats.

    Returns:
        (text with "\\n" newlines, encoding, what was done when the bytes were not clean UTF-8
        or None), or a "binary" Problem when the bytes are not text.
    """
    decoded = _decode(data, source)
    if isinstance(decoded, Problem):
        return decoded
    return normalize_newlines(decoded.text), decoded.encoding, decoded.fallback


def normalize_newlines(text: str) -> str:
    """Turns Windows ("\\r\\n") and old Mac ("\\r") line ends into "\\n"."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_bytes(path: str | Path) -> tuple[bytes, Problem | None]:
    source = str(path)
    if isinstance(path, str) and path == STDIN:
        return _read_stdin()
    try:
        return Path(path).read_bytes(), None
    except (FileNotFoundError, NotADirectoryError):
        return b"", _error(source, "not_found", f"no such file: {source}")
    except IsADirectoryError:
        return b"", _directory_problem(source)
    except PermissionError:
        return b"", _error(source, "unreadable", f"{source}: permission denied")
    except OSError as err:
        # Windows reports a directory as PermissionError; elsewhere this is a device or I/O error.
        if Path(path).is_dir():
            return b"", _directory_problem(source)
        return b"", _error(source, "unreadable", f"{source}: cannot read ({err.strerror or err})")


def _read_stdin() -> tuple[bytes, Problem | None]:
    stream = sys.stdin
    if stream is None:
        return b"", _error(STDIN, "unreadable", "-: there is no standard input to read")
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is not None:
            return buffer.read(), None
        # A replaced stdin (an embedding host, a test) may be text only; it is decoded already.
        return stream.read().encode("utf-8", "surrogatepass"), None
    except OSError as err:
        return b"", _error(STDIN, "unreadable", f"-: cannot read standard input ({err})")


def _directory_problem(source: str) -> Problem:
    return _error(source, "unreadable", f"{source} is a directory; batch mode reads directories")


class _Decoded(NamedTuple):
    text: str
    encoding: str
    fallback: str | None  # what was done when the bytes were not clean UTF-8, for the warning


def _decode(data: bytes, source: str) -> _Decoded | Problem:
    """Decodes the bytes, or returns a "binary" Problem when they are not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                break  # a stray BOM-like start; judge the bytes as if it were not there
            fallback = None if encoding == "utf-8-sig" else f"is not UTF-8; decoded as {encoding}"
            return _Decoded(text, encoding, fallback)
    binary = _binary_kind(data)
    if binary is not None:
        return _error(source, "binary", f"{source} is binary ({binary}), not text")
    try:
        return _Decoded(data.decode("utf-8"), "utf-8", None)
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few damaged bytes (a cut download, two files pasted together) keeps
    # its many good multi-byte characters; read as cp1252 all of them would turn to mojibake.
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if not ch.isascii()) - bad
    if good > 2 * bad:
        plural = "" if bad == 1 else "s"
        damage = f"{bad} bad byte sequence{plural} replaced by U+FFFD"
        return _Decoded(text, "utf-8", f"is not valid UTF-8; decoded as utf-8, {damage}")
    text, encoding = _decode_legacy(data)
    return _Decoded(text, encoding, f"is not UTF-8; decoded as {encoding}")


def _binary_kind(data: bytes) -> str | None:
    """Says what the bytes look like when they are not text, else None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return f"looks like {kind}"
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return "contains NUL bytes"
    controls = sum(1 for byte in head if byte < 0x20 and byte not in _TEXT_CONTROLS)
    if controls > _MAX_CONTROL_SHARE * len(head):
        return f"{controls / len(head):.0%} control characters"
    return None


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Decodes bytes that are not UTF-8: cp1252 for Western European text, else as detected.

    charset-normalizer alone misjudges short German text (it prefers cp1250, or even UTF-16
    for a single word), so cp1252 is tried first and kept when the result reads as Western
    European; only text that does not is handed to charset-normalizer.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 defines every byte and agrees with cp1252
        # on all letters, so it is the Western European fallback.
        text, encoding = data.decode("latin-1"), "latin-1"
    else:
        encoding = "cp1252"
        # Latin-9 (ISO 8859-15) puts the euro sign at 0xA4, where cp1252 has the generic
        # currency sign "¤", which real text hardly ever uses; latin-9 has no printable
        # characters at 0x80-0x9F, where cp1252 keeps its own euro sign and typographic quotes.
        if "¤" in text and _C1_BYTES.search(data) is None:
            text, encoding = data.decode("iso8859-15"), "iso8859-15"
    if _reads_as_western(text):
        return text, encoding
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        return text, encoding
    return str(best), best.encoding


def _reads_as_western(text: str) -> bool:
    letters = [ch for ch in text[:_SNIFF_BYTES] if ch.isalpha()]
    if not letters:
        return True
    non_ascii = sum(1 for ch in letters if not ch.isascii())
    return non_ascii <= _MAX_NON_ASCII_LETTER_SHARE * len(letters)


def _head_lines(text: str) -> list[str]:
    """Returns the stripped lines at the top of the text, where a title and a date line sit."""
    head = text[:_HEAD_CHARS]
    lines = [line.strip() for line in head.split("\n")]
    if len(text) > _HEAD_CHARS:
        # The last line may be cut short, and a cut line can look like a date line
        # ("4. Februar 2026" from "4. Februar 2026 stieg der Dax ...").
        lines.pop()
    return lines


def _title(lines: list[str]) -> str | None:
    """Returns the first non-empty line when it reads as a headline, else None."""
    index = next((i for i, line in enumerate(lines) if line), None)
    if index is None:
        return None
    line = lines[index]
    markdown = line.startswith("#")
    candidate = line.lstrip("#").strip() if markdown else line
    if not candidate or len(candidate) > TITLE_MAX_CHARS:
        return None
    if len(candidate.split()) > TITLE_MAX_WORDS:
        return None
    # A sentence ends in a period; a line ending in a comma, colon or semicolon runs on.
    if candidate.endswith((".", ",", ":", ";")) and not candidate.endswith("..."):
        return None
    if markdown:
        return candidate
    rest = lines[index + 1 :]
    if not any(rest):  # the whole text is this one line: a bare headline
        return candidate
    following = rest[0]
    if following == "" or parse_date_line(following) is not None:
        return candidate
    return None


_DATELINE_DASH = re.compile(r"\s+[–—-]\s+")


def _date_line(lines: list[str]) -> tuple[date, time | None] | None:
    """Returns (date, time) from the first standalone date line near the top, else None."""
    seen = 0
    for line in lines:
        if not line:
            continue
        parsed = parse_date_line(line)
        if parsed is None:
            # A dateline that leads the first paragraph: "Frankfurt, 5. März 2024 – Der Dax ..."
            head = _DATELINE_DASH.split(line, maxsplit=1)
            parsed = parse_date_line(head[0]) if len(head) == 2 else None
        if parsed is not None:
            return parsed
        seen += 1
        if seen >= DATE_LINE_SEARCH_LINES:
            break
    return None


def _error(source: str, code: str, message: str) -> Problem:
    return Problem(source=source, level="error", code=code, message=message)
