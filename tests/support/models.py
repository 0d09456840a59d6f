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

from tests.support.environment import REPLICAS


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


def _resnet(stages: int = 1):
    from transformers import ResNetConfig

    names = ["stage1", "stage2", "stage3", "stage4"][-stages:]
    return ResNetConfig(
        embedding_size=8,
        hidden_sizes=[8, 16, 16, 16],
        depths=[1, 1, 1, 1],
        layer_type="basic",
        out_features=names,
    )


def _tiny_vit(model_id):
    import transformers as T

    labels = _labels(model_id)
    config = T.ViTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    processor = T.ViTImageProcessor(size={"height": 32, "width": 32})
    return T.ViTForImageClassification(config), processor


def _tiny_resnet(model_id):
    import transformers as T

    labels = _labels(model_id)
    config = T.ResNetConfig(
        embedding_size=8,
        hidden_sizes=[8, 16],
        depths=[1, 1],
        layer_type="basic",
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    processor = T.ViTImageProcessor(size={"height": 32, "width": 32})
    return T.ResNetForImageClassification(config), processor


def _detr_config(labels, stages=1, heads=2):
    import transformers as T

    return T.DetrConfig(
        use_timm_backbone=False,
        use_pretrained_backbone=False,
        backbone=None,
        backbone_config=_resnet(stages),
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        num_queries=10,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )


# Random detectors score every class near 1/92, under any threshold; a bias towards one class
# gives the tests detections to see (scores near 0.6, spread by the random weights).
FAVOURED_CLASS = "cat"


def _favour(layer, labels, boost: float = 5.0) -> None:
    import torch

    with torch.no_grad():
        layer.bias[{v: k for k, v in labels.items()}[FAVOURED_CLASS]] += boost


def _tiny_detr(model_id):
    import transformers as T

    labels = _labels(model_id)
    processor = T.DetrImageProcessor(size={"shortest_edge": 64, "longest_edge": 96})
    model = T.DetrForObjectDetection(_detr_config(labels))
    _favour(model.class_labels_classifier, labels)
    return model, processor


def _tiny_yolos(model_id):
    import transformers as T

    labels = _labels(model_id)
    config = T.YolosConfig(
        image_size=[64, 64],
        patch_size=16,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_detection_tokens=10,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    processor = T.YolosImageProcessor(size={"shortest_edge": 64, "longest_edge": 96})
    model = T.YolosForObjectDetection(config)
    _favour(model.class_labels_classifier.layers[-1], labels)
    return model, processor


def _tiny_rtdetr(model_id):
    import transformers as T

    labels = _labels("facebook/detr-resnet-50")  # COCO; no replica of RT-DETR's config
    backbone = T.RTDetrResNetConfig(
        embedding_size=16,
        hidden_sizes=[16, 32, 64, 128],
        depths=[1, 1, 1, 1],
        layer_type="basic",
        out_features=["stage2", "stage3", "stage4"],
    )
    config = T.RTDetrConfig(
        backbone_config=backbone,
        encoder_in_channels=[32, 64, 128],
        d_model=32,
        encoder_hidden_dim=32,
        encoder_ffn_dim=64,
        encoder_attention_heads=2,
        decoder_ffn_dim=64,
        decoder_attention_heads=2,
        decoder_layers=1,
        num_queries=10,
        decoder_n_points=2,
        decoder_in_channels=[32, 32, 32],
        use_pretrained_backbone=False,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    processor = T.RTDetrImageProcessor(size={"height": 64, "width": 64})
    model = T.RTDetrForObjectDetection(config)
    # RT-DETR scores each class with a sigmoid whose bias starts at the prior 0.01: favour one
    # class where queries are chosen (the encoder's scores) and where they are scored.
    _favour(model.model.enc_score_head, labels)
    for layer in model.model.decoder.class_embed:
        _favour(layer, labels)
    return model, processor


def _tiny_dpt(model_id):
    import transformers as T

    config = T.DPTConfig(
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=64,
        image_size=64,
        patch_size=16,
        neck_hidden_sizes=[8, 16, 32, 32],
        fusion_hidden_size=16,
        backbone_out_indices=[0, 1, 2, 3],
    )
    processor = T.DPTImageProcessor(size={"height": 64, "width": 64})
    return T.DPTForDepthEstimation(config), processor


def _tiny_depth_anything(model_id):
    import transformers as T

    backbone = T.Dinov2Config(
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=64,
        image_size=70,
        patch_size=14,
        out_features=["stage1", "stage2", "stage3", "stage4"],
        reshape_hidden_states=False,
    )
    config = T.DepthAnythingConfig(
        backbone_config=backbone,
        neck_hidden_sizes=[8, 16, 32, 32],
        fusion_hidden_size=16,
        head_hidden_size=8,
        reassemble_hidden_size=32,
        patch_size=14,
    )
    processor = T.DPTImageProcessor(size={"height": 70, "width": 70}, keep_aspect_ratio=False)
    return T.DepthAnythingForDepthEstimation(config), processor


def _tiny_zoedepth(model_id):
    import transformers as T

    backbone = T.BeitConfig(
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=64,
        image_size=64,
        patch_size=16,
        out_features=["stage1", "stage2", "stage3", "stage4"],
        reshape_hidden_states=False,
        use_relative_position_bias=True,
    )
    config = T.ZoeDepthConfig(
        backbone_config=backbone,
        neck_hidden_sizes=[8, 16, 32, 32],
        fusion_hidden_size=16,
        bottleneck_features=16,
        num_relative_features=8,
        num_attractors=[4, 4, 4, 4],
        bin_embedding_dim=8,
        num_patch_transformer_layers=1,
        patch_transformer_hidden_size=16,
        patch_transformer_intermediate_size=16,
        patch_transformer_num_attention_heads=2,
        bin_configurations=[{"n_bins": 8, "min_depth": 0.001, "max_depth": 10.0, "name": "nyu"}],
        reassemble_factors=[4, 2, 1, 0.5],
        backbone_hidden_size=32,
    )
    processor = T.ZoeDepthImageProcessor(size={"height": 64, "width": 64}, keep_aspect_ratio=False)
    return T.ZoeDepthForDepthEstimation(config), processor


def _tiny_segformer(model_id):
    import transformers as T

    labels = _labels(model_id)
    config = T.SegformerConfig(
        depths=[1, 1, 1, 1],
        hidden_sizes=[8, 16, 16, 16],
        num_attention_heads=[1, 1, 1, 1],
        decoder_hidden_size=16,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    processor = T.SegformerImageProcessor(size={"height": 64, "width": 64})
    return T.SegformerForSemanticSegmentation(config), processor


def _tiny_mask2former(model_id):
    import transformers as T

    labels = _labels(model_id)
    backbone = T.SwinConfig(
        embed_dim=16,
        depths=[1, 1, 1, 1],
        num_heads=[1, 1, 1, 1],
        image_size=64,
        window_size=2,
        out_features=["stage1", "stage2", "stage3", "stage4"],
    )
    config = T.Mask2FormerConfig(
        backbone_config=backbone,
        feature_size=32,
        mask_feature_size=32,
        hidden_dim=32,
        encoder_layers=1,
        decoder_layers=2,
        num_queries=10,
        dim_feedforward=32,
        encoder_feedforward_dim=32,
        num_attention_heads=2,
        use_pretrained_backbone=False,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    processor = T.Mask2FormerImageProcessor(size={"height": 64, "width": 64})
    model = T.Mask2FormerForUniversalSegmentation(config)
    _favour(model.class_predictor, labels, boost=10.0)  # above the pipeline's 0.9 threshold
    # Random masks hover around probability 0.5, and an instance's score is its class score
    # times its mask's mean probability: sharpened, masks are near 0 or 1, instances score over
    # the pipeline's 0.9, and panoptic queries each win most of their own mask.
    import torch

    with torch.no_grad():
        embedder = model.model.transformer_module.decoder.mask_predictor.mask_embedder
        last = [m for m in embedder.modules() if isinstance(m, torch.nn.Linear)][-1]
        last.weight *= 300
        last.bias *= 300
    return model, processor


def _tiny_detr_panoptic(model_id):
    import transformers as T

    labels = _labels("facebook/mask2former-swin-tiny-coco-panoptic")  # COCO panoptic classes
    config = _detr_config(labels, stages=4, heads=8)  # the mask head needs 4 stages
    processor = T.DetrImageProcessor(
        size={"shortest_edge": 64, "longest_edge": 96}, format="coco_panoptic"
    )
    model = T.DetrForSegmentation(config)
    _favour(model.detr.class_labels_classifier, labels, boost=10.0)
    return model, processor


def _tiny_beit(model_id):
    import transformers as T

    labels = _labels(model_id)
    config = T.BeitConfig(
        image_size=32,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        use_mean_pooling=True,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    processor = T.BeitImageProcessor(size={"height": 32, "width": 32}, do_center_crop=False)
    return T.BeitForImageClassification(config), processor


def _clip_tokenizer():
    """CLIP's byte-level BPE as the Hub holds it (vocab, merges, `</w>` ending a word, its two
    special tokens), with a few merges instead of 49,000."""
    import transformers as T
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    characters = list(bytes_to_unicode().values())
    vocab = {c: i for i, c in enumerate(characters)}
    vocab |= {c + "</w>": len(characters) + i for i, c in enumerate(characters)}
    merges = [("p", "h"), ("ph", "o"), ("pho", "t"), ("phot", "o</w>"), ("o", "f</w>")]
    for left, right in merges:
        vocab[left + right] = len(vocab)
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    return T.CLIPTokenizer(vocab=vocab, merges=merges), vocab


def _tiny_clip(model_id):
    import math

    import transformers as T

    tokenizer, vocab = _clip_tokenizer()
    start, end = vocab["<|startoftext|>"], vocab["<|endoftext|>"]
    config = T.CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, max_position_embeddings=77,
                         bos_token_id=start, eos_token_id=end, pad_token_id=end),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64,
                           num_hidden_layers=2, num_attention_heads=2),
        projection_dim=16,
        logit_scale_init_value=math.log(1 / 0.07),
    )  # fmt: skip
    images = T.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    return T.CLIPModel(config), T.CLIPProcessor(image_processor=images, tokenizer=tokenizer)


def _tiny_siglip(model_id):
    """Multilingual SigLIP: a Gemma tokenizer (BPE with byte fallback: any language, and any
    character as its UTF-8 bytes) and a sigmoid with a learnt bias."""
    import math

    import torch
    import transformers as T

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<mask>": 4}
    vocab |= {f"<0x{byte:02X}>": 5 + byte for byte in range(256)}
    for character in "▁abcdefghijklmnopqrstuvwxyzáéíóúñü":
        vocab.setdefault(character, len(vocab))
    tokenizer = T.GemmaTokenizer(vocab=vocab, merges=[])
    config = T.SiglipConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, max_position_embeddings=64,
                         pad_token_id=0, bos_token_id=2, eos_token_id=1, projection_size=32),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64,
                           num_hidden_layers=2, num_attention_heads=2),
    )  # fmt: skip
    model = T.SiglipModel(config)
    with torch.no_grad():  # SigLIP's own starting values: t = log 10, b = −10
        model.logit_scale.fill_(math.log(10))
        model.logit_bias.fill_(-10)
    images = T.SiglipImageProcessor(size={"height": 32, "width": 32})
    return model, T.SiglipProcessor(image_processor=images, tokenizer=tokenizer)


