"""One entry point for every data source: :func:`load_source` and the :data:`SOURCES` table."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import datasets

from .files import FILE_SUFFIXES, from_dir, from_file, from_hub
from .financial import (
    load_financial_phrasebank,
    load_semeval2017_task5_headlines,
    load_sentfin,
)
from .fnc import load_arc_ukp, load_fnc1
from .ibm import load_ibm_claim_stance
from .newsmtsc import load_newsmtsc
from .nqs import load_nqs
from .persent import load_persent
from .semeval import load_semeval2016_task6
from .vast import load_vast

Loader = Callable[..., datasets.DatasetDict]

#: Source name → loader (each takes ``data_dir`` first, then its own keyword options).
SOURCES: dict[str, Loader] = {
    "nqs": load_nqs,
    # nqs as `newsstance analyze` reads it: each quote in its whole article
    "nqs_articles": partial(load_nqs, whole_articles=True),
    "fnc1": load_fnc1,
    "semeval2016_task6": load_semeval2016_task6,
    "ibm_claim_stance": load_ibm_claim_stance,
    "arc_ukp": load_arc_ukp,
    "vast": load_vast,
    "newsmtsc": load_newsmtsc,
    "sentfin": load_sentfin,
    "financial_phrasebank": load_financial_phrasebank,
    "persent": load_persent,
    "semeval2017_task5_headlines": load_semeval2017_task5_headlines,
}
#: Other names accepted by :func:`load_source`.
ALIASES: dict[str, str] = {"arc": "arc_ukp", "semeval2016": "semeval2016_task6",
                           "ibm": "ibm_claim_stance", "fpb": "financial_phrasebank"}


def load_source(
    spec: str, data_dir: str | os.PathLike[str] | None = None, **kwargs: Any
) -> datasets.DatasetDict:
    """Load one source as a ``DatasetDict`` in the schema.

    ``spec`` is a name in :data:`SOURCES` (or :data:`ALIASES`), e.g. ``"fnc1"``; a path to a
    schema ``.jsonl``/``.csv`` file or to a folder of ``train``/``dev`` files; or
    ``"hub:<name>"`` for a Hugging Face Hub data set (keyword arguments go to
    :func:`~.files.from_hub`, which needs ``text=``, ``label=``, ``task=``). ``kwargs`` go to the
    loader, e.g. ``load_source("fnc1", unrelated="neutral")``.
    """
    name = ALIASES.get(spec, spec)
    if name in SOURCES:
        return SOURCES[name](data_dir, **kwargs)
    if spec.startswith("hub:"):
        return from_hub(spec[len("hub:"):], **kwargs)
    path = Path(spec)
    if path.is_dir():
        return from_dir(path, **kwargs)
    if path.suffix in FILE_SUFFIXES:
        return from_file(path, **kwargs)
    raise ValueError(f"unknown data source {spec!r}: use one of {', '.join(SOURCES)}, "
                     f"a path to a {'/'.join(FILE_SUFFIXES)} file or folder, or 'hub:<name>'")
