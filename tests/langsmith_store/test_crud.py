"""Datasets and examples through the real SDK: create, read (by id and name), list and filter, update, delete."""

from __future__ import annotations

import uuid

from langsmith.schemas import DataType


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_datasets_create_read_list_has_delete(ls_client):
    c = ls_client
    name = _name("crud")
    ds = c.create_dataset(name, description="d", data_type=DataType.kv, metadata={"team": "x"})
    assert ds.name == name and ds.description == "d" and ds.data_type == DataType.kv and ds.created_at
    by_name, by_id = c.read_dataset(dataset_name=name), c.read_dataset(dataset_id=ds.id)
    assert by_name.id == by_id.id == ds.id and by_id.example_count == 0 and by_id.metadata["team"] == "x"
    assert c.has_dataset(dataset_name=name) and c.has_dataset(dataset_id=ds.id)
    assert [d.id for d in c.list_datasets(dataset_name=name)] == [ds.id]
    assert ds.id in [d.id for d in c.list_datasets(dataset_name_contains=name[-8:].upper())]
    assert ds.id in [d.id for d in c.list_datasets(data_type="kv")]
    assert ds.id not in [d.id for d in c.list_datasets(data_type="chat")]
    assert [d.id for d in c.list_datasets(dataset_ids=[ds.id])] == [ds.id]
    assert [d.id for d in c.list_datasets(metadata={"team": "x"}, dataset_name=name)] == [ds.id]
    assert len(list(c.list_datasets(limit=1))) == 1
    c.delete_dataset(dataset_name=name)
    assert not c.has_dataset(dataset_name=name) and not c.has_dataset(dataset_id=ds.id)


def test_examples_create_read_list_update_delete(ls_client):
    c = ls_client
    ds = c.create_dataset(_name("ex"))
    made = c.create_examples(dataset_id=ds.id, examples=[
        {"inputs": {"q": f"q{i}"}, "outputs": {"a": f"a{i}"}, "metadata": {"i": i},
         "split": "train" if i < 3 else ["test", "extra"]} for i in range(5)])
    assert made["count"] == 5
    listed = list(c.list_examples(dataset_id=ds.id))
    assert [e.inputs["q"] for e in listed] == [f"q{i}" for i in range(5)]  # insertion order
    ex = listed[0]
    assert ex.outputs == {"a": "a0"} and ex.metadata["i"] == 0 and ex.metadata["dataset_split"] == ["train"]
    assert ex.dataset_id == ds.id and ex.created_at and ex.modified_at

    # filters: example_ids, splits, metadata; by dataset name
    ids = [listed[1].id, listed[4].id]
    assert sorted(e.id for e in c.list_examples(example_ids=ids)) == sorted(ids)
    assert [e.inputs["q"] for e in c.list_examples(dataset_id=ds.id, splits=["test"])] == ["q3", "q4"]
    assert len(list(c.list_examples(dataset_id=ds.id, splits=["train", "extra"]))) == 5
    assert [e.inputs["q"] for e in c.list_examples(dataset_id=ds.id, metadata={"i": 2})] == ["q2"]
    assert len(list(c.list_examples(dataset_name=ds.name, offset=2, limit=2))) == 2

    # single create, read
    one = c.create_example(inputs={"q": "solo"}, outputs={"a": "s"}, dataset_id=ds.id, split="dev")
    got = c.read_example(one.id)
    assert got.inputs == {"q": "solo"} and got.outputs == {"a": "s"} and got.metadata["dataset_split"] == ["dev"]

    # update: only the given fields change
    before = c.read_example(ex.id)
    c.update_example(ex.id, inputs={"q": "changed"}, metadata={"i": 99}, split="test")
    after = c.read_example(ex.id)
    assert after.inputs == {"q": "changed"} and after.outputs == {"a": "a0"}
    assert after.metadata == {"i": 99, "dataset_split": ["test"]} and after.modified_at >= before.modified_at
    assert after.created_at == before.created_at

    # delete
    c.delete_example(one.id)
    assert one.id not in [e.id for e in c.list_examples(dataset_id=ds.id)]
    c.delete_examples([listed[1].id])
    assert c.read_dataset(dataset_id=ds.id).example_count == 4
    c.delete_dataset(dataset_id=ds.id)


def test_store_is_shared_by_both_api_paths_and_keeps_chat_llm_types(store_servers):
    import langsmith

    mp = langsmith.Client(api_url=store_servers["multipart"][0], api_key="k")
    legacy = langsmith.Client(api_url=store_servers["legacy"][0], api_key="k")
    chat = mp.create_dataset(_name("chat"), data_type=DataType.chat)
    legacy.create_examples(dataset_id=chat.id, examples=[{
        "inputs": {"input": [{"role": "user", "content": "hi"}]},
        "outputs": {"output": {"role": "assistant", "content": "hello"}}}])
    assert [r["messages"] for r in mp.read_dataset_openai_finetuning(dataset_id=chat.id)] == [
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]]
    llm = legacy.create_dataset(_name("llm"), data_type=DataType.llm)
    mp.create_examples(dataset_id=llm.id, examples=[{"inputs": {"input": "2+2"}, "outputs": {"output": "4"}}])
    assert mp.read_dataset(dataset_id=llm.id).data_type == DataType.llm
    assert legacy.read_dataset_openai_finetuning(dataset_name=llm.name) == [
        {"messages": [{"role": "user", "content": "2+2"}, {"role": "assistant", "content": "4"}]}]
