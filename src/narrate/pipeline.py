"""The pipeline: one Article in, its language, events and problems out.

Stages run in one direction, each a plain function of the previous stage's output:
language -> sentences -> mentions (entities, numbers, dates) -> moves -> events.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from narrate import langid, nlp
from narrate.assemble import assemble
from narrate.catalog import Catalog, load_catalog
from narrate.extractors.dates import find_dates
from narrate.extractors.moves import anaphors, find_moves, move_cues, name_sentences
from narrate.extractors.numbers import find_quantities
from narrate.lang import SUPPORTED
from narrate.records import Article, Event, Problem, Record, UnlinkedEntity

if TYPE_CHECKING:
    from narrate.models.registry import Models


class Settings(Record):
    """Everything a run can be told; passed explicitly, never read from globals."""

    lang: Literal["auto", "de", "en"] = "auto"
    langid_backend: Literal["lingua", "langdetect"] = "lingua"
    catalog: Path | None = None  # a user file that adds or overrides catalog entries
    # Transformer models (sentiment, NER) are off by default: extraction stays rule-only,
    # offline and byte-identical without a model installed.
    models: bool = False
    model: str | None = None  # registry name, model folder or hub id; None: narrate-e5-fin
    quantize: Literal["none", "int8"] = "int8"
    model_threads: int | None = None  # torch threads; None: torch's default


class ArticleResult(Record):
    article: Article
    lang: str | None
    events: list[Event] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    # Filled only with Settings(models=True); see narrate.sentiment.
    doc_sentiment_label: Literal["positive", "negative", "neutral"] | None = None
    doc_sentiment_score: float | None = None
    # Ambiguous aliases left unlinked for want of context (catalog/data/ambiguous.yaml), and with
    # Settings(models=True) the names the NER model found that the catalog does not know.
    unlinked: list[UnlinkedEntity] = Field(default_factory=list)


def process(
    article: Article,
    settings: Settings,
    catalog: Catalog | None = None,
    models: Models | None = None,
) -> ArticleResult:
    """Run every stage on one article. Bad input becomes a Problem, never an exception.

    With `settings.models`, the model stage (narrate.sentiment) runs after assemble, on
    `models` or else on the process-wide models for `settings.model`; a missing or damaged
    model raises narrate.models.base.ModelError (a set-up error, not bad input).
    """
    if settings.lang != "auto":
        lang = settings.lang
    else:
        guess = langid.detect(article.text, backend=settings.langid_backend)
        if guess.lang is None or not guess.supported:
            what = f"'{guess.lang}'" if guess.lang else "not identifiable"
            return ArticleResult(
                article=article,
                lang=guess.lang,
                problems=[
                    Problem(
                        source=article.source,
                        level="error",
                        code="unsupported_language",
                        message=(
                            f"{article.source}: unsupported language {what} (narrate reads "
                            f"{' and '.join(SUPPORTED)}; use --lang to force one)"
                        ),
                        article_id=article.id,
                    )
                ],
            )
        lang = guess.lang
    catalog = catalog or load_catalog(settings.catalog)
    text = article.text
    entities, ambiguous = catalog.link(text, lang)
    # Companies the catalog does not know but whose Reuters code the text gives ("Wizz Air
    # <WIZZ.L>") are entities of this article, named as the text names them.
    entities, coded = catalog.coded(text, entities)

    def entity_of(entity_id: str):
        return coded.get(entity_id) or catalog.get(entity_id)

    entities = anaphors(text, entities, lang, entity_of)
    quantities = find_quantities(text, lang)
    dates = find_dates(text, lang, article.published)
    # Only paragraphs that name an entity can hold a move: the rest are not even tokenized.
    sentence_spans = nlp.sentences(
        text,
        lang,
        containing=[e.start for e in entities],
        whole=[(e.start, e.end) for e in entities],
    )
    moves = find_moves(text, sentence_spans, entities, quantities, dates, lang, entity_of)
    events = assemble(article, lang, moves, entity_of)
    if not settings.models:
        return ArticleResult(article=article, lang=lang, events=events, unlinked=ambiguous)
    from narrate.models.registry import shared_models
    from narrate.sentiment import annotate

    if models is None:
        models = shared_models(settings.model, settings.quantize, settings.model_threads)
    # NER also reads sentences without a catalog entity that may report a move of a company
    # the catalog does not know ("Delivery firm Deliveroo is also up by 6%"). They are
    # split here, apart from the rules' sentences, so the events stay those of a run without
    # models.
    extra: list[tuple[int, int]] = []
    if models.ner is not None:
        cues = move_cues(text, quantities, lang)
        candidates = nlp.sentences(text, lang, containing=cues)
        extra = name_sentences(text, candidates, entities, cues, lang)
    notes = annotate(article, events, entities, sentence_spans, models.sentiment, models.ner, extra)
    # The model may tag an ambiguous name too; the catalog's "ambiguous" record says more.
    unknown = [
        u for u in notes.unlinked if not any(a.start < u.end and u.start < a.end for a in ambiguous)
    ]
    return ArticleResult(
        article=article,
        lang=lang,
        events=notes.events,
        doc_sentiment_label=notes.doc_sentiment_label,
        doc_sentiment_score=notes.doc_sentiment_score,
        unlinked=sorted([*ambiguous, *unknown], key=lambda u: (u.start, u.end)),
    )
