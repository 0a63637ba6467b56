"""Batch inputs -> Articles: directories, text, HTML, JSON/JSONL/CSV, zip/tar, Reuters SGML, stdin.

`iter_articles` is the one entry point the batch runner uses. Every candidate article yields
exactly one of: an Article (possibly preceded by warning Problems that carry its article_id) or
an error Problem. `Problem.source` / `Article.source` name the item stably: "dir/a.txt",
"news.zip!2024/a.html", "feed.jsonl:12" (1-based line), "table.csv:7" (1-based data row),
"list.json:[3]" (0-based index), "reut2-000.sgm:NEWID=5".

Bytes are decoded by `narrate.ingest` (encoding detection, binary sniffing), never here. Bad input
never raises: it becomes an error Problem that names the item and the issue. Archives are read as
streams and nothing is ever written to disk.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import json
import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO, Any, NamedTuple

from narrate.ingest import (
    STDIN,
    article_from_bytes,
    article_from_text,
    decode_bytes,
    read_bytes,
    read_text_file,
)
from narrate.records import Article, Problem

Item = Article | Problem

# Field names looked for in JSON/JSONL/CSV records, in order; `fields` replaces one role's list.
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "content", "body"),
    "title": ("title", "headline"),
    "date": ("date", "published", "published_at", "time"),
    "url": ("url",),
    "id": ("id",),
}

# Archive safety. A news article is kilobytes; 64 MiB is far beyond any real member yet small
# enough to hold in memory. Text compresses about 3-10:1; only crafted data (zeros) reaches
# 200:1, and below 1 MiB even a bomb costs nothing, so small members are not judged by ratio.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_RATIO = 200
RATIO_MIN_BYTES = 1024 * 1024
_READ_CHUNK = 1024 * 1024

# htmldate must neither look at the clock (its default max_date is today) nor the network, and
# the extensive search guesses dates from free text, which on news pages picks up quoted dates.
_HTML_DATE_PARAMS = {"extensive_search": False, "original_date": True, "max_date": "2100-12-31"}

_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
# Compressed files inside an archive are archives (or compressed text) in turn: not unpacked.
_NESTED_SUFFIXES = (*_TAR_SUFFIXES, ".zip", ".gz", ".bz2", ".xz", ".zst", ".7z", ".rar")
_KINDS = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".sgm": "sgm",
    ".sgml": "sgm",
}

# RuntimeError: an encrypted member; NotImplementedError: an unknown compression method.
_ZIP_MEMBER_ERRORS = (
    zipfile.BadZipFile,
    RuntimeError,
    NotImplementedError,
    OSError,
    EOFError,
    zlib.error,
)

_REUTERS = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.DOTALL)
_NEWID = re.compile(r'\bNEWID="(\d+)"')
_SGM_TITLE = re.compile(r"<TITLE>(.*?)</TITLE>", re.DOTALL)
_SGM_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.DOTALL)
_SGM_DATE = re.compile(r"<DATE>(.*?)</DATE>", re.DOTALL)
_SGM_DAY = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
# Reuters bodies end in a "Reuter" signature and an end-of-text control character (&#3;).
_SGM_SIGNATURE = re.compile(r"\s*\bReuter\s*$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class _Options(NamedTuple):
    fields: dict[str, tuple[str, ...]]
    published: date | None


def iter_articles(
    inputs: Sequence[str],
    *,
    glob: str | None = None,
    fields: Mapping[str, str] | None = None,
    published: date | None = None,
) -> Iterator[Article | Problem]:
    """Articles and problems of every input, in a deterministic order (directories sorted).

    Args:
        inputs: Files, directories (read recursively; hidden files and folders are skipped) and
            "-" for standard input (read as text).
        glob: Pattern the names of files found in directories must match, e.g. "*.html";
            compared case-insensitively. Files named directly are always read.
        fields: Field names for JSON/JSONL/CSV records by role, e.g. {"text": "body"}; roles are
            text, title, date, url, id.
        published: Publication date for every article; wins over dates found in the input.

    Returns:
        An iterator of Articles and Problems, one Article or one error Problem per candidate.

    Raises:
        ValueError: ``fields`` names a role that does not exist (checked before reading).
    """
    unknown = sorted(set(fields or {}) - set(DEFAULT_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown field role(s) {', '.join(unknown)}; expected one of "
            f"{', '.join(DEFAULT_FIELDS)}"
        )
    mapping = {role: (name,) for role, name in (fields or {}).items()}
    options = _Options({**DEFAULT_FIELDS, **mapping}, published)
    return _iter_inputs(inputs, glob, options)


def _iter_inputs(inputs: Sequence[str], glob: str | None, options: _Options) -> Iterator[Item]:
    for item in inputs:
        if item == STDIN:
            article, problems = read_text_file(STDIN, published=options.published)
            yield from problems
            if article is not None:
                yield article
            continue
        path = Path(item)
        if path.is_dir():
            files = _walk(path, glob)
            if not files:
                matching = f" matching {glob}" if glob else ""
                yield _error(item, "empty", f"{item} contains no files{matching}")
            for file in files:
                yield from _read_file(file, options)
        else:
            yield from _read_file(path, options)


def estimate_count(inputs: Sequence[str], glob: str | None = None) -> int | None:
    """About how many candidates iter_articles will yield, for a progress bar's ETA; or None.

    Cheap: counts files, lines of JSONL, rows of CSV (newlines, so multi-line cells count more
    than once), REUTERS elements and zip members from the central directory, without parsing a
    record. None when an input cannot be counted without reading it all (stdin, JSON, tar).
    """
    total = 0
    for item in inputs:
        if item == STDIN:
            return None
        path = Path(item)
        for file in _walk(path, glob) if path.is_dir() else [path]:
            count = _estimate_file(file)
            if count is None:
                return None
            total += count
    return total


def _estimate_file(path: Path) -> int | None:
    kind = _kind(path.name)
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as archive:
                return sum(not info.is_dir() for info in archive.infolist())
        if kind in ("jsonl", "csv", "sgm"):
            needle = b"<REUTERS " if kind == "sgm" else b"\n"
            count, last = 0, b"\n"
            with path.open("rb") as fh:
                while block := fh.read(_READ_CHUNK):
                    count += block.count(needle)
                    last = block[-1:]
            if kind != "sgm" and last != b"\n":
                count += 1  # a last line without a line break
            return max(count - 1, 0) if kind == "csv" else count
    except (OSError, zipfile.BadZipFile):
        return 1  # reading it will report the problem: one error record
    return None if kind in ("tar", "json") else 1


def _walk(root: Path, glob: str | None) -> list[Path]:
    """Files under root, sorted by their path relative to root: the same order on any machine."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        for name in filenames:
            if name.startswith("."):
                continue
            if glob is not None and not fnmatchcase(name.lower(), glob.lower()):
                continue
            found.append(Path(dirpath, name))
    return sorted(found, key=lambda path: path.relative_to(root).parts)


