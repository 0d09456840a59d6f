"""The one registry of the app, as data: vision tasks, their models and the sample photos.

Pages loop over these tables; adding a model is one `ModelSpec` entry (plus its teaching note,
`model_note.<id>`, in each language catalogue). Texts a student reads live in the catalogues
(`core/locales/`), keyed by the ids used here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TaskSpec:
    """A Hugging Face task: the kind of problem a model solves."""

    id: str  # the Hub's own task name, as `pipeline()` takes it
    icon: str
    page: str | None  # the page that runs it, None until it exists
    input_side: int  # the smallest side a large photo is decoded at: what the models need
    # Calls of several sessions may share one forward pass: only where every image becomes a
    # tensor of the same shape (classifiers resize to a square; the others keep the aspect
    # ratio, so their inputs cannot be stacked). See core/models/runner.py.
    batchable: bool = False


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
    subtasks: tuple[str, ...] = ()  # image segmentation: semantic, instance, panoptic
    metric_depth: bool = False  # depth in metres, not relative
    # Doodle classifiers (Pictionary) say how they were trained to see a drawing: the ink's
    # colour on the opposite background, and the side in pixels. Photos models leave it empty.
    doodle_ink: str = ""
    doodle_size: int = 0

    @property
    def card_url(self) -> str:
        return f"https://huggingface.co/{self.id}"

    @property
    def heavy(self) -> bool:
        """Big enough that a student should be told before it downloads and runs."""
        return self.download_mb >= HEAVY_MB


HEAVY_MB = 1000


@dataclass(frozen=True)
class SamplePhoto:
    """A real photo shipped inside scikit-image's wheel (`skimage.data`), so no download."""

    id: str
    loader: str  # the function in skimage.data


