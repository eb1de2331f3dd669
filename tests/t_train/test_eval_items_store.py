"""Per-item eval results in the store: before and after joinable by item id, reruns replace, runs cascade."""

from __future__ import annotations

from db.models import EvalItem
from db.store import Store


def test_eval_items_roundtrip_and_join(tmp_path):
    with Store(tmp_path / "kcc.db") as store:
        run = store.create_run("eval", {})
        rows = [EvalItem(run_id=run.id, role=role, model=f"m-{role}", benchmark="kmmlu", item_id=f"q{i}",
                         metric="acc", value=float((i + (role == "after")) % 2), category="Law")
                for role in ("before", "after") for i in range(4)]
        assert store.add_eval_items(rows) == 8
        # a rerun of the same item replaces, never duplicates
        store.add_eval_items([rows[0].model_copy(update={"value": 1.0})])
        got = store.eval_items(run.id)
        assert len(got) == 8
        before = {r.item_id: r.value for r in store.eval_items(run.id, role="before")}
        after = {r.item_id: r.value for r in store.eval_items(run.id, role="after", benchmark="kmmlu")}
        assert before.keys() == after.keys() == {"q0", "q1", "q2", "q3"}
        assert before["q0"] == 1.0 and after["q0"] == 1.0 and before["q1"] == 1.0 and after["q1"] == 0.0
        joined = store._q("SELECT a.item_id, b.value, a.value FROM eval_items a JOIN eval_items b "
                          "ON a.run_id = b.run_id AND a.benchmark = b.benchmark AND a.item_id = b.item_id "
                          "AND a.metric = b.metric AND a.role = 'after' AND b.role = 'before'")
        assert len(joined) == 4
