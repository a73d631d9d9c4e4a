"""Model files: round trips, and refusing whatever this service did not write."""

from __future__ import annotations

import collections
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from moderation.classifier import persist
from moderation.classifier.features import CommentText
from moderation.classifier.persist import TrainedModel, UntrustedModel

COMMENTS = [
    CommentText("Thanks for the write-up, very clear."),
    CommentText("BUY CHEAP VIAGRA NOW http://cheap-pills.xyz !!!", name="Best Deals"),
    CommentText("Which firmware versions are affected?", email="a@example.org"),
    CommentText("Free casino spins", url="http://spin.bet/x"),
    CommentText(""),
]


class Gadget:
    """A type no model file should ever hold."""

    def __init__(self) -> None:
        self.payload = "anything"


def artifact(doc: dict[str, Any]) -> bytes:
    data: bytes = sio.dumps(doc)
    return data


def metadata_of(model: TrainedModel) -> str:
    return json.dumps({**model.metadata, "thresholds": model.thresholds.to_dict()})


@pytest.fixture(scope="module")
def artifact_bytes(tiny_model: TrainedModel) -> bytes:
    return persist.dumps(tiny_model)


# --- round trips ----------------------------------------------------------------------


def test_a_dumped_model_loads_with_its_version_thresholds_and_metadata(
    tiny_model: TrainedModel, artifact_bytes: bytes
) -> None:
    loaded = persist.loads(artifact_bytes)
    assert loaded.version == tiny_model.version
    assert loaded.thresholds == tiny_model.thresholds
    assert loaded.metadata == tiny_model.metadata
    assert "thresholds" not in loaded.metadata


def test_a_loaded_model_scores_exactly_like_the_original(
    tiny_model: TrainedModel, artifact_bytes: bytes
) -> None:
    loaded = persist.loads(artifact_bytes)
    for c in COMMENTS:
        original, again = tiny_model.scorer.score(c, 5), loaded.scorer.score(c, 5)
        assert again.probability == pytest.approx(original.probability, rel=1e-12)
        assert again.top_features == original.top_features


def test_save_then_load_through_a_file_round_trips(
    tiny_model: TrainedModel, tmp_path: Path
) -> None:
    path = tmp_path / "models" / "nested" / "model.skops"
    persist.save(tiny_model, path)
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ["model.skops"], "no temporary file left"
    loaded = persist.load(path)
    assert loaded.version == tiny_model.version
    assert loaded.thresholds == tiny_model.thresholds
    c = COMMENTS[1]
    assert loaded.scorer.score(c).probability == pytest.approx(
        tiny_model.scorer.score(c).probability, rel=1e-12
    )


def test_a_model_of_the_older_shape_round_trips(
    tiny_model: TrainedModel, older_pipeline: Pipeline
) -> None:
    older = TrainedModel(older_pipeline, tiny_model.thresholds, {"version": "older"})
    loaded = persist.loads(persist.dumps(older))
    for c in COMMENTS:
        assert loaded.scorer.score(c).probability == pytest.approx(
            older.scorer.score(c).probability, rel=1e-12
        )


def test_saving_over_an_existing_model_replaces_it(
    tiny_model: TrainedModel, tmp_path: Path
) -> None:
    path = tmp_path / "model.skops"
    path.write_bytes(b"an older, broken model")
    persist.save(tiny_model, path)
    assert persist.load(path).version == tiny_model.version


def test_an_artifact_holds_a_compressed_skops_part_and_a_serving_form(
    artifact_bytes: bytes,
) -> None:
    with zipfile.ZipFile(io.BytesIO(artifact_bytes)) as z:
        assert set(z.namelist()) == {
            persist.MARKER,
            persist.SKOPS,
            persist.SERVING_HEAD,
            persist.SERVING_ARRAYS,
        }
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
        skops_part = z.read(persist.SKOPS)
    with zipfile.ZipFile(io.BytesIO(skops_part)) as z:
        assert "schema.json" in z.namelist()


def test_a_loaded_model_scores_from_its_serving_form_as_the_pipeline_would(
    tiny_model: TrainedModel,
) -> None:
    loaded = persist.loads_keyed("fresh", persist.dumps(tiny_model))
    assert loaded._pipeline is None  # nothing rebuilt from skops to serve
    for c in COMMENTS:
        assert loaded.assess(c, 6, 3) == tiny_model.assess(c, 6, 3)
    assert loaded.pipeline is not None  # rebuilt on demand
    assert loaded._pipeline is not None


def _with_member(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info))
    return out.getvalue()


def test_a_serving_form_with_a_number_that_is_not_finite_is_refused(
    artifact_bytes: bytes,
) -> None:
    with zipfile.ZipFile(io.BytesIO(artifact_bytes)) as z:
        arrays = dict(np.load(io.BytesIO(z.read(persist.SERVING_ARRAYS))))
    arrays["real0"] = arrays["real0"].copy()
    arrays["real0"][0] = np.nan
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with pytest.raises(persist.UntrustedModel, match="cannot score"):
        persist.loads(_with_member(artifact_bytes, persist.SERVING_ARRAYS, buf.getvalue()))