def _kind(name: str) -> str:
    lower = name.lower()
    if lower.endswith(_TAR_SUFFIXES):
        return "tar"
    if lower.endswith(".zip"):
        return "zip"
    return _KINDS.get(os.path.splitext(lower)[1], "text")


def _read_file(path: Path, options: _Options) -> Iterator[Item]:
    source = str(path)
    kind = _kind(path.name)
    if kind in ("jsonl", "csv"):
        # Record files can be gigabytes: read them record by record, never whole.
        yield from _stream_records(path, kind, options)
        return
    if kind in ("zip", "tar"):
        handle = _open_binary(path)
        if isinstance(handle, Problem):
            yield handle
            return
        with handle:
            yield from (_read_zip if kind == "zip" else _read_tar)(handle, source, options)
        return
    data, problem = read_bytes(path)
    if problem is not None:
        yield problem
        return
    yield from _read_bytes_as(kind, data, source, options)


def _read_bytes_as(kind: str, data: bytes, source: str, options: _Options) -> Iterator[Item]:
    if kind == "html":
        yield from _read_html(data, source, options)
    elif kind in ("jsonl", "json", "csv", "sgm"):
        yield from _read_structured(kind, data, source, options)
    else:
        article, problems = article_from_bytes(data, source, published=options.published)
        yield from problems
        if article is not None:
            yield article


def _open_binary(path: Path) -> IO[bytes] | Problem:
    try:
        return path.open("rb")
    except OSError as err:
        return _open_problem(str(path), err)


