"""`Object3D` (point clouds and 3-D model files) and the `box3d` helper."""

from __future__ import annotations

import itertools
import os
import pathlib
from collections.abc import Sequence
from typing import Any, ClassVar

from ._json import _is_ndarray, dumps_plain
from .base_types.media import BatchableMedia, _is_artifact, _tmp_path
from ._media_sink import as_sink

_SHAPE_ERROR = """
                    The shape of the numpy array must be one of either
                                    [[x y z],       ...] nx3
                                     [x y z c],     ...] nx4 where c is a category with supported range [1, 14]
                                     [x y z r g b], ...] nx6 where rgb is color
                    """


def _rotation_from_quaternion(quaternion: Any) -> Any:
    """Rotation matrix of a quaternion (r, i, j, k), normalised as wandb does."""
    import numpy as np

    q = abs(quaternion)
    top = q.argmax()
    if q[top] == 0:
        raise ValueError("Unexpected zero quaternion.")
    q = q / q[top]
    qr, qi, qj, qk = q / np.linalg.norm(q)
    qii, qjj, qkk = qi**2, qj**2, qk**2
    qij, qik, qjk = qi * qj, qi * qk, qj * qk
    qir, qjr, qkr = qi * qr, qj * qr, qk * qr
    return np.array(
        (
            (1 - 2 * (qjj + qkk), 2 * (qij + qkr), 2 * (qik - qjr)),
            (2 * (qij - qkr), 1 - 2 * (qii + qkk), 2 * (qjk + qir)),
            (2 * (qik + qjr), 2 * (qjk - qir), 1 - 2 * (qii + qjj)),
        ),
        dtype=np.float64,
    )


def box3d(
    *,
    center: Any,
    size: Any,
    orientation: Any,
    color: Sequence[float],
    label: str | None = None,
    score: float | None = None,
) -> dict:
    """A 3-D box for `Object3D.from_point_cloud`: its 8 corners, color, label and score.

    `orientation` is a quaternion (r, i, j, k).
    """
    import numpy as np

    center = np.asarray(center, dtype=np.float64)
    size = np.asarray(size, dtype=np.float64)
    orientation = np.asarray(orientation, dtype=np.float64)
    assert center.shape == (3,)
    assert size.shape == (3,)
    assert orientation.shape == (4,)
    rot = _rotation_from_quaternion(orientation)
    unit = np.array(list(itertools.product((-1, 1), (-1, 1), (-1, 1))), dtype=np.float64)
    corners = center + 0.5 * size * unit @ rot
    return {
        "corners": tuple(tuple(pt) for pt in corners),
        "color": color,
        "label": label,
        "score": score,
    }


