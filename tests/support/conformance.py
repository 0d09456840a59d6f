"""The architectures a student is likely to type, one tiny random-weight model each, saved as
the Hub saves them (`save_pretrained` of the model and its own image processor), for the
conformance matrix (tests/test_conformance.py).

Each entry: an id standing for a Hub model of that architecture (`conformance/<family>`), the
task, and a builder returning (model, processor). The registry's families reuse the builders
of `tests/support/models.py`; label sets are the real models' (ImageNet, COCO, ADE20K).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import models as tiny

CLS, DET, DEPTH, SEG, ZERO_SHOT = (
    "image-classification",
    "object-detection",
    "depth-estimation",
    "image-segmentation",
    "zero-shot-image-classification",
)


def _imagenet() -> dict[int, str]:
    return tiny._labels("google/vit-base-patch16-224")


def _coco() -> dict[int, str]:
    return tiny._labels("facebook/detr-resnet-50")


def _ade() -> dict[int, str]:
    return tiny._labels("nvidia/segformer-b0-finetuned-ade-512-512")


def _labelled(labels: dict[int, str]) -> dict[str, Any]:
    return {"id2label": labels, "label2id": {v: k for k, v in labels.items()}}


def _square(T, side: int = 32, cls: str = "ViTImageProcessor", **extra) -> Any:
    return getattr(T, cls)(size={"height": side, "width": side}, **extra)


def _lively(model):
    """Deep convolutional nets drawn at random (MobileNet, EfficientNet, MobileViT) shrink
    their features layer after layer to about 1e-30, and every class scores alike. Their batch
    normalisations are given a scale of 1 (transformers draws it near 0 for these) and the
    statistics of what flows through them (one pass over random pictures in training mode, as
    training would), so that the classes differ."""
    import torch

    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for norm in norms:
        torch.nn.init.ones_(norm.weight)
        torch.nn.init.zeros_(norm.bias)
        norm.reset_running_stats()
        norm.momentum = None  # a plain average over the pass
    side = model.config.image_size
    model.train()
    with torch.no_grad():
        model(pixel_values=torch.randn(8, 3, side, side))
    return model.eval()


# --- classification -------------------------------------------------------------------------


def _deit(T):
    config = T.DeiTConfig(
        image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, **_labelled(_imagenet()),
    )  # fmt: skip
    processor = T.DeiTImageProcessor(
        size={"height": 36, "width": 36}, crop_size={"height": 32, "width": 32}
    )
    return T.DeiTForImageClassification(config), processor


def _beit(T):
    config = T.BeitConfig(
        image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, use_mean_pooling=True,
        **_labelled(_imagenet()),
    )  # fmt: skip
    return T.BeitForImageClassification(config), _square(T, cls="BeitImageProcessor")


def _convnext(T, v2: bool = False):
    name = "ConvNextV2" if v2 else "ConvNext"
    config = getattr(T, f"{name}Config")(
        hidden_sizes=[8, 16, 16, 16], depths=[1, 1, 1, 1], **_labelled(_imagenet())
    )
    processor = T.ConvNextImageProcessor(size={"shortest_edge": 32}, crop_pct=0.875)
    return getattr(T, f"{name}ForImageClassification")(config), processor


def _swin(T, v2: bool = False):
    name = "Swinv2" if v2 else "Swin"
    config = getattr(T, f"{name}Config")(
        image_size=32, patch_size=4, embed_dim=16, depths=[1, 1], num_heads=[2, 2],
        window_size=4, **_labelled(_imagenet()),
    )  # fmt: skip
    return getattr(T, f"{name}ForImageClassification")(config), _square(T)


def _regnet(T):
    config = T.RegNetConfig(
        embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1], groups_width=8,
        **_labelled(_imagenet()),
    )  # fmt: skip
    return T.RegNetForImageClassification(config), T.ConvNextImageProcessor(
        size={"shortest_edge": 32}, crop_pct=0.875
    )


def _efficientnet(T):
    config = T.EfficientNetConfig(
        image_size=32, width_coefficient=0.1, depth_coefficient=0.1, hidden_dim=128,
        **_labelled(_imagenet()),
    )  # fmt: skip
    processor = T.EfficientNetImageProcessor(
        size={"height": 32, "width": 32}, crop_size={"height": 32, "width": 32}
    )
    return _lively(T.EfficientNetForImageClassification(config)), processor


def _mobilenet_v2(T):
    config = T.MobileNetV2Config(
        image_size=32, depth_multiplier=0.25, **_labelled(tiny._labels("apple/mobilevit-small"))
    )
    processor = T.MobileNetV2ImageProcessor(
        size={"shortest_edge": 36}, crop_size={"height": 32, "width": 32}
    )
    return _lively(T.MobileNetV2ForImageClassification(config)), processor


def _mobilevit_config(T, **labels):
    return T.MobileViTConfig(
        image_size=32, hidden_sizes=[16, 16, 16], neck_hidden_sizes=[8, 8, 8, 16, 16, 16, 32],
        num_attention_heads=2, **labels,
    )  # fmt: skip


def _mobilevit(T):
    processor = T.MobileViTImageProcessor(
        size={"shortest_edge": 36}, crop_size={"height": 32, "width": 32}
    )
    config = _mobilevit_config(T, **_labelled(_imagenet()))
    return _lively(T.MobileViTForImageClassification(config)), processor


# --- detection -------------------------------------------------------------------------------


def _detr_like(T, name: str, **extra):
    labels = _coco()
    config = getattr(T, f"{name}Config")(
        use_timm_backbone=False, use_pretrained_backbone=False, backbone=None,
        backbone_config=tiny._resnet(3 if name == "DeformableDetr" else 1), d_model=32,
        encoder_layers=1, decoder_layers=2, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, num_queries=10,
        **_labelled(labels), **extra,
    )  # fmt: skip
    processor = getattr(T, f"{name}ImageProcessor")(size={"shortest_edge": 64, "longest_edge": 96})
    model = getattr(T, f"{name}ForObjectDetection")(config)
    heads = getattr(model, "class_embed", None) or [model.class_labels_classifier]
    for head in heads:  # Deformable DETR scores each decoder layer with a head of its own
        tiny._favour(head, labels)
    return model, processor


def _rtdetr(T):
    return tiny._tiny_rtdetr("PekingU/rtdetr_r18vd")


def _rtdetr_v2(T):
    labels = _coco()
    backbone = T.RTDetrResNetConfig(
        embedding_size=16, hidden_sizes=[16, 32, 64, 128], depths=[1, 1, 1, 1],
        layer_type="basic", out_features=["stage2", "stage3", "stage4"],
    )  # fmt: skip
    config = T.RTDetrV2Config(backbone_config=backbone, decoder_n_points=2, **_RT_DETR_SIZES,
                              **_labelled(labels))  # fmt: skip
    return _favour_queries(T.RTDetrV2ForObjectDetection(config), labels)


def _d_fine(T):
    labels = _coco()
    backbone = T.HGNetV2Config(
        stem_channels=[3, 8, 8], stage_in_channels=[8, 16, 32, 64],
        stage_mid_channels=[8, 16, 32, 64], stage_out_channels=[16, 32, 64, 128],
        stage_num_blocks=[1, 1, 1, 1], stage_numb_of_layers=[1, 1, 1, 1],
        stage_downsample=[False, True, True, True], stage_light_block=[False, False, True, True],
        stage_kernel_size=[3, 3, 5, 5], hidden_sizes=[16, 32, 64, 128],
        out_features=["stage2", "stage3", "stage4"],
    )  # fmt: skip
    config = T.DFineConfig(backbone_config=backbone, decoder_n_points=[2, 2, 2],
                           hidden_expansion=0.5, **_RT_DETR_SIZES, **_labelled(labels))  # fmt: skip
    return _favour_queries(T.DFineForObjectDetection(config), labels)


# RT-DETR v2's and D-FINE's tiny sizes (a backbone whose last three stages give 32, 64, 128).
_RT_DETR_SIZES = {
    "encoder_in_channels": [32, 64, 128], "d_model": 32, "encoder_hidden_dim": 32,
    "encoder_ffn_dim": 64, "encoder_attention_heads": 2, "decoder_ffn_dim": 64,
    "decoder_attention_heads": 2, "decoder_layers": 2, "num_queries": 10,
    "decoder_in_channels": [32, 32, 32], "use_pretrained_backbone": False,
}  # fmt: skip


def _favour_queries(model, labels):
    """One class favoured where the queries are chosen and where they are scored (sigmoid
    scores start at the prior 0.01), as `tests.support.models` does for RT-DETR."""
    import transformers as T

    tiny._favour(model.model.enc_score_head, labels)
    for layer in model.model.decoder.class_embed:
        tiny._favour(layer, labels)
    return model, T.RTDetrImageProcessor(size={"height": 64, "width": 64})


# --- depth -----------------------------------------------------------------------------------


def _glpn(T):
    config = T.GLPNConfig(
        num_encoder_blocks=4, depths=[1, 1, 1, 1], sr_ratios=[8, 4, 2, 1],
        hidden_sizes=[8, 16, 16, 32], num_attention_heads=[1, 1, 2, 2], decoder_hidden_size=16,
    )  # fmt: skip
    return T.GLPNForDepthEstimation(config), T.GLPNImageProcessor(size_divisor=32)


def _depth_anything_metric(T):
    model, processor = tiny._tiny_depth_anything("depth-anything/Depth-Anything-V2-Small-hf")
    config = model.config
    config.depth_estimation_type, config.max_depth = "metric", 20
    return T.DepthAnythingForDepthEstimation(config), processor


def _depth_pro(T):
    patch = T.Dinov2Config(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        image_size=32, patch_size=8,
    )  # fmt: skip
    config = T.DepthProConfig(
        fusion_hidden_size=16, patch_size=32, intermediate_hook_ids=[1, 0],
        intermediate_feature_dims=[16, 16], scaled_images_ratios=[0.5, 1.0],
        scaled_images_overlap_ratios=[0.0, 0.25], scaled_images_feature_dims=[16, 16],
        image_model_config=patch, patch_model_config=patch, fov_model_config=patch,
        use_fov_model=True, num_fov_head_layers=1,
    )  # fmt: skip
    processor = T.DepthProImageProcessor(size={"height": 64, "width": 64})
    return T.DepthProForDepthEstimation(config), processor


# --- segmentation ----------------------------------------------------------------------------


def _tiny_swin(T):
    """The Swin backbone MaskFormer and OneFormer share here: four one-block stages."""
    return T.SwinConfig(
        image_size=64, patch_size=4, embed_dim=16, depths=[1, 1, 1, 1],
        num_heads=[1, 1, 2, 2], window_size=4,
        out_features=["stage1", "stage2", "stage3", "stage4"],
    )  # fmt: skip


def _maskformer(T):
    labels = tiny._labels("facebook/mask2former-swin-tiny-coco-panoptic")
    backbone = _tiny_swin(T)
    config = T.MaskFormerConfig(
        backbone_config=backbone, mask_feature_size=32, fpn_feature_size=32,
        decoder_config={"model_type": "detr", "d_model": 16, "encoder_layers": 1,
                        "decoder_layers": 1, "encoder_attention_heads": 2,
                        "decoder_attention_heads": 2, "encoder_ffn_dim": 16,
                        "decoder_ffn_dim": 16, "num_queries": 10},
        num_queries=10, use_pretrained_backbone=False, **_labelled(labels),
    )  # fmt: skip
    processor = T.MaskFormerImageProcessor(size={"shortest_edge": 64, "longest_edge": 96})
    model = T.MaskFormerForInstanceSegmentation(config)
    tiny._favour(model.class_predictor, labels, boost=10.0)  # above the pipeline's 0.9
    return model, processor


def _oneformer(T):
    labels = tiny._labels("facebook/mask2former-swin-tiny-coco-panoptic")
    backbone = _tiny_swin(T)
    config = T.OneFormerConfig(
        backbone_config=backbone, hidden_dim=32, conv_dim=32, mask_dim=32, num_queries=10,
        encoder_layers=1, decoder_layers=2, dim_feedforward=32, num_attention_heads=2,
        text_encoder_width=16, text_encoder_context_length=32, text_encoder_num_layers=1,
        text_encoder_vocab_size=600, text_encoder_proj_layers=1, text_encoder_n_ctx=4,
        task_seq_len=32, max_seq_len=32, use_pretrained_backbone=False, **_labelled(labels),
    )  # fmt: skip
    images = T.OneFormerImageProcessor(
        size={"shortest_edge": 64, "longest_edge": 96},
        num_text=8,
        ignore_index=255,
        class_info_file=None,
        repo_path=None,
        metadata=_oneformer_metadata(labels),
    )
    processor = T.OneFormerProcessor(image_processor=images, tokenizer=_clip_tokenizer(T))
    model = T.OneFormerForUniversalSegmentation(config)
    tiny._favour(model.model.transformer_module.decoder.class_embed, labels, boost=10.0)
    return model, processor


def _clip_tokenizer(T):
    """OneFormer's task prompt ("the task is panoptic") is tokenised by CLIP's tokenizer, whose
    files the Hub holds beside the model: here a character-level vocabulary in CLIP's format
    (no merges), small enough for the tiny text encoder."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    symbols = list(bytes_to_unicode().values())
    vocab = [*symbols, *(s + "</w>" for s in symbols), "<|startoftext|>", "<|endoftext|>"]
    return T.CLIPTokenizer(vocab={w: i for i, w in enumerate(vocab)}, merges=[])


