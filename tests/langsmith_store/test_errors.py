"""Bad requests raise the SDK's own exceptions, say what was wrong, and store nothing half-way."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langsmith.schemas import DataType
from langsmith.utils import LangSmithConflictError, LangSmithError, LangSmithNotFoundError

CHAT_OK = {"inputs": {"input": [{"type": "human", "data": {"content": "hi"}}]},
           "outputs": {"output": {"type": "ai", "data": {"content": "hello"}}}}


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_unknown_dataset_and_example_raise_not_found(ls_client):
    c = ls_client
    with pytest.raises(LangSmithNotFoundError):
        c.read_dataset(dataset_name="no-such-dataset")
    with pytest.raises(LangSmithNotFoundError) as e:
        c.read_dataset(dataset_id=uuid.uuid4())
    assert "not found" in str(e.value) and "Fix" in str(e.value)
    with pytest.raises(LangSmithNotFoundError):
        c.create_examples(dataset_name="no-such-dataset", examples=[{"inputs": {"q": 1}}])
    with pytest.raises(LangSmithNotFoundError):
        c.create_examples(dataset_id=uuid.uuid4(), examples=[{"inputs": {"q": 1}}])
    with pytest.raises(LangSmithNotFoundError):
        c.read_example(uuid.uuid4())
    with pytest.raises(LangSmithNotFoundError):
        list(c.list_examples(dataset_id=uuid.uuid4()))
    with pytest.raises(LangSmithNotFoundError):
        c.delete_dataset(dataset_id=uuid.uuid4())
    with pytest.raises(LangSmithNotFoundError):
        c.delete_example(uuid.uuid4())
    assert not c.has_dataset(dataset_name="no-such-dataset")


def test_duplicate_name_raises_conflict(ls_client):
    c = ls_client
    name = _name("dup")
    c.create_dataset(name)
    with pytest.raises(LangSmithConflictError) as e:
        c.create_dataset(name, data_type=DataType.chat)
    assert "already exists" in str(e.value)
    assert [d.data_type for d in c.list_datasets(dataset_name=name)] == [DataType.kv]


def test_duplicate_example_id_conflicts_and_stores_nothing(ls_client):
    c = ls_client
    ds = c.create_dataset(_name("dupex"))
    taken = uuid.uuid4()
    c.create_examples(dataset_id=ds.id, examples=[{"id": taken, "inputs": {"q": 0}}])
    with pytest.raises(LangSmithConflictError):
        c.create_examples(dataset_id=ds.id, examples=[{"inputs": {"q": 1}}, {"id": taken, "inputs": {"q": 2}}])
    assert [e.inputs for e in c.list_examples(dataset_id=ds.id)] == [{"q": 0}]


def test_malformed_example_in_a_batch_fails_it_all(ls_client):
    """A chat dataset refuses an example whose inputs hold no message list; the SDK raises, and none of the
    batch (the good examples before and after it included) is stored."""
    c = ls_client
    ds = c.create_dataset(_name("bad"), data_type=DataType.chat)
    bad = {"inputs": {"question": "no messages here"}, "outputs": CHAT_OK["outputs"]}
    with pytest.raises(LangSmithError) as e:
        c.create_examples(dataset_id=ds.id, examples=[CHAT_OK, CHAT_OK, bad, CHAT_OK])
    text = str(e.value)
    assert "422" in text and "example 2" in text and "must be a non-empty list of messages" in text and "Fix" in text
    assert c.read_dataset(dataset_id=ds.id).example_count == 0
    assert list(c.list_examples(dataset_id=ds.id)) == []
    with pytest.raises(LangSmithError):  # a message of an unknown type
        c.create_examples(dataset_id=ds.id, examples=[
            CHAT_OK, {"inputs": {"input": [{"type": "robot", "data": {"content": "x"}}]}}])
    assert c.read_dataset(dataset_id=ds.id).example_count == 0
    c.create_examples(dataset_id=ds.id, examples=[CHAT_OK])
    with pytest.raises(LangSmithError):  # an update must keep the example valid for the data type
        c.update_example(next(c.list_examples(dataset_id=ds.id)).id, outputs={"answer": "text"})
    assert next(c.list_examples(dataset_id=ds.id)).outputs == CHAT_OK["outputs"]


@pytest.mark.parametrize("body", [
    [{"inputs": "not an object"}],
    [{"inputs": {"q": 1}}, {"inputs": ["a", "list"]}],
    [{"inputs": {"q": 1}, "outputs": 3}],
    [{"inputs": {"q": 1}, "id": "not-a-uuid"}],
])
def test_malformed_bodies_are_422_with_detail_and_store_nothing(store_url, client, body):
    """Bodies the SDK would refuse to build, sent raw to the legacy bulk path: 422 ``{"detail": ...}``."""
    ds = client.create_dataset(_name("raw"))
    r = httpx.post(f"{store_url}/examples/bulk", json=[{**b, "dataset_id": str(ds.id)} for b in body])
    assert r.status_code == 422 and "nothing was stored" in r.json()["detail"], r.text
    assert client.read_dataset(dataset_id=ds.id).example_count == 0


def test_malformed_multipart_parts_are_422(store_url, client):
    ds = client.create_dataset(_name("mp"))
    ex = str(uuid.uuid4())
    url = f"{store_url}/v1/platform/datasets/{ds.id}/examples"
    for files in ({ex: (None, "{}"), f"{ex}.inputs": (None, '"text"')},
                  {ex: (None, "{}"), f"{ex}.inputs": (None, "{not json")},
                  {ex: (None, "{}"), f"{ex}.inputs": (None, "{}"), f"{ex}.attachment.img": (None, "xx")}):
        r = httpx.post(url, files=files)
        assert r.status_code == 422 and r.json()["detail"], r.text
    assert client.read_dataset(dataset_id=ds.id).example_count == 0
    r = httpx.post(url, json=[])
    assert r.status_code == 422 and "multipart" in r.json()["detail"]


def test_empty_dataset_export_says_so(client):
    ds = client.create_dataset(_name("empty"), data_type=DataType.chat)
    with pytest.raises(LangSmithError) as e:
        client.read_dataset_openai_finetuning(dataset_id=ds.id)
    assert "no examples" in str(e.value)


def test_unsupported_query_features_are_refused_not_ignored(store_url, client):
    ds = client.create_dataset(_name("q"))
    for params in ({"filter": 'has(metadata, \'{"a": 1}\')'}, {"as_of": "2024-01-01T00:00:00Z"}):
        r = httpx.get(f"{store_url}/examples", params={"dataset": str(ds.id), **params})
        assert r.status_code == 422, r.text
