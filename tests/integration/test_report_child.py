"""The report's claims process runs only riskcurve, and answers with data (issue 20, item 3)."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path

import pytest

from riskcurve.data.store import Store
from riskcurve.report.background import claims_in_background, decode_outcome, encode_outcome
from riskcurve.stats.claims import run_claims


def _day(store_path: Path) -> dt.date:
    from riskcurve.signals.regime import default_as_of

    with Store(store_path, read_only=True) as store:
        return default_as_of(store)[0].date()


def test_a_duckdb_py_in_the_working_directory_is_never_run(
    filled_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    planted = tmp_path / "work"
    planted.mkdir()
    for module in ("duckdb", "pandas", "numpy", "riskcurve"):
        (planted / f"{module}.py").write_text(
            f"import pathlib\npathlib.Path({str(marker)!r}).write_text({module!r})\nraise SystemExit(3)\n"
        )
    monkeypatch.chdir(planted)
    day = _day(filled_store_path)
    with claims_in_background(filled_store_path, day) as pending:
        outcome = pending.result(filled_store_path)
    assert not marker.exists(), f"the child imported {marker.read_text()}.py from the working directory"
    assert outcome is not None, "the child failed"
    there, reason = outcome
    assert reason is None and there is not None
    with Store(filled_store_path, read_only=True) as store:
        here = run_claims(store, as_of=day)
    assert [json.dumps(r.to_dict(), sort_keys=True) for r in there] == [
        json.dumps(r.to_dict(), sort_keys=True) for r in here
    ]
    # Decoded into claim results with their types, not left as JSON text.
    for a, b in zip(there, here, strict=True):
        assert type(a) is type(b) and type(a.date) is type(b.date) and type(a.parts) is type(b.parts)


def test_the_parent_decodes_data_only() -> None:
    # A pickle (which could run code when loaded) is refused, and so is JSON of any other shape.
    with pytest.raises(ValueError):
        decode_outcome(pickle.dumps(((None, "x"), [1, 2, 3])))
    for document in ({"results": [{"__riskcurve__": "claim", "v": {"evil": 1}}], "reason": None, "stamp": None},
                     {"results": [{"__riskcurve__": "os.system", "v": "echo"}], "reason": None, "stamp": None},
                     {"results": None, "reason": 3, "stamp": None}):  # fmt: skip
        with pytest.raises((ValueError, KeyError, TypeError)):
            decode_outcome(json.dumps(document).encode())
    assert decode_outcome(encode_outcome(((None, "no RUT"), [1, 2, 3]))) == ((None, "no RUT"), [1, 2, 3])