class Object3D(BatchableMedia):
    """A point cloud (numpy N x 3/4/6, or a lidar/beta scene dict) or a 3-D file.

    Files may be .obj, .gltf, .glb, .babylon, .stl or .pts.json; an open file
    needs `file_type=`.
    """

    SUPPORTED_TYPES: ClassVar[set[str]] = {"obj", "gltf", "glb", "babylon", "stl", "pts.json"}
    SUPPORTED_POINT_CLOUD_TYPES: ClassVar[set[str]] = {"lidar/beta"}
    _log_type: ClassVar[str] = "object3D-file"

    def __init__(self, data_or_path: Any, caption: str | None = None, **kwargs: Any) -> None:
        super().__init__(caption=caption)
        if hasattr(data_or_path, "name") and not isinstance(data_or_path, pathlib.Path):
            data_or_path = data_or_path.name  # an open file: use its path

        if hasattr(data_or_path, "read"):
            if hasattr(data_or_path, "seek"):
                data_or_path.seek(0)
            content = data_or_path.read()
            extension = kwargs.pop("file_type", None)
            if extension is None:
                raise ValueError("Must pass file type keyword argument when using io objects.")
            if extension not in Object3D.SUPPORTED_TYPES:
                raise ValueError(
                    "Object 3D only supports numpy arrays or files of the type: "
                    + ", ".join(Object3D.SUPPORTED_TYPES)
                )
            path = _tmp_path("." + extension)
            with open(path, "w") as f:
                f.write(content)
            self._set_file(path, is_tmp=True, extension="." + extension)
        elif isinstance(data_or_path, (str, pathlib.Path)):
            path = str(data_or_path)
            extension = next(("." + t for t in Object3D.SUPPORTED_TYPES if path.endswith(t)), None)
            if not extension:
                raise ValueError(
                    "File '" + path + "' is not compatible with Object3D: supported types are: "
                    + ", ".join(Object3D.SUPPORTED_TYPES)
                )
            self._set_file(path, is_tmp=False, extension=extension)
        elif isinstance(data_or_path, dict) and "type" in data_or_path:
            if data_or_path["type"] != "lidar/beta":
                raise ValueError("Type not supported, only 'lidar/beta' is currently supported")
            scene = {
                "type": data_or_path["type"],
                "vectors": data_or_path["vectors"].tolist() if "vectors" in data_or_path else [],
                "points": data_or_path["points"].tolist() if "points" in data_or_path else [],
                "boxes": data_or_path["boxes"].tolist() if "boxes" in data_or_path else [],
            }
            self._write_points(scene)
        elif _is_ndarray(data_or_path):
            if len(data_or_path.shape) != 2 or data_or_path.shape[1] not in {3, 4, 6}:
                raise ValueError(_SHAPE_ERROR)
            self._write_points(data_or_path.tolist())
        else:
            raise ValueError("data must be a numpy array, dict or a file object")

    def _write_points(self, payload: Any) -> None:
        path = _tmp_path(".pts.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(dumps_plain(payload))
        self._set_file(path, is_tmp=True, extension=".pts.json")

    @classmethod
    def from_file(cls, data_or_path: Any, file_type: str | None = None) -> Object3D:
        """An Object3D from a file path or an open file."""
        return cls(data_or_path, file_type=file_type)

    @classmethod
    def from_numpy(cls, data: Any) -> Object3D:
        """An Object3D from a numpy point array (N x 3, 4 or 6)."""
        if not _is_ndarray(data):
            raise ValueError("`data` must be a numpy array")
        if len(data.shape) != 2 or data.shape[1] not in {3, 4, 6}:
            raise ValueError(_SHAPE_ERROR)
        return cls(data)

    @classmethod
    def from_point_cloud(
        cls,
        points: Sequence[Any],
        boxes: Sequence[dict],
        vectors: Sequence[dict] | None = None,
        point_cloud_type: str = "lidar/beta",
    ) -> Object3D:
        """A lidar/beta scene: points, `box3d` boxes and optional vectors."""
        if point_cloud_type not in cls.SUPPORTED_POINT_CLOUD_TYPES:
            raise ValueError("Point cloud type not supported")
        import numpy as np

        return cls(
            {
                "type": point_cloud_type,
                "points": np.array(points),
                "boxes": np.array(boxes),
                "vectors": np.array(vectors) if vectors is not None else np.array([]),
            }
        )

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "object3D")

    def to_json(self, run_or_artifact: Any) -> dict:
        json_dict = super().to_json(run_or_artifact)
        json_dict["_type"] = Object3D._log_type
        if _is_artifact(run_or_artifact) and (self._path is None or not self._path.endswith(".pts.json")):
            raise ValueError("Non-point cloud 3D objects are not yet supported with Artifacts")
        return json_dict

    @classmethod
    def seq_to_json(cls, seq: Sequence[BatchableMedia], run: Any, key: str, step: int | str) -> dict:
        run = as_sink(run)  # a Run given where a sink is expected
        jsons = [obj.to_json(run) for obj in seq]
        subdir = cls.get_media_subdir().replace(os.sep, "/")
        for obj in jsons:
            if not obj["path"].startswith(subdir):
                raise ValueError(
                    f"Files in an array of Object3D's must be in the {subdir} directory, not {obj['path']}"
                )
        return {
            "_type": "object3D",
            "filenames": [os.path.relpath(j["path"], cls.get_media_subdir()) for j in jsons],
            "count": len(jsons),
            "objects": jsons,
        }
