"""Training data: loaders for every labelled set into one example schema.

Every loader returns a :class:`datasets.DatasetDict` whose splits share
:data:`~newsstance.training.data.schema.FEATURES` (see :mod:`.schema` for the columns):

>>> from newsstance.training.data import load_source, exclude_groups, nqs_dev_groups
>>> fnc = exclude_groups(load_source("fnc1"), nqs_dev_groups())  # doctest: +SKIP

Modules: :mod:`.schema` (columns, labels, checks), :mod:`.splits` (seeded grouped splits,
:func:`exclude_groups`), one module per source family (quote windows and relevant-sentence
selection come from :mod:`newsstance.inference.text_windows`, which inference shares),
:mod:`.files` (user files, the Hub) and :mod:`.registry`.
"""

from .files import HubUnavailableError, from_dir, from_file, from_hub
from .nqs import nqs_dev_groups
from .registry import ALIASES, SOURCES, load_source
from .schema import FEATURES, SENTIMENT_LABELS, STANCE_LABELS, SchemaError, check_dataset
from .splits import SPLIT_SEED, exclude_groups, shared_groups

__all__ = [
    "ALIASES", "FEATURES", "SENTIMENT_LABELS", "SOURCES", "SPLIT_SEED", "STANCE_LABELS",
    "HubUnavailableError", "SchemaError", "check_dataset", "exclude_groups", "from_dir",
    "from_file", "from_hub", "load_source", "nqs_dev_groups", "shared_groups",
]
