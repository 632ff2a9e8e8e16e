"""dry_run through the chain: the report comes back in the summary, nothing is uploaded, no job starts."""

from __future__ import annotations

import pytest

from lsft_chain import ConfigError, FineTuneSummary, build_chain
from tests.datasets import color_records, write_jsonl


def test_dry_run_returns_the_report_without_uploading(provider, client, tmp_path):
    records = [{"messages": [{"role": "system", "content": "Answer."}, {"role": "user", "content": f"q{i}"},
                             {"role": "assistant", "content": f"a{i}"}]} for i in range(24)]
    records += records[:2]  # two repeats
    data = write_jsonl(tmp_path / "colors.jsonl", records)
    files, jobs = len(client.files.list().data), len(client.fine_tuning.jobs.list().data)
    summary = build_chain(provider).invoke({"path": str(data), "dry_run": True, "base_model": "gpt-4o-mini",
                                            "validation_split": 0.25, "split_seed": 3})
    assert isinstance(summary, FineTuneSummary) and summary.status == "dry_run" and summary.job_id == ""
    report = summary.data
    assert report["examples_in"] == 26 and report["dropped_count"] == 2
    assert report["examples"] + report["validation_examples"] == 24 and report["validation_examples"] > 0
    assert report["encoding"] == "o200k_base" and report["estimated_cost"] > 0 and report["billed_tokens"] > 0
    assert report["estimated_epochs"] == 100 // report["examples"] or report["estimated_epochs"] == 3
    assert len(client.files.list().data) == files and len(client.fine_tuning.jobs.list().data) == jobs


def test_fewer_than_10_training_examples_stop_the_chain(provider, client, tmp_path):
    from lsft_chain import DataValidationError

    data = write_jsonl(tmp_path / "few.jsonl", color_records(9))
    with pytest.raises(DataValidationError, match="at least 10"):
        build_chain(provider).invoke({"path": str(data), "dry_run": True})


def test_split_and_validation_path_together_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="not both"):
        build_chain().invoke({"path": "a.jsonl", "validation_path": "b.jsonl", "validation_split": 0.1})
