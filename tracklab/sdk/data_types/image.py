"""`Image`: a picture logged as `media/images/<key>_<step>_<hash>.png` (or jpg/bmp).

The pixel pipeline follows wandb 0.31 step for step (squeeze, `astype(uint8)`
without rescaling, `PIL.Image.fromarray(...).convert(mode)`, save with
`transparency=None`) so that the file bytes, and so the sha256 in the descriptor,
are the same as wandb's.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pathlib
from collections.abc import Sequence
from typing import Any
from urllib import parse

from ._json import _is_matplotlib, _is_torch_tensor
from .base_types.media import BatchableMedia, Media, _is_artifact, _safe_key, _tmp_path
from .helper_types.bounding_boxes_2d import BoundingBoxes2D
from .helper_types.classes import Classes
from .helper_types.image_mask import ImageMask
from ._media_sink import as_sink

_ACCEPTED_FORMATS = ["png", "jpg", "jpeg", "bmp"]


def _pil() -> Any:
    try:
        from PIL import Image as PILImage
    except ImportError as e:
        raise ImportError(
            'wandb.Image needs the PIL package. To get it, run "pip install pillow".'
        ) from e
    return PILImage


def _warn(message: str) -> None:
    from tracklab.errors import term

    term.termwarn(message)


class Image(BatchableMedia):
    """An image from a numpy array (HxW, HxWx1/3/4), a torch tensor (CxHxW), a PIL
    image, a file path, or a matplotlib figure.

    Arrays are cast with `astype(uint8)` (values are expected in 0..255, as in
    wandb 0.31); `mode` is a PIL mode ("L", "RGB", "RGBA"...) and is guessed from
    the channel count when omitted. `boxes` and `masks` map a layer name to a
    `BoundingBoxes2D`/`ImageMask` or to its dict form; `file_type` is one of png,
    jpg, jpeg, bmp (ignored for a path).
    """

    MAX_ITEMS = 108
    MAX_DIMENSION = 65500
    _log_type = "image-file"

    def __init__(
        self,
        data_or_path: Any,
        mode: str | None = None,
        caption: str | None = None,
        grouping: int | None = None,
        classes: Classes | Sequence[dict] | None = None,
        boxes: dict[str, BoundingBoxes2D] | dict[str, dict] | None = None,
        masks: dict[str, ImageMask] | dict[str, dict] | None = None,
        file_type: str | None = None,
    ) -> None:
        super().__init__(caption=caption)
        self.format: str | None = None
        self._grouping: int | None = None
        self._width: int | None = None
        self._height: int | None = None
        self._image: Any = None
        self._classes: Classes | None = None
        self._boxes: dict[str, BoundingBoxes2D] | None = None
        self._masks: dict[str, ImageMask] | None = None
        self._file_type: str | None = None

        if isinstance(data_or_path, Image):
            self._copy_from(data_or_path)
        elif isinstance(data_or_path, (str, pathlib.Path)):
            path = str(data_or_path)
            if self.path_is_reference(path):
                self._init_from_reference(path)
            else:
                self._init_from_path(path)
        else:
            self._init_from_data(data_or_path, mode, file_type)
        self._set_overlays(grouping, caption, classes, boxes, masks)

    # -- construction -------------------------------------------------------------

    def _copy_from(self, other: Image) -> None:
        # Image(img, caption=...) copies the picture but not its boxes or masks.
        for attr in (
            "_grouping", "_caption", "_width", "_height", "_image", "_classes", "_path",
            "_is_tmp", "_extension", "_sha256", "_size", "format", "_file_type",
            "_artifact_source", "_artifact_target",
        ):
            setattr(self, attr, getattr(other, attr))

    def _init_from_path(self, path: str) -> None:
        pil = _pil()
        self._set_file(path, is_tmp=False)
        self._image = pil.open(path)
        self._image.load()
        self.format = os.path.splitext(path)[1][1:]

    def _init_from_reference(self, uri: str) -> None:
        self._path = uri
        self._is_tmp = False
        self._sha256 = hashlib.sha256(uri.encode("utf-8")).hexdigest()
        self.format = parse.urlparse(uri).path.split("/")[-1].split(".")[-1]

    def _init_from_data(self, data: Any, mode: str | None, file_type: str | None) -> None:
        pil = _pil()
        self.format = file_type or "png"
        if self.format not in _ACCEPTED_FORMATS:
            raise ValueError(f"file_type must be one of {_ACCEPTED_FORMATS}")
        path = _tmp_path("." + self.format)

        if _is_matplotlib(data):
            from ._matplotlib import ensure_figure

            buf = io.BytesIO()
            ensure_figure(data).savefig(buf, format=self.format)
            self._image = pil.open(buf)
        elif isinstance(data, pil.Image):
            self._image = data
        elif _is_torch_tensor(data):
            if getattr(data, "requires_grad", False):
                data = data.detach()
            if str(getattr(data, "dtype", "")) == "torch.uint8":
                data = data.to(float)
            mode = mode or self.guess_mode(data, file_type)
            import numpy as np

            # Channels first in torch: CxHxW -> HxWxC.
            array = data.permute(1, 2, 0).cpu().numpy().astype(np.uint8)
            if array.ndim > 2:
                array = array.squeeze()
            self._image = pil.fromarray(array).convert(mode)
        else:
            import numpy as np

            if hasattr(data, "numpy"):  # TF eager tensors and the like
                data = data.numpy()
            if not hasattr(data, "ndim"):
                raise TypeError(
                    "wandb.Image expects a numpy array, a torch tensor, a PIL image, a path "
                    f"or a matplotlib figure, got {type(data).__name__}"
                )
            if data.ndim > 2:
                data = data.squeeze()  # drop trivial dimensions, as wandb does
            mode = mode or self.guess_mode(data, file_type)
            self._image = pil.fromarray(data.astype(np.uint8)).convert(mode)

        self._image.save(path, transparency=None)
        self._set_file(path, is_tmp=True)

    def _set_overlays(
        self,
        grouping: int | None,
        caption: str | None,
        classes: Classes | Sequence[dict] | None,
        boxes: dict | None,
        masks: dict | None,
    ) -> None:
        if grouping is not None:
            self._grouping = grouping
        # The merged class map only matters when the image goes into an artifact.
        total_classes: dict[Any, str] = {}

        if boxes:
            if not isinstance(boxes, dict):
                raise ValueError('Images "boxes" argument must be a dictionary')
            boxes_final: dict[str, BoundingBoxes2D] = {}
            for key, item in boxes.items():
                if isinstance(item, BoundingBoxes2D):
                    boxes_final[key] = item
                elif isinstance(item, dict):
                    boxes_final[key] = BoundingBoxes2D(item, key)
                total_classes.update(boxes_final[key]._class_labels)
            self._boxes = boxes_final

        if masks:
            if not isinstance(masks, dict):
                raise ValueError('Images "masks" argument must be a dictionary')
            masks_final: dict[str, ImageMask] = {}
            for key, item in masks.items():
                if isinstance(item, ImageMask):
                    masks_final[key] = item
                elif isinstance(item, dict):
                    masks_final[key] = ImageMask(item, key)
                if hasattr(masks_final[key], "_val"):
                    total_classes.update(masks_final[key]._val["class_labels"])
            self._masks = masks_final

        if classes is not None:
            class_set = classes._class_set if isinstance(classes, Classes) else classes
            total_classes.update({c["id"]: c["name"] for c in class_set})
        if total_classes:
            self._classes = Classes([{"id": k, "name": v} for k, v in total_classes.items()])

        if self.image is not None:
            self._width, self._height = self.image.size
        self._free_ram()

    def guess_mode(self, data: Any, file_type: str | None = None) -> str:
        """The PIL mode for an array from its channel count."""
        num_channels = data.shape[0] if _is_torch_tensor(data) else data.shape[-1]
        if data.ndim == 2 or num_channels == 1:
            return "L"
        if num_channels == 3:
            return "RGB"
        if num_channels == 4:
            if file_type in ("jpg", "jpeg"):
                _warn("JPEG format does not support transparency. Ignoring alpha channel.")
                return "RGB"
            return "RGBA"
        raise ValueError(f"Un-supported shape for image conversion {list(data.shape)}")

    # -- logging --------------------------------------------------------------------

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "images")

    def bind_to_run(
        self,
        run: Any,
        key: int | str,
        step: int | str,
        id_: int | str | None = None,
        ignore_copy_err: bool | None = None,
    ) -> None:
        run = as_sink(run)  # a Run given where a sink is expected
        if self.path_is_reference(self._path):
            raise ValueError(
                "Image media created by a reference to external storage cannot currently be added to a run"
            )
        _safe_key(str(key))  # fail fast on keys that cannot be file names
        super().bind_to_run(run, key, step, id_, ignore_copy_err=ignore_copy_err)
        for layers in (self._boxes, self._masks):
            for i, layer in enumerate((layers or {}).values()):
                # wandb chains the suffixes (id0, id01, ...); kept for identical names.
                id_ = f"{id_}{i}" if id_ is not None else None
                layer.bind_to_run(run, key, step, id_, ignore_copy_err=ignore_copy_err)

    def to_json(self, run_or_artifact: Any) -> dict:
        json_dict = super().to_json(run_or_artifact)
        json_dict["_type"] = Image._log_type
        json_dict["format"] = self.format
        if self._width is not None:
            json_dict["width"] = self._width
        if self._height is not None:
            json_dict["height"] = self._height
        if self._grouping:
            json_dict["grouping"] = self._grouping

        if _is_artifact(run_or_artifact):
            artifact = run_or_artifact
            if (self._masks is not None or self._boxes is not None) and self._classes is None:
                raise ValueError(
                    "classes must be passed to wandb.Image which have masks or bounding boxes when adding to artifacts"
                )
            if self._classes is not None:
                class_id = hashlib.md5(str(self._classes._class_set).encode("utf-8")).hexdigest()
                entry = artifact.add(self._classes, os.path.join("media", "classes", class_id + "_cls"))
                json_dict["classes"] = {
                    "type": "classes-file",
                    "path": entry.path,
                    "digest": entry.digest,
                }

        if self._boxes:
            json_dict["boxes"] = {k: b.to_json(run_or_artifact) for k, b in self._boxes.items()}
        if self._masks:
            json_dict["masks"] = {k: m.to_json(run_or_artifact) for k, m in self._masks.items()}
        return json_dict

    @classmethod
    def seq_to_json(cls, seq: Sequence[BatchableMedia], run: Any, key: str, step: int | str) -> dict:
        """wandb's `images/separated` descriptor for a list of images under one key."""
        run = as_sink(run)  # a Run given where a sink is expected
        images: list[Image] = list(seq)  # type: ignore[arg-type]
        jsons = [img.to_json(run) for img in images]
        media_dir = cls.get_media_subdir().replace(os.sep, "/")
        for obj in jsons:
            if "path" in obj and not obj["path"].startswith(media_dir):
                raise ValueError(
                    f"Files in an array of Image's must be in the {cls.get_media_subdir()} directory, not {obj['path']}"
                )
        width, height = images[0].image.size
        if any(img.image.size != (width, height) for img in images):
            logging.warning(
                "Images sizes do not match. This will causes images to be display incorrectly in the UI."
            )
        meta: dict[str, Any] = {
            "_type": "images/separated",
            "width": width,
            "height": height,
            "format": jsons[0]["format"],
            "count": len(images),
        }
        meta["filenames"] = [obj.get("path", obj.get("artifact_path")) for obj in jsons]
        captions = cls.all_captions(images)
        if captions:
            meta["captions"] = captions
        all_masks = cls.all_masks(images, run, key, step)
        if all_masks:
            meta["all_masks"] = all_masks
        all_boxes = cls.all_boxes(images, run, key, step)
        if all_boxes:
            meta["all_boxes"] = all_boxes
        return meta

    @classmethod
    def all_masks(cls, images: Sequence[Image], run: Any, run_key: str, step: int | str) -> list | bool:
        groups = [
            {k: m.to_json(run) for k, m in img._masks.items()} if img._masks else None for img in images
        ]
        return groups if any(g is not None for g in groups) else False

    @classmethod
    def all_boxes(cls, images: Sequence[Image], run: Any, run_key: str, step: int | str) -> list | bool:
        groups = [
            {k: b.to_json(run) for k, b in img._boxes.items()} if img._boxes else None for img in images
        ]
        return groups if any(g is not None for g in groups) else False

    @classmethod
    def all_captions(cls, images: Sequence[Media]) -> bool | list[str | None]:
        return cls.captions(images)

    @classmethod
    def from_json(cls, json_obj: dict, source_artifact: Any) -> Image:
        classes = None
        if json_obj.get("classes") is not None:
            classes = source_artifact.get(json_obj["classes"]["path"])
        masks = None
        if json_obj.get("masks"):
            masks = {}
            for k, v in json_obj["masks"].items():
                masks[k] = ImageMask.from_json(v, source_artifact)
                masks[k]._set_artifact_source(source_artifact)
                masks[k]._key = k
        boxes = None
        if json_obj.get("boxes"):
            boxes = {}
            for k, v in json_obj["boxes"].items():
                boxes[k] = BoundingBoxes2D.from_json(v, source_artifact)
                boxes[k]._key = k
        return cls(
            source_artifact.get_entry(json_obj["path"]).download(),
            caption=json_obj.get("caption"),
            grouping=json_obj.get("grouping"),
            classes=classes,
            boxes=boxes,
            masks=masks,
        )

    # -- data access ----------------------------------------------------------------

    @property
    def image(self) -> Any:
        """The PIL image (re-read from the file on demand)."""
        if self._image is None and self._path is not None and not self.path_is_reference(self._path):
            self._image = _pil().open(self._path)
            self._image.load()
        return self._image

    def _free_ram(self) -> None:
        # Once the pixels are in a file, keep only the file.
        if self._path is not None:
            self._image = None

    def to_data_array(self) -> list[Any]:
        res = []
        if self.image is not None:
            data = list(self.image.getdata())
            width = self.image.width
            res = [data[i * width : (i + 1) * width] for i in range(self.image.height)]
        self._free_ram()
        return res

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Image):
            return False
        if self.path_is_reference(self._path) and self.path_is_reference(other._path):
            return self._path == other._path
        mine = list(self.image.getdata()) if self.image is not None else None
        theirs = list(other.image.getdata()) if other.image is not None else None
        return (
            self._grouping == other._grouping
            and self._caption == other._caption
            and self._width == other._width
            and self._height == other._height
            and mine == theirs
            and self._classes == other._classes
        )

    __hash__ = Media.__hash__


