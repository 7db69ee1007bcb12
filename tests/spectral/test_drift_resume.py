"""The drift benchmark's checkpoint: a resumed run is the same run, bit for bit."""

import importlib.util
import pickle
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_optimizers.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_optimizers", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_resumed_drift_run_equals_the_straight_run(tmp_path, capsys):
    bench = _bench()
    straight = bench.drift_run((48, 12), 30, 10)
    ckpt = tmp_path / "drift.pkl"
    first = bench.drift_run((48, 12), 20, 10, checkpoint=ckpt)
    assert first["steps_done"] == 20 and ckpt.exists()
    resumed = bench.drift_run((48, 12), 30, 10, checkpoint=ckpt)
    assert "resuming" in capsys.readouterr().out
    for a, b in zip(straight["rows"], resumed["rows"], strict=True):
        assert (a["step"], a["drift"], a["moved"]) == (b["step"], b["drift"], b["moved"])
    with open(ckpt, "rb") as f:
        assert pickle.load(f)["step"] == 30


def test_a_checkpoint_of_another_run_is_refused(tmp_path):
    bench = _bench()
    ckpt = tmp_path / "drift.pkl"
    bench.drift_run((48, 12), 10, 10, checkpoint=ckpt)
    with pytest.raises(SystemExit, match=r"holds a \(48, 12\) run with seed 0, not \(40, 12\)"):
        bench.drift_run((40, 12), 20, 10, checkpoint=ckpt)


def test_ctrl_c_keeps_the_finished_steps_and_the_run_resumes(tmp_path, monkeypatch):
    bench = _bench()
    straight = bench.drift_run((48, 12), 30, 10)
    real = bench.Pion

    class Interrupted(real):
        def step(self, params, grads):
            if self._t == 14:  # during step 15
                raise KeyboardInterrupt
            return super().step(params, grads)

    ckpt = tmp_path / "drift.pkl"
    monkeypatch.setattr(bench, "Pion", Interrupted)
    cut = bench.drift_run((48, 12), 30, 10, checkpoint=ckpt)
    assert cut["steps_done"] == 14
    monkeypatch.setattr(bench, "Pion", real)
    resumed = bench.drift_run((48, 12), 30, 10, checkpoint=ckpt)
    assert [r["drift"] for r in resumed["rows"]] == [r["drift"] for r in straight["rows"]]