def _oneformer_metadata(labels: dict[int, str]) -> dict:
    return {
        **{str(k): v for k, v in labels.items()},
        "thing_ids": [k for k in labels if k < 80],
        "class_names": list(labels.values()),
    }


def _upernet(T):
    backbone = T.ConvNextConfig(
        hidden_sizes=[8, 16, 16, 16], depths=[1, 1, 1, 1],
        out_features=["stage1", "stage2", "stage3", "stage4"],
    )  # fmt: skip
    config = T.UperNetConfig(
        backbone_config=backbone, hidden_size=16, auxiliary_in_channels=16,
        auxiliary_channels=8, use_pretrained_backbone=False, **_labelled(_ade()),
    )  # fmt: skip
    processor = T.SegformerImageProcessor(size={"height": 64, "width": 64})
    return T.UperNetForSemanticSegmentation(config), processor


def _mobilevit_semantic(T):
    config = _mobilevit_config(T, **_labelled(_ade()))
    config.aspp_out_channels, config.image_size = 16, 64
    processor = T.MobileViTImageProcessor(
        size={"shortest_edge": 64}, crop_size={"height": 64, "width": 64}
    )
    return T.MobileViTForSemanticSegmentation(config), processor


def _dpt_semantic(T):
    model, processor = tiny._tiny_dpt("Intel/dpt-large")
    config = model.config
    config.update(_labelled(_ade()))
    return T.DPTForSemanticSegmentation(config), processor


