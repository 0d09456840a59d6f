"""The one registry of the app, as data: the vision tasks, how each runs, and their models.

Like transformers' `SUPPORTED_TASKS`, each task entry names its implementation (run function,
typed result, code snippet), the architectures that solve it, its default model and its page;
every caller reads these tables. Adding a model is one `ModelSpec` entry (plus its teaching
note, `model_note.<id>`, and its facts, `model_facts.<id>`, in each language catalogue); adding
a task is one `TaskSpec` entry (see the README). Texts a student reads live in the catalogues
(`core/locales/`), keyed by these ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.models.model_ref import card_url
from core.tasks.classification import ClassificationResult, classify
from core.tasks.code_snippets import (
    CLASSIFICATION_STEPS,
    DEPTH_STEPS,
    DETECTION_STEPS,
    SEGMENTATION_STEPS,
    SnippetBody,
    StepsCode,
    classification_snippet,
    depth_snippet,
    detection_snippet,
    segmentation_snippet,
)
from core.tasks.depth import DepthResult, estimate_depth
from core.tasks.detection import DetectionResult, detect
from core.tasks.segmentation import SegmentationResult, segment
from core.tasks.zero_shot import (
    ZERO_SHOT_STEPS,
    ZeroShotResult,
    classify_zero_shot,
    zero_shot_snippet,
)


@dataclass(frozen=True)
class TaskSpec:
    """A Hugging Face task (the kind of problem a model solves) and how the app runs it."""

    id: str  # the Hub's own task name, as `pipeline()` takes it
    icon: str
    page: str  # the page that runs it
    lesson: str  # the catalogue section of the page's own texts: "classification"…
    default_model: str  # the model a page starts with (a `MODELS` id)
    run: Callable[..., Any]  # (loaded model, image, *options) → `result`
    result: type
    snippet: Callable[..., SnippetBody]  # (*options) → the body of the code shown
    steps: StepsCode  # the same result written out without `pipeline`
    # The transformers auto mappings (in `transformers.models.auto.modeling_auto`) whose model
    # classes solve the task: a model of any other architecture is refused before it is built.
    architectures: tuple[str, ...]
    input_side: int  # the smallest side a large photo is decoded at: what the models need
    # Calls of several sessions may share one forward pass: only where every image becomes a
    # tensor of the same shape (classifiers resize to a square; the others keep the aspect
    # ratio, so their inputs cannot be stacked). See core/models/runner.py.
    batchable: bool = False
    # Further reading: the task's training sets on the Hub (dataset ids) and the transformers
    # task guide (a page under huggingface.co/docs/transformers/tasks/).
    datasets: tuple[str, ...] = ()
    guide: str = ""
    # Its models answer with class names of their own, in English (depth models answer with
    # numbers; zero-shot models with the classes the student wrote).
    names_classes: bool = True
    # What a call needs besides the image, for a timed warm-up on load (core.models.warmup):
    # zero-shot classification scores the image against texts, and needs some.
    warmup_call: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ModelSpec:
    """A Hub model the course offers, with what a teacher needs to know before loading it."""

    id: str
    task: str
    params_millions: float
    download_mb: int
    # `main` everywhere but DETR (whose main needs timm). Pinning each model to a commit hash
    # is the aim, but no hash of a main head is known here: the Hub cannot be reached, and the
    # hashes the replicas' notes cite (../shared/hub-replicas/*/SOURCE.txt) are those of single
    # files or of older trees, some of which predate the safetensors weights the loader needs
    # (it refuses pickle-only checkpoints: `no_weights`). Pin them from the Hub's commit pages.
    revision: str = "main"
    extra_packages: tuple[str, ...] = ()
    subtasks: tuple[str, ...] = ()  # image segmentation: semantic, instance, panoptic
    metric_depth: bool = False  # depth in metres, not relative
    # Doodle classifiers (Pictionary) say how they were trained to see a drawing: the ink's
    # colour on the opposite background, and the side in pixels. Photos models leave it empty.
    doodle_ink: str = ""
    doodle_size: int = 0
    # Models that read text (zero-shot): the languages of the texts they learned from. A task
    # page starts, for a student, with the first of its models that reads their language.
    languages: tuple[str, ...] = ()

    @property
    def card_url(self) -> str:
        return card_url(self.id)

    @property
    def heavy(self) -> bool:
        """Big enough that a student should be told before it downloads and runs."""
        return self.download_mb >= HEAVY_MB


HEAVY_MB = 1000


# Input sides: classifiers see 224–288 px; Depth Anything sees 518 px; segmentation runs at
# 384 px (core.tasks.segmentation.INPUT_SIDE); DETR and YOLOS resize the short side to 800 px,
# but a 12-megapixel photo decoded at 1/4 (750 px) costs half the time of 1/2 for a 7 % upscale.
TASKS: dict[str, TaskSpec] = {
    task.id: task
    for task in (
        TaskSpec(
            id="image-classification",
            icon="🏷️",
            page="app_pages/Image_Classification.py",
            lesson="classification",
            default_model="google/vit-base-patch16-224",
            run=classify,
            result=ClassificationResult,
            snippet=classification_snippet,
            steps=CLASSIFICATION_STEPS,
            architectures=("MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES",),
            input_side=300,
            batchable=True,
            datasets=("ILSVRC/imagenet-1k",),
            guide="image_classification",
        ),
        TaskSpec(
            id="object-detection",
            icon="📦",
            page="app_pages/Object_Detection.py",
            lesson="detection",
            default_model="facebook/detr-resnet-50",
            run=detect,
            result=DetectionResult,
            snippet=detection_snippet,
            steps=DETECTION_STEPS,
            architectures=("MODEL_FOR_OBJECT_DETECTION_MAPPING_NAMES",),
            input_side=600,
            datasets=("detection-datasets/coco",),
            guide="object_detection",
        ),
        TaskSpec(
            id="depth-estimation",
            icon="🌄",
            page="app_pages/Depth_Estimation.py",
            lesson="depth",
            default_model="depth-anything/Depth-Anything-V2-Small-hf",
            run=estimate_depth,
            result=DepthResult,
            snippet=depth_snippet,
            steps=DEPTH_STEPS,
            architectures=("MODEL_FOR_DEPTH_ESTIMATION_MAPPING_NAMES",),
            input_side=518,
            datasets=("sayakpaul/nyu_depth_v2",),
            guide="monocular_depth_estimation",
            names_classes=False,
        ),
        TaskSpec(
            id="image-segmentation",
            icon="🧩",
            page="app_pages/Image_Segmentation.py",
            lesson="segmentation",
            default_model="nvidia/segformer-b0-finetuned-ade-512-512",
            run=segment,
            result=SegmentationResult,
            snippet=segmentation_snippet,
            steps=SEGMENTATION_STEPS,
            architectures=(
                "MODEL_FOR_IMAGE_SEGMENTATION_MAPPING_NAMES",
                "MODEL_FOR_SEMANTIC_SEGMENTATION_MAPPING_NAMES",
                "MODEL_FOR_INSTANCE_SEGMENTATION_MAPPING_NAMES",
                "MODEL_FOR_UNIVERSAL_SEGMENTATION_MAPPING_NAMES",
            ),
            input_side=360,
            datasets=("zhoubolei/scene_parse_150", "detection-datasets/coco"),
            guide="semantic_segmentation",
        ),
        TaskSpec(
            id="zero-shot-image-classification",
            icon="✍️",
            page="app_pages/Zero_Shot_Classification.py",
            lesson="zero_shot",
            default_model="openai/clip-vit-base-patch32",
            run=classify_zero_shot,
            result=ZeroShotResult,
            snippet=zero_shot_snippet,
            steps=ZERO_SHOT_STEPS,
            architectures=("MODEL_FOR_ZERO_SHOT_IMAGE_CLASSIFICATION_MAPPING_NAMES",),
            input_side=300,
            datasets=("laion/relaion2B-en-research-safe",),
            guide="zero_shot_image_classification",
            warmup_call=(("candidate_labels", ("a photo", "a drawing")),),
            names_classes=False,  # the classes are the student's words, not the model's
        ),
    )
}

MODELS: dict[str, ModelSpec] = {
    model.id: model
    for model in (
        ModelSpec(
            id="google/vit-base-patch16-224",
            task="image-classification",
            params_millions=86.6,
            download_mb=346,
        ),
        ModelSpec(
            id="microsoft/resnet-50",
            task="image-classification",
            params_millions=25.6,
            download_mb=102,
        ),
        ModelSpec(
            id="facebook/deit-base-patch16-224",
            task="image-classification",
            params_millions=86.6,
            download_mb=346,
        ),
        ModelSpec(
            id="apple/mobilevit-small",
            task="image-classification",
            params_millions=5.6,
            download_mb=22,
        ),
        ModelSpec(
            id="omarques/autotrain-dogs-and-cats-1527055142",
            task="image-classification",
            params_millions=85.8,
            download_mb=343,
        ),
        ModelSpec(
            id="facebook/detr-resnet-50",
            task="object-detection",
            params_millions=41.3,
            download_mb=167,
            revision="no_timm",  # main's config asks for a timm backbone
        ),
        ModelSpec(
            id="hustvl/yolos-small",
            task="object-detection",
            params_millions=30.7,
            download_mb=123,
        ),
        ModelSpec(
            id="hustvl/yolos-tiny",
            task="object-detection",
            params_millions=6.5,
            download_mb=26,
        ),
        ModelSpec(
            id="PekingU/rtdetr_r18vd",
            task="object-detection",
            params_millions=20.2,
            download_mb=81,
        ),
        ModelSpec(
            id="depth-anything/Depth-Anything-V2-Small-hf",
            task="depth-estimation",
            params_millions=24.8,
            download_mb=99,
        ),
        ModelSpec(
            id="Intel/dpt-hybrid-midas",
            task="depth-estimation",
            params_millions=123,
            download_mb=490,
        ),
        ModelSpec(
            id="Intel/dpt-large",
            task="depth-estimation",
            params_millions=343,
            download_mb=1370,
        ),
        ModelSpec(
            id="Intel/zoedepth-nyu-kitti",
            task="depth-estimation",
            params_millions=345,
            download_mb=1380,
            metric_depth=True,
        ),
        ModelSpec(
            id="nvidia/segformer-b0-finetuned-ade-512-512",
            task="image-segmentation",
            params_millions=3.8,
            download_mb=15,
            subtasks=("semantic",),
        ),
        ModelSpec(
            id="facebook/mask2former-swin-tiny-coco-panoptic",
            task="image-segmentation",
            params_millions=47.4,
            download_mb=190,
            extra_packages=("scipy",),
            subtasks=("panoptic", "instance", "semantic"),
        ),
        ModelSpec(
            id="facebook/detr-resnet-50-panoptic",
            task="image-segmentation",
            params_millions=42.9,
            download_mb=172,
            extra_packages=("timm", "scipy"),
            subtasks=("panoptic",),
        ),
        ModelSpec(
            id="openai/clip-vit-base-patch32",
            task="zero-shot-image-classification",
            params_millions=151.3,
            download_mb=605,
            languages=("en",),
        ),
        ModelSpec(
            id="google/siglip-base-patch16-256-multilingual",
            task="zero-shot-image-classification",
            params_millions=370.6,
            download_mb=1480,
            extra_packages=("sentencepiece",),
            languages=("es", "en"),
        ),
        ModelSpec(
            id="kmewhort/beit-sketch-classifier",
            task="image-classification",
            params_millions=86.0,
            download_mb=348,
            doodle_ink="black",
            doodle_size=224,
        ),
    )
}


@dataclass(frozen=True)
class PageSpec:
    """A page that is not a task: its file, its title in the catalogues and its icon."""

    page: str
    title: str  # catalogue key
    icon: str


APP_ICON = "👁️"
HOME = PageSpec("app_pages/Home_Page.py", "app.home", APP_ICON)
OTHER_PAGES: tuple[PageSpec, ...] = (
    PageSpec("app_pages/Quick_Draw_Explorer.py", "quickdraw.name", "✏️"),
    PageSpec("app_pages/Train_Your_Own.py", "train.name", "🧠"),
    PageSpec("app_pages/Pictionary.py", "pictionary.name", "🎨"),
    PageSpec("app_pages/Diagnostics.py", "diagnostics.name", "🩺"),
)


def all_pages() -> list[PageSpec]:
    """Every page in the sidebar's order: Home, the tasks' pages, then the others."""
    tasks = [PageSpec(task.page, f"tasks.{task.id}.name", task.icon) for task in TASKS.values()]
    return [HOME, *tasks, *OTHER_PAGES]


def page_icon(title: str) -> str:
    """The icon of the page titled `title` (a catalogue key), declared once above."""
    icons = {f"tasks.{task.id}.name": task.icon for task in TASKS.values()}
    icons |= {page.title: page.icon for page in OTHER_PAGES}
    return icons.get(title, APP_ICON)


# The course's Pictionary model of the lesson (dogs or cats), offered on the Pictionary page.
DOGS_AND_CATS = "omarques/autotrain-dogs-and-cats-1527055142"

# The model each task page starts with, as declared in its `TaskSpec`.
DEFAULT_MODELS: dict[str, str] = {task.id: task.default_model for task in TASKS.values()}


def default_model(task: str, lang: str = "") -> str:
    """The model a task's page starts with for a student reading `lang`: the task's default,
    unless its models read texts and the default does not read that language, then the first
    that does."""
    spec = TASKS[task]
    if not lang or not MODELS[spec.default_model].languages:
        return spec.default_model
    if lang in MODELS[spec.default_model].languages:
        return spec.default_model
    readers = [m.id for m in MODELS.values() if m.task == task and lang in m.languages]
    return readers[0] if readers else spec.default_model


def models_for(task: str, doodles: bool = False, lang: str = "") -> list[ModelSpec]:
    """The registry's models for one task, default first (for a student reading `lang`):
    photo models, or doodle models."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; known: {sorted(TASKS)}")
    found = [m for m in MODELS.values() if m.task == task and bool(m.doodle_ink) == doodles]
    first = default_model(task, lang)
    return sorted(found, key=lambda m: m.id != first)  # stable: the default first
