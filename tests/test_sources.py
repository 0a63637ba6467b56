"""Tests for narrate.sources: every input kind, archive safety, and the Reuters-21578 sample."""

from __future__ import annotations

import csv
import io
import json
import re
import tarfile
import zipfile
from datetime import date
from pathlib import Path

import pytest

from narrate.records import Article, Problem
from narrate.sources import MAX_MEMBER_BYTES, iter_articles

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REUTERS = SHARED / "text" / "reuters21578" / "reut2-000.sgm"

BODY = (
    "Der Dax ist am Dienstag um 1,5 Prozent auf 18.000 Punkte gestiegen. Händler verwiesen "
    "auf starke Zahlen aus den USA und auf sinkende Renditen am Anleihemarkt."
)
HTML = f"""<html><head><title>Dax steigt kräftig</title>
<meta property="article:published_time" content="2024-03-05T10:00:00+01:00"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Dax steigt kräftig</h1><p>{BODY}</p>
<p>Auch der MDax legte zu, er gewann 0,8 Prozent. Die Aktie von SAP stieg um drei Prozent.</p>
</article><footer>Impressum</footer></body></html>"""


def run(*inputs: str | Path, **kwargs) -> list[Article | Problem]:
    return list(iter_articles([str(item) for item in inputs], **kwargs))


def summary(items: list[Article | Problem], root: Path | None = None) -> list[tuple]:
    """(kind, relative source, title or code) per item, for exact comparisons."""

    def rel(source: str) -> str:
        return source.replace(f"{root}/", "") if root else source

    return [
        ("A", rel(item.source), item.title)
        if isinstance(item, Article)
        else (item.level, rel(item.source), item.code)
        for item in items
    ]


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


JSONL = (
    json.dumps({"title": "Gold steigt", "text": "Gold stieg um 1 Prozent.", "date": "2024-03-01"})
    + "\n"
    + "\n"  # blank lines are not records
    + "{not json\n"
    + json.dumps(
        {"headline": "Öl fällt", "content": "Öl fiel.", "published_at": "2024-03-02T09:30:00Z"}
    )
    + "\n"
    + json.dumps({"title": "ohne Text"})
    + "\n"
    + "[1, 2]\n"
    + json.dumps({"text": "Bitcoin legte zu.", "date": "gestern"})
    + "\n"
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "b.txt").write_text("Dax fällt\n\nDer Dax fiel um 2 Prozent.\n", encoding="utf-8")
    (root / "sub" / "page.html").write_text(HTML, encoding="utf-8")
    (root / "feed.jsonl").write_text(JSONL, encoding="utf-8")
    (root / "table.csv").write_text(
        'title,text,date\nEuro steigt,"Der Euro stieg\nauf 1,10 Dollar.",2024-03-04\n'
        ",Nur Text ohne Titel.,\n",
        encoding="utf-8",
    )
    (root / "list.json").write_text(
        json.dumps({"items": [{"body": "Erster Text."}, "kein Objekt"]}), encoding="utf-8"
    )
    (root / ".hidden.txt").write_text("nicht lesen", encoding="utf-8")
    return root


def test_directory_is_read_recursively_in_sorted_order(tree: Path) -> None:
    items = run(tree)
    assert summary(items, tree) == [
        ("A", "b.txt", "Dax fällt"),
        ("A", "feed.jsonl:1", "Gold steigt"),
        ("error", "feed.jsonl:3", "malformed"),
        ("A", "feed.jsonl:4", "Öl fällt"),
        ("error", "feed.jsonl:5", "malformed"),
        ("error", "feed.jsonl:6", "malformed"),
        ("warning", "feed.jsonl:7", "no_date"),
        ("A", "feed.jsonl:7", None),
        ("A", "list.json:[0]", None),
        ("error", "list.json:[1]", "malformed"),
        ("A", "sub/page.html", "Dax steigt kräftig"),
        ("A", "table.csv:1", "Euro steigt"),
        ("A", "table.csv:2", None),
    ]
    by_source = {item.source.replace(f"{tree}/", ""): item for item in items}
    assert by_source["feed.jsonl:1"].published == date(2024, 3, 1)
    assert by_source["feed.jsonl:1"].text == "Gold steigt\n\nGold stieg um 1 Prozent."
    assert by_source["feed.jsonl:4"].published == date(2024, 3, 2)
    assert by_source["feed.jsonl:7"].published is None
    assert by_source["table.csv:1"].published == date(2024, 3, 4)
    assert by_source["table.csv:1"].text == "Euro steigt\n\nDer Euro stieg\nauf 1,10 Dollar."
    assert by_source["list.json:[0]"].text == "Erster Text."


