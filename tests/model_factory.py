"""Random-weight models built from configurations, saved as the Hub would serve them.

- `build_tiny`: a tiny model of the same architecture family, with the real model's label set
  (read from ../shared/hub-replicas), for pipeline and app tests (each builds in well under 1 s).
- `build_replica`: the full-size architecture of the real model, for benchmarks of time and memory.

Folders are named as the loader's seam expects them (`org--name`), so pointing
`VTL_LOCAL_MODELS` at the parent folder makes the app load them through its production path.
"""

from __future__ import annotations

import json
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
REPLICAS = SHARED / "hub-replicas"


def replica_folder(model_id: str, revision: str = "main") -> Path:
    base = model_id.replace("/", "--")
    pinned = REPLICAS / f"{base}@{revision}"
    return pinned if revision != "main" and pinned.is_dir() else REPLICAS / base


def _labels(model_id: str) -> dict[int, str]:
    config = json.loads((replica_folder(model_id) / "config.json").read_text())
    return {int(k): v for k, v in config["id2label"].items()}


def _save(model, processor, root: Path, model_id: str) -> Path:
    folder = root / model_id.replace("/", "--")
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def build_tiny(model_id: str, root: Path, seed: int = 0) -> Path:
    """A tiny random image classifier standing for `model_id`, saved under `root`."""
    import torch
    from transformers import (
        ResNetConfig,
        ResNetForImageClassification,
        ViTConfig,
        ViTForImageClassification,
        ViTImageProcessor,
    )

    torch.manual_seed(seed)
    id2label = _labels(model_id)
    label2id = {v: k for k, v in id2label.items()}
    size = 32
    if "resnet" in model_id:
        config = ResNetConfig(
            embedding_size=8,
            hidden_sizes=[8, 16],
            depths=[1, 1],
            layer_type="basic",
            id2label=id2label,
            label2id=label2id,
        )
        model = ResNetForImageClassification(config)
    else:
        config = ViTConfig(
            image_size=size,
            patch_size=8,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            id2label=id2label,
            label2id=label2id,
        )
        model = ViTForImageClassification(config)
    processor = ViTImageProcessor(size={"height": size, "width": size})
    return _save(model.eval(), processor, root, model_id)


def build_replica(model_id: str, root: Path, revision: str = "main", seed: int = 0) -> Path:
    """The full-size architecture of `model_id` with random weights, saved under `root`."""
    import torch
    from transformers import AutoConfig, AutoImageProcessor, AutoModelForImageClassification

    torch.manual_seed(seed)
    source = replica_folder(model_id, revision)
    config = AutoConfig.from_pretrained(source)
    model = AutoModelForImageClassification.from_config(config)
    processor = AutoImageProcessor.from_pretrained(source)
    return _save(model.eval(), processor, root, model_id)