TINY_BUILDERS = {
    "openai/clip-vit-base-patch32": _tiny_clip,
    "google/siglip-base-patch16-256-multilingual": _tiny_siglip,
    "kmewhort/beit-sketch-classifier": _tiny_beit,
    "google/vit-base-patch16-224": _tiny_vit,
    "microsoft/resnet-50": _tiny_resnet,
    "facebook/deit-base-patch16-224": _tiny_vit,
    "apple/mobilevit-small": _tiny_vit,
    "omarques/autotrain-dogs-and-cats-1527055142": _tiny_vit,
    "facebook/detr-resnet-50": _tiny_detr,
    "hustvl/yolos-small": _tiny_yolos,
    "hustvl/yolos-tiny": _tiny_yolos,
    "PekingU/rtdetr_r18vd": _tiny_rtdetr,
    "depth-anything/Depth-Anything-V2-Small-hf": _tiny_depth_anything,
    "Intel/dpt-hybrid-midas": _tiny_dpt,
    "Intel/dpt-large": _tiny_dpt,
    "Intel/zoedepth-nyu-kitti": _tiny_zoedepth,
    "nvidia/segformer-b0-finetuned-ade-512-512": _tiny_segformer,
    "facebook/mask2former-swin-tiny-coco-panoptic": _tiny_mask2former,
    "facebook/detr-resnet-50-panoptic": _tiny_detr_panoptic,
}


