"""Warm-up for batch workers, imported once by the process pool's fork server.

With the "forkserver" start method, a clean server process imports this module and then forks
every worker from itself. Workers therefore start with narrate, spaCy, the catalog matcher and
lingua's detectors already in memory (shared copy-on-write), instead of each spending seconds
importing and loading them (measured in benchmarks/bench_batch.py). Only the rule pipeline is
warmed: torch is imported (spaCy's thinc imports it) but never run here, so forking stays safe;
a worker loads transformer models itself, on its first chunk with --models.
"""

from __future__ import annotations

from narrate.pipeline import Settings, process
from narrate.records import Article

# One text per language the pipeline can meet: German and English load their spaCy pipelines
# and the catalog matcher; French makes lingua load its full detector (see narrate.langid).
_SAMPLES = {
    "de": "Der DAX stieg am Dienstag um 1,2 Prozent auf 18.000 Punkte.",
    "en": "Shares of Apple rose 3 percent to $190 on Tuesday, traders said.",
    "fr": "Le CAC 40 a gagné 1,2 % mardi à la clôture, selon les courtiers parisiens.",
}


def warm() -> None:
    """Runs the default pipeline once per sample; results are discarded."""
    settings = Settings()
    for lang, text in _SAMPLES.items():
        process(Article(id=f"warm-{lang}", source=f"warm-{lang}", text=text), settings)


warm()