@dataclass(frozen=True)
class Family:
    id: str  # stands for a Hub id of this architecture
    task: str
    build: Callable[[Any], tuple[Any, Any]]  # (transformers) → (model, processor)


DEPTH_ANYTHING = "depth-anything/Depth-Anything-V2-Small-hf"
MASK2FORMER = "facebook/mask2former-swin-tiny-coco-panoptic"


def _registry(model_id: str) -> Callable[[Any], tuple[Any, Any]]:
    return lambda T: tiny.TINY_BUILDERS[model_id](model_id)


FAMILIES = [
    Family("conformance/vit", CLS, _registry("google/vit-base-patch16-224")),
    Family("conformance/deit", CLS, _deit),
    Family("conformance/beit", CLS, _beit),
    Family("conformance/convnext", CLS, _convnext),
    Family("conformance/convnextv2", CLS, lambda T: _convnext(T, v2=True)),
    Family("conformance/swin", CLS, _swin),
    Family("conformance/swinv2", CLS, lambda T: _swin(T, v2=True)),
    Family("conformance/resnet", CLS, _registry("microsoft/resnet-50")),
    Family("conformance/regnet", CLS, _regnet),
    Family("conformance/efficientnet", CLS, _efficientnet),
    Family("conformance/mobilenet_v2", CLS, _mobilenet_v2),
    Family("conformance/mobilevit", CLS, _mobilevit),
    Family("conformance/detr", DET, _registry("facebook/detr-resnet-50")),
    Family("conformance/conditional_detr", DET, lambda T: _detr_like(T, "ConditionalDetr")),
    Family("conformance/deformable_detr", DET, lambda T: _detr_like(T, "DeformableDetr")),
    Family("conformance/yolos", DET, _registry("hustvl/yolos-small")),
    Family("conformance/rt_detr", DET, _rtdetr),
    Family("conformance/rt_detr_v2", DET, _rtdetr_v2),
    Family("conformance/d_fine", DET, _d_fine),
    Family("conformance/dpt", DEPTH, _registry("Intel/dpt-large")),
    Family("conformance/glpn", DEPTH, _glpn),
    Family("conformance/depth_anything", DEPTH, _registry(DEPTH_ANYTHING)),
    Family("conformance/depth_anything_metric", DEPTH, _depth_anything_metric),
    Family("conformance/zoedepth", DEPTH, _registry("Intel/zoedepth-nyu-kitti")),
    Family("conformance/depth_pro", DEPTH, _depth_pro),
    Family("conformance/segformer", SEG, _registry("nvidia/segformer-b0-finetuned-ade-512-512")),
    Family("conformance/mask2former", SEG, _registry(MASK2FORMER)),
    Family("conformance/maskformer", SEG, _maskformer),
    Family("conformance/oneformer", SEG, _oneformer),
    Family("conformance/upernet", SEG, _upernet),
    Family("conformance/detr_panoptic", SEG, _registry("facebook/detr-resnet-50-panoptic")),
    Family("conformance/mobilevit_semantic", SEG, _mobilevit_semantic),
    Family("conformance/dpt_semantic", SEG, _dpt_semantic),
    Family("conformance/clip", ZERO_SHOT, _registry("openai/clip-vit-base-patch32")),
    Family(
        "conformance/siglip", ZERO_SHOT, _registry("google/siglip-base-patch16-256-multilingual")
    ),
]


def build_family(family: Family, root: Path, seed: int = 0) -> Path:
    """The family's tiny model saved under `root` as the Hub id `family.id` (the seam's name)."""
    import torch
    import transformers

    torch.manual_seed(seed)
    model, processor = family.build(transformers)
    folder = root / family.id.replace("/", "--")
    _untie_zero_heads(model)
    model.eval().save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def _untie_zero_heads(model) -> None:
    """Heads initialised to zero (MobileNet, MobileViT, EfficientNet) score every class alike,
    which would make the comparison with the pipeline a comparison of ties: give them small
    random weights, as training would."""
    import torch

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Linear) and not module.weight.any():
                module.weight.normal_(std=0.5)