def build_tiny(model_id: str, root: Path, seed: int = 0, revision: str = "main") -> Path:
    """A tiny random model of `model_id`'s architecture family, saved under `root`."""
    import torch

    torch.manual_seed(seed)
    model, processor = TINY_BUILDERS[model_id](model_id)
    name = model_id.replace("/", "--") + (f"@{revision}" if revision != "main" else "")
    folder = root / name
    model.eval().save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


# timm classifiers as the Hub holds them (`timm/<architecture>.<tag>`): timm's own config.json
# (`architecture`, `num_classes`, `pretrained_cfg`, and `label_names` where the classes are not
# ImageNet's) beside `model.safetensors` with timm's own state dict; no preprocessor file. These
# are timm's test architectures, which the Hub holds under these very ids (a few thousand
# weights each). Without `label_names`, ImageNet-1k's names come from timm itself.
TIMM_TINY = {
    "timm/test_resnet.r160_in1k": (),
    "timm/test_vit.r160_in1k": (),
    "timm/test_efficientnet.r160_in1k": ("cat", "dog", "tiger", "bird"),
}


def build_timm(model_id: str, root: Path, label_names: tuple[str, ...] = (), seed: int = 0) -> Path:
    """A random-weight timm classifier saved the way `timm.models.push_to_hf_hub` saves it."""
    import timm
    import torch

    torch.manual_seed(seed)
    architecture = model_id.removeprefix("timm/")
    model = timm.create_model(architecture, pretrained=False, num_classes=len(label_names) or 1000)
    folder = root / model_id.replace("/", "--")
    extra = {"label_names": list(label_names)} if label_names else {}
    timm.models.save_for_hf(model.eval(), folder, model_config=extra, safe_serialization=True)
    # timm 1.0.31 also records the factory's `model_args`; the configs on the Hub (saved by
    # earlier timm) have none, and transformers' timm_wrapper cannot build from one that
    # repeats `num_classes` (see test_conformance).
    config = json.loads((folder / "config.json").read_text())
    config.pop("model_args", None)
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    return folder


def build_replica(model_id: str, root: Path, revision: str = "main", seed: int = 0) -> Path:
    """The full-size architecture of `model_id` with random weights, saved under `root`."""
    import torch
    import transformers
    from transformers import AutoConfig, AutoImageProcessor

    torch.manual_seed(seed)
    source = replica_folder(model_id, revision)
    config = AutoConfig.from_pretrained(source)
    config.use_pretrained_backbone = False  # random weights; never fetch a backbone
    model_class = getattr(transformers, config.architectures[0])
    model = model_class(config)
    processor = AutoImageProcessor.from_pretrained(source)
    name = model_id.replace("/", "--") + (f"@{revision}" if revision != "main" else "")
    folder = root / name
    model.eval().save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def expected_bars(model_id: str, sample: str, k: int) -> list[tuple[str, float]]:
    """(label, percent) of what a classifier says about a sample photo, computed outside the
    app, through the production loader (the tiny models must be in `VTL_LOCAL_MODELS`)."""
    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.tasks.classification import classify
    from core.tasks.image_input import sample_photo

    model = ModelCache(10**9).get(ModelRef(model_id, "image-classification"))
    result = classify(model, sample_photo(sample).image)
    return [(p.label, round(p.score * 100, 2)) for p in result.top(k)]