def _open_problem(source: str, err: OSError) -> Problem:
    if isinstance(err, FileNotFoundError | NotADirectoryError):
        return _error(source, "not_found", f"no such file: {source}")
    if isinstance(err, PermissionError):
        return _error(source, "unreadable", f"{source}: permission denied")
    return _error(source, "unreadable", f"{source}: cannot read ({err.strerror or err})")


# --- HTML ---------------------------------------------------------------------------------------


def _read_html(data: bytes, source: str, options: _Options) -> Iterator[Item]:
    decoded = _decode(data, source)
    if isinstance(decoded, Problem):
        yield decoded
        return
    markup, fallback = decoded.text, decoded.fallback
    # Imported here: trafilatura and its dependencies take a while to load, and only HTML
    # inputs need them.
    import trafilatura
    from trafilatura.metadata import extract_metadata
    from trafilatura.utils import load_html

    text = trafilatura.extract(
        markup,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        output_format="txt",
    )
    if not text or not text.strip():
        yield _error(source, "empty", f"{source}: no article text found in the HTML")
        return
    # The page is parsed here, never handed over as a string: htmldate downloads a string
    # that looks like a URL, and reading a file must never touch the network.
    tree = load_html(markup)
    title = page_date = None
    if tree is not None:
        metadata = extract_metadata(tree, date_config=dict(_HTML_DATE_PARAMS))
        title, page_date = metadata.title, metadata.date
    published = options.published
    if published is None and page_date:
        published = _parse_iso_date(page_date)
    text = _with_title(text.strip(), title)
    article = article_from_text(text, source, published=published)
    if fallback is not None:
        yield _decoded_warning(source, fallback, article.id)
    yield article


def _with_title(text: str, title: Any) -> str:
    """Puts the title on the first line, where ingest looks for it, unless the text has it."""
    if not isinstance(title, str) or not title.strip():
        return text
    title = " ".join(title.split())
    first, _, rest = text.partition("\n")
    if first.strip() == title:
        # A blank line after it is what makes ingest read the first line as a title.
        rest = rest.lstrip("\n")
        return f"{title}\n\n{rest}" if rest else title
    if text.startswith(title):
        return text
    return f"{title}\n\n{text}"


# --- JSON, JSONL, CSV, Reuters SGML ------------------------------------------------------------


def _read_structured(kind: str, data: bytes, source: str, options: _Options) -> Iterator[Item]:
    decoded = _decode(data, source)
    if isinstance(decoded, Problem):
        yield decoded
        return
    text, fallback = decoded.text, decoded.fallback
    # Reuters files are latin-1 by nature; anything else ought to be UTF-8 (JSON must be), so
    # a fallback is reported once for the file.
    if fallback is not None and kind != "sgm":
        yield _decoded_warning(source, fallback, None)
    if kind == "jsonl":
        yield from _read_jsonl(text, source, options)
    elif kind == "json":
        yield from _read_json(text, source, options)
    elif kind == "csv":
        yield from _read_csv(text, source, options)
    else:
        yield from _read_sgm(text, source, options)


def _stream_records(path: Path, kind: str, options: _Options) -> Iterator[Item]:
    """A JSONL or CSV file on disk, decoded and parsed as a stream (flat memory for any size).

    The encoding is decided on the first _READ_CHUNK bytes (cut at a line end), as for a whole
    file; a later line that does not decode is reported as malformed.
    """
    source = str(path)
    handle = _open_binary(path)
    if isinstance(handle, Problem):
        yield handle
        return
    with handle:
        sample = handle.read(_READ_CHUNK)
        if len(sample) == _READ_CHUNK and b"\n" in sample:
            sample = sample[: sample.rindex(b"\n") + 1]
        decoded = _decode(sample, source)
        if isinstance(decoded, Problem):
            yield decoded
            return
        if decoded.fallback is not None:
            yield _decoded_warning(source, decoded.fallback, None)
        # A BOM is read only at the start of the stream; "utf-8-sig" reads clean UTF-8 as well.
        encoding = "utf-8-sig" if decoded.encoding == "utf-8" else decoded.encoding
        handle.seek(0)
        if encoding.startswith(("utf-16", "utf-32")):  # lines are not byte lines: read it whole
            whole = _decode(handle.read(), source)
            if not isinstance(whole, Problem):
                reader = _read_jsonl if kind == "jsonl" else _read_csv
                yield from reader(whole.text, source, options)
            return
        if kind == "jsonl":
            lines = (_decode_line(raw, encoding) for raw in handle)
            yield from _read_jsonl(lines, source, options)
        else:
            text = io.TextIOWrapper(handle, encoding=encoding, newline="")
            yield from _read_csv(text, source, options)


