"""Model stage after assemble: target sentiment on events, a document sentiment, unlinked names.

Sentences that name a catalog entity (and so every sentence with an event) go through the
models; with a NER model so do sentences that may report a move of a company the catalog does
not know (`moves.name_sentences`: a number or direction word and, in English, a capitalised word
that is no stop word). An article with neither costs no inference. With the shipped multitask
model each sentence is encoded once for NER and every mention in it (`MultiTaskRuntime.analyze`).

- Event sentiment: the sentiment towards the event's entity (target = its mention text) in the
  event's sentence -> `Event.sentiment_label` / `sentiment_score` (probability of the label).
- Document sentiment: the mean, over every (sentence, entity mention) pair of those sentences,
  of the three class probabilities; the label is the most probable class of that mean and the
  score its probability. It is the sentiment towards the entities the article is about, which
  is what a market reader wants; a headline alone is often neutral or missing in the input, and
  one headline target would let one phrase decide for the whole article. An article without
  any catalog entity has no document sentiment (None).
- Unlinked entities: ORG spans the NER model tags in all those sentences that overlap no catalog
  mention become `UnlinkedEntity` records (reason "not_in_catalog"): candidates for the
  catalog, never events.

`score_lines` is the plain function behind `narrate sentiment`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from narrate.models.base import (
    SENTIMENT_LABELS,
    NerModel,
    NerSpan,
    SentimentLabel,
    SentimentScore,
    TargetSentimentModel,
)
from narrate.records import Article, EntityMention, Event, Record, UnlinkedEntity

Span = tuple[int, int]  # (start, end) character offsets into the article text


class ModelNotes(Record):
    """What the model stage adds to one article."""

    events: list[Event]
    doc_sentiment_label: SentimentLabel | None = None
    doc_sentiment_score: float | None = None
    unlinked: list[UnlinkedEntity] = []


def _clean(text: str) -> str:
    # Event.sentence is whitespace-normalized (assemble): targets are scored in the same form.
    return " ".join(text.split())


def _joint_runtime(sentiment: TargetSentimentModel, ner: NerModel | None):
    """The shared runtime when both models are heads of one multitask model, else None."""
    runtime = getattr(sentiment, "runtime", None)
    if runtime is None or not hasattr(runtime, "analyze"):
        return None
    if ner is not None and getattr(ner, "runtime", None) is not runtime:
        return None
    return runtime


def annotate(
    article: Article,
    events: Sequence[Event],
    entities: Sequence[EntityMention],
    sentences: Sequence[Span],
    sentiment: TargetSentimentModel,
    ner: NerModel | None = None,
    name_sentences: Sequence[Span] = (),
) -> ModelNotes:
    """Run the models on the sentences that name an entity; see the module docstring.

    Args:
        article: The article (offsets refer to its text).
        events: Its assembled events.
        entities: Catalog mentions found in the text.
        sentences: Sentence spans; those without an entity mention are skipped.
        sentiment: Target-sentiment model.
        ner: NER model, or None for no unlinked entities.
        name_sentences: Sentences without an entity mention that NER reads as well
            (`moves.name_sentences`); they add unlinked entities only.

    Returns:
        The events with sentiment filled in, the document sentiment and unlinked entities.
    """
    text = article.text
    in_sentence: list[tuple[Span, list[EntityMention]]] = []
    for start, end in sentences:
        inside = [e for e in entities if start <= e.start and e.end <= end]
        if inside:
            in_sentence.append(((start, end), inside))
    named = {span for span, _ in in_sentence}
    extra = [s for s in name_sentences if s not in named] if ner is not None else []

    doc_pairs = list(
        dict.fromkeys(
            (_clean(text[start:end]), mention.text)
            for (start, end), inside in in_sentence
            for mention in inside
        )
    )
    scores: dict[tuple[str, str], SentimentScore] = {}
    tags: list[list[NerSpan]] | None = None
    joint = _joint_runtime(sentiment, ner)
    if joint is not None and in_sentence:
        # One forward pass per sentence gives NER and the sentiment of each of its mentions.
        results = joint.analyze(
            [text[start:end] for (start, end), _ in in_sentence],
            [
                [(m.start - start, m.end - start) for m in inside]
                for (start, _), inside in in_sentence
            ],
            ner=ner is not None,
        )
        for ((start, end), inside), result in zip(in_sentence, results, strict=True):
            for mention, score in zip(inside, result.scores, strict=True):
                scores.setdefault((_clean(text[start:end]), mention.text), score)
        tags = [result.spans for result in results] if ner is not None else None
    event_pairs = [(event.sentence, event.mention) for event in events]
    pairs = [p for p in dict.fromkeys([*doc_pairs, *event_pairs]) if p not in scores]
    if pairs:
        scores.update(zip(pairs, sentiment.score(pairs), strict=True))

    filled = [
        event.model_copy(
            update={
                "sentiment_label": scores[(event.sentence, event.mention)].label,
                "sentiment_score": scores[(event.sentence, event.mention)].score,
            }
        )
        for event in events
    ]
    doc_label, doc_score = None, None
    if doc_pairs:
        mean = [sum(scores[p].probs[k] for p in doc_pairs) / len(doc_pairs) for k in range(3)]
        best = max(range(3), key=lambda k: mean[k])
        doc_label, doc_score = SENTIMENT_LABELS[best], round(mean[best], 6)

    unlinked: list[UnlinkedEntity] = []
    if ner is not None and (in_sentence or extra):
        spans = [span for span, _ in in_sentence]
        if tags is None:
            tags = ner.tag([text[s:e] for s, e in spans])
        # Apart from the entity sentences: int8 scales activations per batch, so the events'
        # sentiment stays what it is without them.
        spans += extra
        tags = [*tags, *ner.tag([text[s:e] for s, e in extra])]
        for (start, _end), tagged in zip(spans, tags, strict=True):
            for found in tagged:
                if found.label != "ORG":
                    continue
                lo, hi = start + found.start, start + found.end
                if not any(c.isalpha() for c in text[lo:hi]) or _inside_code(text, lo, hi):
                    continue  # "," or "TRIP.O" tagged inside a code ("<TRIP.O>") is no name
                if any(e.start < hi and lo < e.end for e in entities):
                    continue  # the catalog knows it (or a name overlapping it)
                unlinked.append(
                    UnlinkedEntity(
                        text=text[lo:hi], start=lo, end=hi, score=found.score, model=ner.name
                    )
                )
    return ModelNotes(
        events=filled,
        doc_sentiment_label=doc_label,
        doc_sentiment_score=doc_score,
        unlinked=unlinked,
    )


def _inside_code(text: str, start: int, end: int) -> bool:
    """The span lies in a Reuters instrument code in angle brackets ("<TRIP.O>", "<.SPLRCL>")."""
    before, after = text[max(0, start - 12) : start], text[end : end + 12]
    opened = before.rfind("<")
    closed = after.find(">")
    return (
        opened >= 0
        and ">" not in before[opened:]
        and closed >= 0
        and "<" not in after[:closed]
        and " " not in before[opened:] + text[start:end] + after[:closed]
    )


class LineSentiment(Record):
    """One output line of `narrate sentiment`."""

    text: str
    lang: str | None
    target: str | None  # the entity scored; None in document mode (the whole line)
    label: SentimentLabel
    score: float


def score_lines(
    lines: Iterable[str],
    model: TargetSentimentModel,
    *,
    target: str | None = None,
    lang: str = "auto",
    chunk: int = 256,
) -> Iterator[LineSentiment]:
    """Sentiment of each non-empty line, streamed in chunks.

    Args:
        lines: Sentences or headlines, one per item (surrounding whitespace is dropped).
        model: The sentiment model.
        target: The entity to score in every line; None: the first catalog entity found in
            the line, or, when there is none, the whole line (document mode).
        lang: "de", "en" or "auto" (detected per line; used to find catalog entities).
        chunk: Lines scored together.
    """
    from narrate import langid
    from narrate.catalog import load_catalog

    catalog = load_catalog()
    batch: list[tuple[str, str | None, str | None]] = []

    def flush() -> Iterator[LineSentiment]:
        items = [(text, found or text) for text, _, found in batch]
        for (text, code, found), result in zip(batch, model.score(items), strict=True):
            yield LineSentiment(
                text=text, lang=code, target=found, label=result.label, score=result.score
            )
        batch.clear()

    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        if lang == "auto":
            guess = langid.detect(text)
            code = guess.lang
            search = [guess.lang] if guess.supported else ["en", "de"]
        else:
            code, search = lang, [lang]
        found = target
        if found is None:
            for each in search:
                mentions = catalog.find(text, each)
                if mentions:
                    found = mentions[0].text
                    break
        batch.append((text, code, found))
        if len(batch) >= chunk:
            yield from flush()
    if batch:
        yield from flush()
