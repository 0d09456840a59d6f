"""The one registry of the app, as data: vision tasks, their models and the sample photos.

Pages loop over these tables; adding a model is one `ModelSpec` entry (plus its teaching note,
`model_note.<id>`, in each language catalogue). Texts a student reads live in the catalogues
(`core/locales/`), keyed by the ids used here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskSpec:
    """A Hugging Face task: the kind of problem a model solves."""

    id: str  # the Hub's own task name, as `pipeline()` takes it
    icon: str
    page: str | None  # the page that runs it, None until it exists


@dataclass(frozen=True)
class ModelSpec:
    """A Hub model the course offers, with what a teacher needs to know before loading it."""

    id: str
    task: str
    architecture: str
    params_millions: float
    download_mb: int
    licence: str
    training_data: str
    revision: str = "main"  # pinned where the main branch needs something we do not install
    extra_packages: tuple[str, ...] = ()

    @property
    def card_url(self) -> str:
        return f"https://huggingface.co/{self.id}"


@dataclass(frozen=True)
class SamplePhoto:
    """A real photo shipped inside scikit-image's wheel (`skimage.data`), so no download."""

    id: str
    loader: str  # the function in skimage.data


TASKS: dict[str, TaskSpec] = {
    task.id: task
    for task in (
        TaskSpec("image-classification", "🏷️", "pages/1_Image_Classification.py"),
        TaskSpec("object-detection", "📦", None),
        TaskSpec("depth-estimation", "🌄", None),
        TaskSpec("image-segmentation", "🧩", None),
    )
}

MODELS: dict[str, ModelSpec] = {
    model.id: model
    for model in (
        ModelSpec(
            id="google/vit-base-patch16-224",
            task="image-classification",
            architecture="ViT-Base/16 (Vision Transformer)",
            params_millions=86.6,
            download_mb=346,
            licence="Apache-2.0",
            training_data="ImageNet-21k → ImageNet-1k",
        ),
        ModelSpec(
            id="microsoft/resnet-50",
            task="image-classification",
            architecture="ResNet-50 v1.5 (CNN)",
            params_millions=25.6,
            download_mb=102,
            licence="Apache-2.0",
            training_data="ImageNet-1k",
        ),
        ModelSpec(
            id="facebook/deit-base-patch16-224",
            task="image-classification",
            architecture="DeiT-Base/16 (data-efficient ViT)",
            params_millions=86.6,
            download_mb=346,
            licence="Apache-2.0",
            training_data="ImageNet-1k",
        ),
        ModelSpec(
            id="apple/mobilevit-small",
            task="image-classification",
            architecture="MobileViT-S (CNN + Transformer, mobile)",
            params_millions=5.6,
            download_mb=22,
            licence="Apple Sample Code License",
            training_data="ImageNet-1k",
        ),
        ModelSpec(
            id="omarques/autotrain-dogs-and-cats-1527055142",
            task="image-classification",
            architecture="ViT-Base/16, fine-tuned with AutoTrain",
            params_millions=85.8,
            download_mb=343,
            licence="not stated on the model card",
            training_data="omarques/autotrain-data-dogs-and-cats (2 classes)",
        ),
    )
}

# The model a page starts with; the first entry of each task in MODELS.
DEFAULT_MODELS: dict[str, str] = {}
for _model in MODELS.values():
    DEFAULT_MODELS.setdefault(_model.task, _model.id)

SAMPLE_PHOTOS: tuple[SamplePhoto, ...] = (
    SamplePhoto("chelsea", "chelsea"),
    SamplePhoto("coffee", "coffee"),
    SamplePhoto("astronaut", "astronaut"),
    SamplePhoto("rocket", "rocket"),
    SamplePhoto("motorcycle", "stereo_motorcycle"),
)


def models_for(task: str) -> list[ModelSpec]:
    """The registry's models for one task, default first."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; known: {sorted(TASKS)}")
    return [model for model in MODELS.values() if model.task == task]