def test_problems_name_the_record_and_warnings_carry_the_article_id(tree: Path) -> None:
    items = run(tree / "feed.jsonl")
    problems = [item for item in items if isinstance(item, Problem)]
    messages = {p.source.rsplit("/", 1)[1]: p.message for p in problems}
    assert "feed.jsonl:3: not valid JSON" in messages["feed.jsonl:3"]
    assert "no text field (looked for text, content, body)" in messages["feed.jsonl:5"]
    assert "expected an object, got list" in messages["feed.jsonl:6"]
    assert "'gestern'" in messages["feed.jsonl:7"]
    warning, article = items[-2:]
    assert isinstance(article, Article)
    assert warning.level == "warning" and warning.article_id == article.id


def test_glob_filters_file_names(tree: Path) -> None:
    items = run(tree, glob="*.HTML")
    assert summary(items, tree) == [("A", "sub/page.html", "Dax steigt kräftig")]
    assert summary(run(tree, glob="*.pdf"), None) == [("error", str(tree), "empty")]


def test_html_title_date_and_argument_date(tree: Path) -> None:
    (article,) = run(tree / "sub" / "page.html")
    assert article.title == "Dax steigt kräftig"
    assert article.published == date(2024, 3, 5)
    assert BODY in article.text
    assert "Impressum" not in article.text and "Home" not in article.text
    (article,) = run(tree / "sub" / "page.html", published=date(2025, 1, 2))
    assert article.published == date(2025, 1, 2)
    assert article.published_from == "argument"


def test_html_title_is_prepended_when_the_text_lacks_it(tmp_path: Path) -> None:
    page = tmp_path / "p.htm"
    page.write_text(
        f"<html><head><title>Anleihen unter Druck</title></head><body><article><p>{BODY}</p>"
        f"<p>{BODY}</p></article></body></html>",
        encoding="utf-8",
    )
    (article,) = run(page)
    assert article.title == "Anleihen unter Druck"
    assert article.text.startswith(f"Anleihen unter Druck\n\n{BODY}")
    assert article.published is None


def test_html_without_text_is_an_empty_error(tmp_path: Path) -> None:
    page = tmp_path / "blank.html"
    page.write_text("<html><head><title>x</title></head><body></body></html>", encoding="utf-8")
    (problem,) = run(page)
    assert (problem.level, problem.code) == ("error", "empty")
    assert "no article text found in the HTML" in problem.message