def _const_value(value: Any) -> Any:
    from ._dtypes import ConstType

    return value._params["val"] if isinstance(value, ConstType) else value


def _merge_class_maps(mine: dict, theirs: dict) -> dict:
    # Union of layers; within a layer, union of ids, preferring our names.
    merged = {}
    for layer in mine.keys() | theirs.keys():
        labels = {**theirs.get(layer, {}), **mine.get(layer, {})}
        merged[str(layer)] = {str(i): name for i, name in labels.items()}
    return merged


def _register_image_type() -> type:
    from ._dtypes import ConstType, InvalidType, Type, TypeRegistry

    class _ImageFileType(Type):
        """An image cell: its box/mask layers, score keys and class maps."""

        name = "image-file"
        legacy_names = ["wandb.Image"]
        types = [Image]

        def __init__(
            self,
            box_layers: Any = None,
            box_score_keys: Any = None,
            mask_layers: Any = None,
            box_class_maps: Any = None,
            mask_class_maps: Any = None,
            class_map: Any = None,
            **kwargs: Any,
        ) -> None:
            box_layers = _const_value(box_layers or {})
            box_score_keys = _const_value(box_score_keys or [])
            mask_layers = _const_value(mask_layers or {})
            box_class_maps = _const_value(box_class_maps or {})
            mask_class_maps = _const_value(mask_class_maps or {})
            class_map = _const_value(class_map or {})
            if not isinstance(box_layers, dict):
                raise TypeError("box_layers must be a dict")
            if not isinstance(mask_layers, dict):
                raise TypeError("mask_layers must be a dict")
            if not isinstance(box_score_keys, (list, set)):
                raise TypeError("box_score_keys must be a list or a set")
            if not isinstance(box_class_maps, dict):
                raise TypeError("box_class_maps must be a dict")
            if not isinstance(mask_class_maps, dict):
                raise TypeError("mask_class_maps must be a dict")
            if not isinstance(class_map, dict):
                raise TypeError("class_map must be a dict")
            self.params.update(
                {
                    "box_layers": ConstType({k: set(v) for k, v in box_layers.items()}),
                    "box_score_keys": ConstType(set(box_score_keys)),
                    "mask_layers": ConstType({k: set(v) for k, v in mask_layers.items()}),
                    "box_class_maps": ConstType(
                        {str(k): {str(i): n for i, n in m.items()} for k, m in box_class_maps.items()}
                    ),
                    "mask_class_maps": ConstType(
                        {str(k): {str(i): n for i, n in m.items()} for k, m in mask_class_maps.items()}
                    ),
                    "class_map": ConstType(class_map),
                }
            )

        def _vals(self) -> tuple:
            p = self.params
            return tuple(
                (p[k].params["val"] if k in p else None) or {}
                for k in ("box_layers", "box_score_keys", "mask_layers", "class_map",
                          "box_class_maps", "mask_class_maps")
            )

        def assign_type(self, wb_type: Any = None) -> Type:
            if not isinstance(wb_type, _ImageFileType):
                return InvalidType()
            bl1, bs1, ml1, cm1, bc1, mc1 = self._vals()
            bl2, bs2, ml2, cm2, bc2, mc2 = wb_type._vals()
            box_layers = {
                str(k): set(list(bl1.get(k, [])) + list(bl2.get(k, [])))
                for k in set(list(bl1) + list(bl2))
            }
            mask_layers = {
                str(k): set(list(ml1.get(k, [])) + list(ml2.get(k, [])))
                for k in set(list(ml1) + list(ml2))
            }
            class_map = {str(k): cm1.get(k, cm2.get(k)) for k in set(list(cm1) + list(cm2))}
            return _ImageFileType(
                box_layers,
                set(list(bs1) + list(bs2)),
                mask_layers,
                _merge_class_maps(bc1, bc2),
                _merge_class_maps(mc1, mc2),
                class_map,
            )

        @classmethod
        def from_obj(cls, py_obj: Any = None) -> Type:
            if not isinstance(py_obj, Image):
                raise TypeError("py_obj must be a wandb.Image")
            boxes = py_obj._boxes or {}
            masks = py_obj._masks or {}
            box_layers = {str(k): set(b._class_labels.keys()) for k, b in boxes.items()}
            box_score_keys = {s for b in boxes.values() for box in b._val for s in box.get("scores", {})}
            box_class_maps = {
                str(k): {str(i): n for i, n in b._class_labels.items()} for k, b in boxes.items()
            }
            mask_layers = {
                str(k): set(m._val["class_labels"].keys() if hasattr(m, "_val") else [])
                for k, m in masks.items()
            }
            mask_class_maps = {
                str(k): {str(i): n for i, n in m._val["class_labels"].items()}
                for k, m in masks.items()
                if hasattr(m, "_val") and "class_labels" in m._val
            }
            class_map = (
                {str(c["id"]): c["name"] for c in py_obj._classes._class_set} if py_obj._classes else {}
            )
            return cls(box_layers, box_score_keys, mask_layers, box_class_maps, mask_class_maps, class_map)

    TypeRegistry.add(_ImageFileType)
    return _ImageFileType


_ImageFileType = _register_image_type()  # wandb's name for the image column type