def _decode_line(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding).rstrip("\r\n")
    except UnicodeDecodeError:
        return None  # reported by the reader as a malformed line


def _read_jsonl(lines, source: str, options: _Options) -> Iterator[Item]:
    """Records of JSON Lines; `lines` is a text or an iterable of lines (None: undecodable)."""
    if isinstance(lines, str):
        lines = lines.split("\n")
    for number, line in enumerate(lines, start=1):
        item_source = f"{source}:{number}"
        if line is None:
            message = f"{item_source}: not decodable in the file's encoding; line skipped"
            yield _error(item_source, "malformed", message)
            continue
        if not line.strip():
            continue
        record = _parse_json(line, item_source, with_line=False)
        if isinstance(record, Problem):
            yield record
            continue
        yield from _read_record(record, item_source, options)


def _parse_json(text: str, source: str, *, with_line: bool) -> Any:
    """The parsed JSON value, or a "malformed" Problem that says where parsing failed."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        where = f"line {err.lineno}, column {err.colno}" if with_line else f"column {err.colno}"
        return _error(source, "malformed", f"{source}: not valid JSON ({err.msg} at {where})")
    except (ValueError, RecursionError) as err:
        return _error(source, "malformed", f"{source}: not valid JSON ({err})")


def _read_json(text: str, source: str, options: _Options) -> Iterator[Item]:
    document = _parse_json(text, source, with_line=True)
    if isinstance(document, Problem):
        yield document
        return
    records = document
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list)]
        records = lists[0] if len(lists) == 1 else None
    if not isinstance(records, list):
        expected = "a list of objects, or an object holding one list of objects"
        yield _error(source, "malformed", f"{source}: expected {expected}")
        return
    for index, record in enumerate(records):
        yield from _read_record(record, f"{source}:[{index}]", options)


def _read_csv(text, source: str, options: _Options) -> Iterator[Item]:
    """Rows of a CSV text, or of a text stream (read row by row)."""
    stream = io.StringIO(text, newline="") if isinstance(text, str) else text
    reader = csv.DictReader(stream)
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            yield from _read_record(row, f"{source}:{number}", options)
    except (csv.Error, UnicodeDecodeError) as err:
        # The reader cannot resynchronize after a broken row (e.g. an over-long field), nor
        # after bytes that do not decode in the encoding found at the start of the file.
        row_source = f"{source}:{number + 1}"
        what = "not decodable" if isinstance(err, UnicodeDecodeError) else "not a valid CSV row"
        message = f"{row_source}: {what} ({err}); the rest of the file is not read"
        yield _error(row_source, "malformed", message)
        return
    if reader.fieldnames is None:
        yield _error(source, "empty", f"{source} has no header row and no data")


def _read_record(record: Any, source: str, options: _Options) -> Iterator[Item]:
    """One JSON object or CSV row -> one Article (maybe after a warning) or one error."""
    if not isinstance(record, dict):
        kind = type(record).__name__ if record is not None else "null"
        yield _error(source, "malformed", f"{source}: expected an object, got {kind}")
        return
    text_field, text = _field(record, options.fields["text"])
    if text_field is None or text is None:
        names = ", ".join(options.fields["text"])
        yield _error(source, "malformed", f"{source}: no text field (looked for {names})")
        return
    if not isinstance(text, str):
        kind = type(text).__name__
        yield _error(source, "malformed", f"{source}: field {text_field!r} is {kind}, not text")
        return
    if not text.strip():
        yield _error(source, "empty", f"{source}: field {text_field!r} is empty")
        return
    _, title = _field(record, options.fields["title"])
    text = _with_title(text.strip(), title)
    published = options.published
    warning = None
    if published is None:
        date_field, raw_date = _field(record, options.fields["date"])
        if raw_date not in (None, ""):
            published = _parse_iso_date(raw_date) if isinstance(raw_date, str) else None
            if published is None:
                warning = f"{source}: field {date_field!r} is not an ISO date: {raw_date!r}"
    article = article_from_text(text, source, published=published)
    if warning is not None:
        yield Problem(
            source=source, level="warning", code="no_date", message=warning, article_id=article.id
        )
    yield article


def _field(record: dict, names: tuple[str, ...]) -> tuple[str | None, Any]:
    """The first of the names present in the record (exact, then ignoring case), and its value."""
    for name in names:
        if name in record:
            return name, record[name]
    folded = {key.lower(): key for key in record if isinstance(key, str)}
    for name in names:
        key = folded.get(name.lower())
        if key is not None:
            return key, record[key]
    return None, None


def _parse_iso_date(value: str) -> date | None:
    """YYYY-MM-DD, optionally with a time and zone ("2024-03-01T09:30:00Z"); else None."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        pass
    try:  # "2024-03-01 09:30" and other forms with a date in front
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _read_sgm(text: str, source: str, options: _Options) -> Iterator[Item]:
    for number, match in enumerate(_REUTERS.finditer(text), start=1):
        attributes, content = match.groups()
        newid = _NEWID.search(attributes)
        item_source = f"{source}:NEWID={newid.group(1)}" if newid else f"{source}:#{number}"
        body = _SGM_BODY.search(content)
        body_text = _sgm_text(body.group(1)) if body else ""
        body_text = _SGM_SIGNATURE.sub("", body_text).rstrip()
        if not body_text.strip():
            what = "no body" if body is None else "an empty body"
            yield _error(item_source, "empty", f"{item_source}: the article has {what}")
            continue
        title = _SGM_TITLE.search(content)
        title_text = " ".join(_sgm_text(title.group(1)).split()) if title else ""
        article_text = f"{title_text}\n\n{body_text}" if title_text else body_text
        published = options.published
        warning = None
        if published is None:
            raw = _SGM_DATE.search(content)
            published = _parse_reuters_date(raw.group(1)) if raw else None
            if published is None:
                shown = repr(raw.group(1).strip()) if raw else "missing"
                warning = f"{item_source}: DATE is not a date: {shown}"
        article = article_from_text(article_text, item_source, published=published)
        if warning is not None:
            yield Problem(
                source=item_source,
                level="warning",
                code="no_date",
                message=warning,
                article_id=article.id,
            )
        yield article