def test_html_that_looks_like_a_url_is_not_fetched(tmp_path: Path, monkeypatch) -> None:
    import htmldate.utils

    def no_network(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(htmldate.utils, "fetch_url", no_network)
    page = tmp_path / "url.html"
    page.write_text("http://example.com/news", encoding="utf-8")
    assert [item.code for item in run(page)] == ["empty"]


def test_csv_field_mapping_and_unknown_role(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text(
        "Headline,Story,When\nSAP steigt,Die Aktie stieg.,2024-05-06 09:00\n", encoding="utf-8"
    )
    (problem,) = run(table)
    assert problem.code == "malformed" and problem.source == f"{table}:1"
    (article,) = run(table, fields={"text": "story", "title": "Headline", "date": "When"})
    assert article.source == f"{table}:1"
    assert (article.title, article.published) == ("SAP steigt", date(2024, 5, 6))
    assert article.text == "SAP steigt\n\nDie Aktie stieg."
    with pytest.raises(ValueError, match="unknown field role"):
        run(table, fields={"bdy": "story"})


def test_json_not_a_list_is_one_error(tmp_path: Path) -> None:
    document = tmp_path / "x.json"
    document.write_text('{"a": 1}', encoding="utf-8")
    (problem,) = run(document)
    assert (problem.source, problem.code) == (str(document), "malformed")
    document.write_text("[{", encoding="utf-8")
    assert [p.code for p in run(document)] == ["malformed"]


def test_cp1252_text_file_and_unknown_extension(tmp_path: Path) -> None:
    legacy = tmp_path / "alt.txt"
    legacy.write_bytes("Börse im Überblick\n\nDie Märkte stiegen – kräftig.\n".encode("cp1252"))
    warning, article = run(legacy)
    assert (warning.code, warning.article_id) == ("decoded_fallback", article.id)
    assert article.title == "Börse im Überblick" and article.encoding == "cp1252"
    other = tmp_path / "note.dat"
    other.write_bytes(b"\x00\x01\x02binary")
    (problem,) = run(other)
    assert problem.code == "binary"


def test_missing_path_and_stdin(tmp_path: Path, monkeypatch) -> None:
    (problem,) = run(tmp_path / "nope.txt")
    assert problem.code == "not_found"
    (problem,) = run(tmp_path / "nope.zip")
    assert problem.code == "not_found"
    stdin = io.TextIOWrapper(io.BytesIO(b"Titel\n\nText von stdin.\n"), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    (article,) = run("-")
    assert (article.source, article.title) == ("-", "Titel")


def test_zip_and_tar_members_in_archive_order(tmp_path: Path, tree: Path) -> None:
    members = {
        "z/page.html": HTML.encode(),
        "a.txt": "Gold glänzt\n\nGold stieg.\n".encode(),
        "feed.jsonl": (tree / "feed.jsonl").read_bytes(),
        "dir/": b"",
    }
    archive = tmp_path / "news.zip"
    archive.write_bytes(zip_bytes(members))
    items = run(archive)
    assert summary(items, tmp_path)[:3] == [
        ("A", "news.zip!z/page.html", "Dax steigt kräftig"),
        ("A", "news.zip!a.txt", "Gold glänzt"),
        ("A", "news.zip!feed.jsonl:1", "Gold steigt"),
    ]
    assert len(items) == 2 + 7  # the directory entry is no candidate
    del members["dir/"]
    packed = tmp_path / "news.tar.gz"
    packed.write_bytes(tar_bytes(members))
    assert [item.source.replace("tar.gz", "zip") for item in run(packed)] == [
        item.source for item in items
    ]


def test_unsafe_paths_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    archive.write_bytes(zip_bytes({"../evil.txt": b"x", "/abs.txt": b"y", "ok.txt": b"Gut."}))
    items = run(archive)
    assert summary(items, tmp_path) == [
        ("error", "evil.zip!../evil.txt", "unsafe"),
        ("error", "evil.zip!/abs.txt", "unsafe"),
        ("A", "evil.zip!ok.txt", None),
    ]
    packed = tmp_path / "evil.tgz"
    packed.write_bytes(tar_bytes({"a/../../etc/x.txt": b"x"}))
    assert [item.code for item in run(packed)] == ["unsafe"]


def test_decompression_bombs_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        with out.open("zeros.txt", "w") as member:
            chunk = b"0" * (1 << 20)
            for _ in range(100):
                member.write(chunk)
        out.writestr("ratio.txt", b"0" * (2 << 20))  # 2 MiB at about 1000:1
        out.writestr("fine.txt", b"Kleiner Text.")
    assert archive.stat().st_size < 1 << 20
    items = run(archive)
    assert summary(items, tmp_path) == [
        ("error", "bomb.zip!zeros.txt", "unsafe"),
        ("error", "bomb.zip!ratio.txt", "unsafe"),
        ("A", "bomb.zip!fine.txt", None),
    ]
    assert "exceeds the 64 MiB limit" in items[0].message
    assert "compression ratio" in items[1].message


def test_tar_member_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("narrate.sources.MAX_MEMBER_BYTES", 1000)
    packed = tmp_path / "big.tar.gz"
    packed.write_bytes(tar_bytes({"big.txt": b"a " * 1000, "small.txt": b"Kurz."}))
    assert [
        (item.source.rsplit("!", 1)[1], getattr(item, "code", None)) for item in run(packed)
    ] == [
        ("big.txt", "unsafe"),
        ("small.txt", None),
    ]
    assert MAX_MEMBER_BYTES == 64 * 1024 * 1024


def test_nested_archives_links_and_damage(tmp_path: Path) -> None:
    archive = tmp_path / "outer.zip"
    archive.write_bytes(zip_bytes({"inner.zip": zip_bytes({"a.txt": b"x"}), "b.txt": b"Text."}))
    items = run(archive)
    assert summary(items, tmp_path) == [
        ("error", "outer.zip!inner.zip", "unsupported"),
        ("A", "outer.zip!b.txt", None),
    ]
    assert "inner.zip" in items[0].message

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as out:
        link = tarfile.TarInfo("link.txt")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        out.addfile(link)
        device = tarfile.TarInfo("dev")
        device.type = tarfile.CHRTYPE
        out.addfile(device)
    packed = tmp_path / "links.tar"
    packed.write_bytes(buffer.getvalue())
    assert summary(run(packed), tmp_path) == [
        ("error", "links.tar!link.txt", "unsupported"),
        ("error", "links.tar!dev", "unsupported"),
    ]

    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert summary(run(broken), tmp_path) == [("error", "broken.zip", "unreadable")]
    broken_tar = tmp_path / "broken.tgz"
    text = " ".join(f"Satz {n}." for n in range(3000)).encode()
    broken_tar.write_bytes(tar_bytes({"a.txt": text})[:300])
    assert [item.code for item in run(broken_tar)] == ["unreadable"]


def test_reuters_sgml_inline(tmp_path: Path) -> None:
    sgm = tmp_path / "reut2-999.sgm"
    sgm.write_bytes(
        b'<REUTERS NEWID="5"><DATE>26-FEB-1987 15:01:01.79</DATE><TEXT>&#2;\n'
        b"<TITLE>A &amp; B &lt;AB&gt; CAF\xc9 UP</TITLE><BODY>Shares rose.\n Reuter\n&#3;</BODY>"
        b"</TEXT></REUTERS>\n"
        b'<REUTERS NEWID="6"><DATE>bad</DATE><TEXT type="BRIEF"><TITLE>ONLY A TITLE</TITLE>'
        b"</TEXT></REUTERS>\n"
        b'<REUTERS NEWID="7"><DATE>garbage</DATE><TEXT><BODY>Body.</BODY></TEXT></REUTERS>\n'
    )
    items = run(sgm)
    assert summary(items, tmp_path) == [
        ("A", "reut2-999.sgm:NEWID=5", "A & B <AB> CAFÉ UP"),
        ("error", "reut2-999.sgm:NEWID=6", "empty"),
        ("warning", "reut2-999.sgm:NEWID=7", "no_date"),
        ("A", "reut2-999.sgm:NEWID=7", None),
    ]
    assert items[0].text == "A & B <AB> CAFÉ UP\n\nShares rose."
    assert items[0].published == date(1987, 2, 26)
    assert "no body" in items[1].message


@pytest.mark.shared
@pytest.mark.skipif(not REUTERS.exists(), reason=f"Reuters-21578 sample not found at {REUTERS}")
def test_reuters_21578_file() -> None:
    expected = len(re.findall(rb"<REUTERS\b", REUTERS.read_bytes()))
    items = run(REUTERS)
    articles = [item for item in items if isinstance(item, Article)]
    errors = [item for item in items if isinstance(item, Problem) and item.level == "error"]
    assert expected == 1000
    assert len(articles) + len(errors) == expected
    assert len({item.source for item in articles + errors}) == expected
    assert {p.code for p in errors} == {"empty"}
    first = articles[0]
    assert first.source == f"{REUTERS}:NEWID=1"
    assert first.title == "BAHIA COCOA REVIEW"
    assert first.published == date(1987, 2, 26)
    assert first.text.startswith("BAHIA COCOA REVIEW\n\nShowers continued throughout the week")
    assert "\x03" not in first.text and not first.text.endswith("Reuter")


def test_csv_row_the_reader_cannot_parse_stops_the_file(tmp_path: Path) -> None:
    table = tmp_path / "long.csv"
    table.write_text(f'text\nErster Text.\n"{"x" * 200_000}"\nDritter.\n', encoding="utf-8")
    # The csv module's field limit is process-wide and other code may raise it: pin the default.
    previous = csv.field_size_limit(131_072)
    try:
        items = run(table)
    finally:
        csv.field_size_limit(previous)
    assert summary(items, tmp_path) == [
        ("A", "long.csv:1", None),
        ("error", "long.csv:2", "malformed"),
    ]
    assert "the rest of the file is not read" in items[1].message


def test_zip_symlink_member_is_not_read(tmp_path: Path) -> None:
    archive = tmp_path / "links.zip"
    with zipfile.ZipFile(archive, "w") as out:
        link = zipfile.ZipInfo("link.txt")
        link.external_attr = 0o120777 << 16
        out.writestr(link, "/etc/passwd")
    assert summary(run(archive), tmp_path) == [("error", "links.zip!link.txt", "unsupported")]


def test_estimate_count_for_the_progress_bar(tree: Path, tmp_path: Path) -> None:
    from narrate.sources import estimate_count

    # JSON needs parsing to be counted; without it, the rest of the tree is counted exactly
    # except the JSONL blank line and the CSV cell that spans two lines (each counts once more).
    (tree / "list.json").unlink()
    candidates = [i for i in run(tree) if not (isinstance(i, Problem) and i.level == "warning")]
    assert estimate_count([str(tree)]) == len(candidates) + 2 == 12
    assert estimate_count([str(tree)], glob="*.txt") == 1
    archive = tmp_path / "news.zip"
    archive.write_bytes(zip_bytes({"a.txt": b"x", "d/b.txt": b"y", "c.html": b"z"}))
    last_line = tmp_path / "no_newline.jsonl"
    last_line.write_text('{"text": "a"}\n{"text": "b"}', encoding="utf-8")
    assert estimate_count([str(archive), str(last_line)]) == 5
    if REUTERS.exists():
        assert estimate_count([str(REUTERS)]) == 1000
    tgz = tmp_path / "news.tgz"
    tgz.write_bytes(tar_bytes({"a.txt": b"x"}))
    assert estimate_count([str(tgz)]) is None  # a compressed stream: unknown without reading
    assert estimate_count(["-"]) is None


def test_record_files_are_streamed_line_by_line(tmp_path: Path, monkeypatch) -> None:
    import narrate.sources as sources

    monkeypatch.setattr(sources, "_READ_CHUNK", 64)  # the encoding sample ends early
    feed = tmp_path / "feed.jsonl"
    lines = [json.dumps({"text": f"Der Dax stieg um {i} Prozent."}) for i in range(1, 6)]
    data = "\n".join(lines).encode("utf-8").replace(b"um 3 ", b"um \xff3 ")
    feed.write_bytes(data)
    got = summary(run(feed), tmp_path)
    assert got[2] == ("error", "feed.jsonl:3", "malformed")  # only the line that does not decode
    assert [g[1] for g in got if g[0] == "A"] == [f"feed.jsonl:{i}" for i in (1, 2, 4, 5)]

    table = tmp_path / "table.csv"
    rows = "title,text\n" + "".join(f"Börse {i},Der Dax gewann {i} Prozent.\n" for i in range(9))
    table.write_bytes(rows.encode("cp1252"))
    items = run(table)
    assert isinstance(items[0], Problem) and items[0].code == "decoded_fallback"
    assert [a.title for a in items[1:]] == [f"Börse {i}" for i in range(9)]

    wide = tmp_path / "wide.jsonl"
    wide.write_bytes(("\n".join(lines) + "\n").encode("utf-16"))
    assert [type(i).__name__ for i in run(wide)].count("Article") == 5