@pytest.mark.parametrize(
    "head",
    [b"not json", b'{"format": 9}', b'{"format": 1, "intercept": 0, "a": 1, "b": 0}'],
)
def test_a_damaged_serving_head_is_refused(artifact_bytes: bytes, head: bytes) -> None:
    with pytest.raises(persist.UntrustedModel):
        persist.loads(_with_member(artifact_bytes, persist.SERVING_HEAD, head))


def test_a_serving_form_that_holds_a_pickle_is_refused(artifact_bytes: bytes) -> None:
    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("real0.npy", buf.getvalue())
    with pytest.raises(persist.UntrustedModel):
        persist.loads(_with_member(artifact_bytes, persist.SERVING_ARRAYS, evil.getvalue()))


def test_a_model_without_a_version_in_its_metadata_is_unversioned(
    tiny_model: TrainedModel,
) -> None:
    bare = TrainedModel(tiny_model.pipeline, tiny_model.thresholds)
    assert bare.version == "unversioned"
    assert persist.loads(persist.dumps(bare)).version == "unversioned"


# --- untrusted content ----------------------------------------------------------------


def test_a_file_holding_a_type_defined_elsewhere_is_refused_by_name(
    tiny_model: TrainedModel,
) -> None:
    data = artifact(
        {
            "format": 1,
            "pipeline": tiny_model.pipeline,
            "metadata": metadata_of(tiny_model),
            "extra": Gadget(),
        }
    )
    with pytest.raises(UntrustedModel, match=r"not trusted: .*Gadget"):
        persist.loads(data)


def test_a_file_whose_pipeline_is_a_foreign_object_is_refused() -> None:
    with pytest.raises(UntrustedModel, match="Gadget"):
        persist.loads(artifact({"format": 1, "pipeline": Gadget(), "metadata": "{}"}))


@pytest.mark.parametrize("foreign", [SVC(), collections.OrderedDict(a=1)], ids=["svc", "odict"])
def test_a_file_whose_pipeline_is_some_other_object_is_refused(foreign: object) -> None:
    with pytest.raises(UntrustedModel):
        persist.loads(artifact({"format": 1, "pipeline": foreign, "metadata": "{}"}))


@pytest.mark.parametrize(
    ("foreign", "type_name"),
    [(SVC(), "SVC"), (collections.OrderedDict(a=1), "OrderedDict")],
    ids=["svc", "odict"],
)
def test_a_file_holding_a_type_outside_the_allow_list_is_refused_by_name(
    tiny_model: TrainedModel, foreign: object, type_name: str
) -> None:
    data = artifact(
        {
            "format": 1,
            "pipeline": tiny_model.pipeline,
            "metadata": metadata_of(tiny_model),
            "extra": foreign,
        }
    )
    with pytest.raises(UntrustedModel, match=type_name):
        persist.loads(data)


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b"PK\x03\x04 not really a zip", bytes(range(256)) * 8],
    ids=["empty", "text", "zip-magic", "binary"],
)
def test_garbage_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(UntrustedModel):
        persist.loads(data)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_a_truncated_artifact_is_refused(artifact_bytes: bytes, keep: float) -> None:
    with pytest.raises(UntrustedModel):
        persist.loads(artifact_bytes[: int(len(artifact_bytes) * keep)])


def test_a_zip_that_is_not_a_skops_file_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(UntrustedModel):
        persist.loads(buffer.getvalue())


def test_a_garbage_file_on_disk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(UntrustedModel):
        persist.load(path)


def test_a_valid_skops_file_without_the_format_marker_is_refused(
    tiny_model: TrainedModel,
) -> None:
    data = artifact({"pipeline": tiny_model.pipeline, "metadata": metadata_of(tiny_model)})
    with pytest.raises(UntrustedModel, match="format marker"):
        persist.loads(data)


def test_a_file_of_another_format_version_is_refused(tiny_model: TrainedModel) -> None:
    data = artifact(
        {"format": 2, "pipeline": tiny_model.pipeline, "metadata": metadata_of(tiny_model)}
    )
    with pytest.raises(UntrustedModel, match="format marker"):
        persist.loads(data)


@pytest.mark.parametrize("doc", [[1, 2, 3], "a string", 42], ids=["list", "str", "int"])
def test_a_skops_file_that_is_not_a_dict_is_refused(doc: object) -> None:
    with pytest.raises(UntrustedModel, match="format marker"):
        persist.loads(sio.dumps(doc))


def test_a_file_with_the_marker_but_no_pipeline_is_refused() -> None:
    with pytest.raises(UntrustedModel, match="no pipeline"):
        persist.loads(artifact({"format": 1, "metadata": "{}"}))


@pytest.mark.parametrize(
    "metadata", [None, "not json", "{}", "[]"], ids=["missing", "not-json", "no-thresholds", "list"]
)
def test_a_file_with_missing_or_broken_metadata_is_refused(
    tiny_model: TrainedModel, metadata: str | None
) -> None:
    doc: dict[str, Any] = {"format": 1, "pipeline": tiny_model.pipeline}
    if metadata is not None:
        doc["metadata"] = metadata
    with pytest.raises(UntrustedModel):
        persist.loads(artifact(doc))