def _sgm_text(markup: str) -> str:
    return _CONTROL.sub("", html_lib.unescape(markup))


def _parse_reuters_date(value: str) -> date | None:
    """ "26-FEB-1987 15:01:01.79" -> 1987-02-26; None when there is no such day."""
    match = _SGM_DAY.search(value)
    if match is None:
        return None
    try:
        return datetime.strptime("-".join(match.groups()), "%d-%b-%Y").date()
    except ValueError:
        return None


# --- archives ----------------------------------------------------------------------------------


def _read_zip(handle: IO[bytes], source: str, options: _Options) -> Iterator[Item]:
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        yield _error(source, "unreadable", f"{source}: not a readable zip archive ({err})")
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            member = f"{source}!{info.filename}"
            if stat.S_ISLNK(info.external_attr >> 16):  # a Unix symlink stored by `zip -y`
                message = f"{member}: is a link; links in archives are not followed"
                yield _error(member, "unsupported", message)
                continue
            refused = _refuse_member(info.filename, member, info.file_size, info.compress_size)
            if refused is not None:
                yield refused
                continue
            try:
                with archive.open(info) as stream:
                    data = _bounded_read(stream)
            except _ZIP_MEMBER_ERRORS as err:
                yield _error(member, "unreadable", f"{member}: cannot read ({err})")
                continue
            refused = _refuse_size(member, data, info.compress_size)
            if refused is not None:
                yield refused
                continue
            yield from _read_bytes_as(_kind(info.filename), data, member, options)