TASKS: dict[str, TaskSpec] = {
    task.id: task
    for task in (
        # classifiers see 224–288 px; Depth Anything sees 518 px; segmentation runs at 384 px
        # (core.tasks.segmentation.INPUT_SIDE); DETR and YOLOS resize the short side to 800 px,
        # but a 12-megapixel photo decoded at 1/4 (750 px) costs half the time of 1/2 for a 7 %
        # upscale
        TaskSpec("image-classification", "🏷️", "pages/1_Image_Classification.py", 300, True),
        TaskSpec("object-detection", "📦", "pages/2_Object_Detection.py", 600),
        TaskSpec("depth-estimation", "🌄", "pages/3_Depth_Estimation.py", 518),
        TaskSpec("image-segmentation", "🧩", "pages/4_Image_Segmentation.py", 360),
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
        ModelSpec(
            id="facebook/detr-resnet-50",
            task="object-detection",
            architecture="DETR (ResNet-50 + Transformer encoder-decoder)",
            params_millions=41.3,
            download_mb=167,
            licence="Apache-2.0",
            training_data="COCO 2017 detection (118k images, 80 classes)",
            revision="no_timm",  # main's config asks for a timm backbone
        ),
        ModelSpec(
            id="hustvl/yolos-small",
            task="object-detection",
            architecture="YOLOS-S (a plain ViT that detects)",
            params_millions=30.7,
            download_mb=123,
            licence="Apache-2.0",
            training_data="ImageNet-1k → COCO 2017 detection",
        ),
        ModelSpec(
            id="hustvl/yolos-tiny",
            task="object-detection",
            architecture="YOLOS-Ti (a tiny ViT that detects)",
            params_millions=6.5,
            download_mb=26,
            licence="Apache-2.0",
            training_data="ImageNet-1k → COCO 2017 detection",
        ),
        ModelSpec(
            id="PekingU/rtdetr_r18vd",
            task="object-detection",
            architecture="RT-DETR (ResNet-18, real-time DETR)",
            params_millions=20.2,
            download_mb=81,
            licence="Apache-2.0",
            training_data="COCO 2017 detection",
        ),
        ModelSpec(
            id="depth-anything/Depth-Anything-V2-Small-hf",
            task="depth-estimation",
            architecture="Depth Anything V2 Small (DINOv2 ViT-S + DPT head)",
            params_millions=24.8,
            download_mb=99,
            licence="Apache-2.0",
            training_data="595k synthetic labelled + 62M real unlabelled images",
        ),
        ModelSpec(
            id="Intel/dpt-hybrid-midas",
            task="depth-estimation",
            architecture="DPT-Hybrid (ResNet-50 + ViT, MiDaS 3.0)",
            params_millions=123,
            download_mb=490,
            licence="Apache-2.0",
            training_data="MIX 6 (1.4M images, 10 datasets)",
        ),
        ModelSpec(
            id="Intel/dpt-large",
            task="depth-estimation",
            architecture="DPT-Large (ViT-L/16, MiDaS 3.0)",
            params_millions=343,
            download_mb=1370,
            licence="Apache-2.0",
            training_data="MIX 6 (1.4M images, 10 datasets)",
        ),
        ModelSpec(
            id="Intel/zoedepth-nyu-kitti",
            task="depth-estimation",
            architecture="ZoeDepth (BEiT-L + metric bins heads)",
            params_millions=345,
            download_mb=1380,
            licence="MIT",
            training_data="MIX 12 (relative) → NYU Depth v2 + KITTI (metric)",
            metric_depth=True,
        ),
        ModelSpec(
            id="nvidia/segformer-b0-finetuned-ade-512-512",
            task="image-segmentation",
            architecture="SegFormer-B0 (MiT-b0 + MLP decoder)",
            params_millions=3.8,
            download_mb=15,
            licence="NVIDIA Source Code License (other)",
            training_data="ADE20K (150 classes)",
            subtasks=("semantic",),
        ),
        ModelSpec(
            id="facebook/mask2former-swin-tiny-coco-panoptic",
            task="image-segmentation",
            architecture="Mask2Former (Swin-T backbone)",
            params_millions=47.4,
            download_mb=190,
            licence="other (see the model card)",
            training_data="COCO 2017 panoptic (133 classes)",
            extra_packages=("scipy",),
            subtasks=("panoptic", "instance", "semantic"),
        ),
        ModelSpec(
            id="facebook/detr-resnet-50-panoptic",
            task="image-segmentation",
            architecture="DETR (ResNet-50) + mask head",
            params_millions=42.9,
            download_mb=172,
            licence="Apache-2.0",
            training_data="COCO 2017 panoptic",
            extra_packages=("timm", "scipy"),
            subtasks=("panoptic",),
        ),
        ModelSpec(
            id="kmewhort/beit-sketch-classifier",
            task="image-classification",
            architecture="BEiT-Base/16, fine-tuned on sketches",
            params_millions=86.0,
            download_mb=348,
            licence="Apache-2.0",
            training_data="Quick, Draw! (345 classes)",
            doodle_ink="black",
            doodle_size=224,
        ),
    )
}

# Pages that are not a task: (page, title key in the catalogues, icon).
OTHER_PAGES: tuple[tuple[str, str, str], ...] = (
    ("pages/5_Quick_Draw_Explorer.py", "quickdraw.name", "✏️"),
    ("pages/6_Train_Your_Own.py", "train.name", "🧠"),
    ("pages/7_Pictionary.py", "pictionary.name", "🎨"),
    ("pages/8_Diagnostics.py", "diagnostics.name", "🩺"),
)

# The model a page starts with; the first photo model of each task in MODELS.
DEFAULT_MODELS: dict[str, str] = {}
for _model in MODELS.values():
    if not _model.doodle_ink:
        DEFAULT_MODELS.setdefault(_model.task, _model.id)

SAMPLE_PHOTOS: tuple[SamplePhoto, ...] = (
    SamplePhoto("chelsea", "chelsea"),
    SamplePhoto("coffee", "coffee"),
    SamplePhoto("astronaut", "astronaut"),
    SamplePhoto("rocket", "rocket"),
    SamplePhoto("motorcycle", "stereo_motorcycle"),
)


def models_for(task: str, doodles: bool = False) -> list[ModelSpec]:
    """The registry's models for one task, default first: photo models, or doodle models."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; known: {sorted(TASKS)}")
    return [m for m in MODELS.values() if m.task == task and bool(m.doodle_ink) == doodles]


# The 345 Quick, Draw! categories, in the dataset's own order (its categories.txt).
QUICKDRAW_WORDS: list[str] = (
    (Path(__file__).resolve().parents[2] / "assets" / "quickdraw_categories.txt")
    .read_text(encoding="utf-8")
    .splitlines()
)
