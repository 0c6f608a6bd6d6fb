"""`wandb.integration.diffusers`: `autolog()` for diffusers pipelines.

After `autolog()`, each pipeline call records the pipeline's config and call parameters in the
run's config (`workflow`, one entry per call, stage `Pipeline-Call-<n>`), logs each generated
image as `Generated-Image/Pipeline-Call-<n>` (captioned with its prompt when there is one) and a
`Result-Table/Pipeline-Call-<n>` table with wandb's columns: `Prompt, Negative-Prompt,
Generated-Image` for prompted pipelines, `Batch-Size, Number-of-Inference-Steps, Generated-Image`
for unconditional ones (DDPM, DDIM, PNDM, LDM).
"""

from __future__ import annotations

import inspect
from typing import Any, Sequence

from tracklab.integration._autolog import AutologAPI

#: The pipeline classes patched (those of wandb's list this diffusers version has, and the
#: unconditional DDPM/DDIM pipelines); each subclass's own `__call__` is patched.
PIPELINES = ("DiffusionPipeline", "StableDiffusionPipeline", "StableDiffusionImg2ImgPipeline",
             "StableDiffusionInpaintPipeline", "StableDiffusionXLPipeline", "StableDiffusionXLImg2ImgPipeline",
             "AutoPipelineForText2Image", "AutoPipelineForImage2Image", "AutoPipelineForInpainting",
             "LatentConsistencyModelPipeline", "PixArtAlphaPipeline", "DDPMPipeline", "DDIMPipeline",
             "PNDMPipeline", "LDMPipeline")


def _call_parameters(pipeline: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments by name, defaults filled in, generators described (not the object)."""
    parameters = list(inspect.signature(pipeline.__call__).parameters.items())
    found = dict(kwargs)
    for (name, _), value in zip(parameters, args, strict=False):
        found[name] = value
    for name, parameter in parameters:
        if name not in found and parameter.default is not inspect.Parameter.empty:
            found[name] = parameter.default
    generator = found.get("generator")
    if generator is not None and hasattr(generator, "initial_seed"):
        found["generator"] = {"seed": generator.initial_seed(), "device": str(generator.device)}
    return {k: v for k, v in found.items() if _plain(v)}


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, dict) and all(_plain(v) for v in value.values())


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


#: wandb's table columns and the call parameters they show: prompted pipelines, unconditional ones.
PROMPTED = (["Prompt", "Negative-Prompt"], ["prompt", "negative_prompt"])
UNCONDITIONAL = (["Batch-Size", "Number-of-Inference-Steps"], ["batch_size", "num_inference_steps"])


class DiffusersPipelineResolver:
    """Turns a pipeline call into the images, table and config `autolog` records."""

    def __init__(self) -> None:
        self.pipeline_call_count = 1

    def __call__(self, args: Sequence[Any], kwargs: dict[str, Any], response: Any, start_time: float,
                 time_elapsed: float) -> dict[str, Any] | None:
        import tracklab

        images = getattr(response, "images", None)
        if images is None:
            return None
        pipeline = args[0]
        stage = f"Pipeline-Call-{self.pipeline_call_count}"
        self.pipeline_call_count += 1
        params = _call_parameters(pipeline, args[1:], kwargs)
        config = {k: v for k, v in dict(pipeline.config).items() if _plain(v)}
        config["pipeline-name"] = type(pipeline).__name__
        workflow = list(tracklab.config.get("workflow", [])) + [{"pipeline": config, "params": params,
                                                                 "stage": stage}]
        tracklab.config.update({"workflow": workflow}, allow_val_change=True)
        columns, shown = PROMPTED if "prompt" in params else UNCONDITIONAL
        values = [_as_list(params.get(name)) for name in shown]
        per_row = max(1, len(images) // max(1, len(values[0])))  # images per prompt
        table = tracklab.Table(columns=[*columns, "Generated-Image"])
        for i, image in enumerate(images):
            row = [column[min(i // per_row, len(column) - 1)] for column in values]
            caption = row[0] if shown[0] == "prompt" else None
            tracklab.log({f"Generated-Image/{stage}": tracklab.Image(image, caption=caption)})
            table.add_data(*["" if v is None else v for v in row], tracklab.Image(image))
        return {f"Result-Table/{stage}": table}


autolog = AutologAPI(name="diffusers", symbols=tuple(f"{name}.__call__" for name in PIPELINES),
                     resolver=DiffusersPipelineResolver())

__all__ = ["autolog"]