def _read_tar(handle: IO[bytes], source: str, options: _Options) -> Iterator[Item]:
    # Stream mode ("r|*") reads members in order without seeking and never lists the archive
    # first; a tar has no per-member compressed size, so only the size limit applies.
    try:
        with tarfile.open(fileobj=handle, mode="r|*") as archive:
            for info in archive:
                if info.isdir():
                    continue
                member = f"{source}!{info.name}"
                if _unsafe_name(info.name):
                    yield _unsafe_name_problem(member)
                elif info.issym() or info.islnk():
                    message = f"{member}: is a link; links in archives are not followed"
                    yield _error(member, "unsupported", message)
                elif not info.isfile():
                    message = f"{member}: is a device or special file, not a file"
                    yield _error(member, "unsupported", message)
                else:
                    refused = _refuse_member(info.name, member, info.size, None)
                    if refused is not None:
                        yield refused
                        continue
                    stream = archive.extractfile(info)
                    data = _bounded_read(stream) if stream is not None else b""
                    if data is not None and len(data) != info.size:
                        message = f"{member}: truncated ({len(data)} of {info.size} bytes)"
                        yield _error(member, "unreadable", message)
                        continue
                    refused = _refuse_size(member, data, None)
                    if refused is not None:
                        yield refused
                        continue
                    yield from _read_bytes_as(_kind(info.name), data, member, options)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
        message = f"{source}: not a readable tar archive, or damaged ({err}); reading stopped"
        yield _error(source, "unreadable", message)


def _refuse_member(name: str, member: str, size: int, compressed: int | None) -> Problem | None:
    """A Problem when a member must not be read: by its name or its declared sizes."""
    if _unsafe_name(name):
        return _unsafe_name_problem(member)
    if name.lower().endswith(_NESTED_SUFFIXES):
        message = f"{member}: archives inside archives are not read; unpack it first"
        return _error(member, "unsupported", message)
    if size > MAX_MEMBER_BYTES:
        return _too_big(member, f"declared size {size / 2**20:.1f} MiB")
    if compressed is not None and size > RATIO_MIN_BYTES and size > MAX_RATIO * max(compressed, 1):
        return _too_compressed(member, size, compressed)
    return None


def _refuse_size(member: str, data: bytes | None, compressed: int | None) -> Problem | None:
    """A Problem when the bytes actually read break the limits the header may have hidden."""
    if data is None:
        return _too_big(member, "size")
    size = len(data)
    if compressed is not None and size > RATIO_MIN_BYTES and size > MAX_RATIO * max(compressed, 1):
        return _too_compressed(member, size, compressed)
    return None


def _bounded_read(stream: IO[bytes]) -> bytes | None:
    """The whole stream, or None as soon as it is longer than MAX_MEMBER_BYTES."""
    chunks = []
    total = 0
    while True:
        chunk = stream.read(_READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > MAX_MEMBER_BYTES:
            return None
        chunks.append(chunk)


def _unsafe_name(name: str) -> bool:
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or re.match(r"[A-Za-z]:", normalized):
        return True
    return ".." in normalized.split("/")


def _unsafe_name_problem(member: str) -> Problem:
    message = f"{member}: path is absolute or leaves the archive (..); skipped"
    return _error(member, "unsafe", message)


def _too_big(member: str, what: str) -> Problem:
    limit = MAX_MEMBER_BYTES // 2**20
    message = f"{member}: uncompressed {what} exceeds the {limit} MiB limit; skipped"
    return _error(member, "unsafe", message)


def _too_compressed(member: str, size: int, compressed: int) -> Problem:
    ratio = size / max(compressed, 1)
    message = (
        f"{member}: compression ratio {ratio:.0f}:1 exceeds {MAX_RATIO}:1 "
        f"(a decompression bomb?); skipped"
    )
    return _error(member, "unsafe", message)


# --- shared --------------------------------------------------------------------------------------


class _Text(NamedTuple):
    text: str
    encoding: str
    fallback: str | None  # what was done when the bytes were not clean UTF-8; None otherwise


def _decode(data: bytes, source: str) -> _Text | Problem:
    """The decoded text with its encoding and fallback note, or an error Problem."""
    if not data:
        return _error(source, "empty", f"{source} is empty")
    decoded = decode_bytes(data, source)
    if isinstance(decoded, Problem):
        return decoded
    if not decoded[0].strip():
        return _error(source, "empty", f"{source} contains only whitespace")
    return _Text(*decoded)


def _decoded_warning(source: str, fallback: str, article_id: str | None) -> Problem:
    return Problem(
        source=source,
        level="warning",
        code="decoded_fallback",
        message=f"{source} {fallback}",
        article_id=article_id,
    )


def _error(source: str, code: str, message: str) -> Problem:
    return Problem(source=source, level="error", code=code, message=message)
