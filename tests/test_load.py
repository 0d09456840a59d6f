"""A classroom at once: 20 sessions' threads asking the shared loader for the same models and
running them together get their answers from one copy of each model."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from core.models.loader import ModelCache, build_pipeline
from core.models.model_ref import ModelRef
from core.tasks.classification import classify
from core.tasks.image_input import sample_photo

CLS = "image-classification"
MODELS = [ModelRef("google/vit-base-patch16-224", CLS), ModelRef("microsoft/resnet-50", CLS)]
SAMPLES = ["chelsea", "coffee", "astronaut", "rocket", "motorcycle"]


def test_twenty_sessions_share_one_copy_and_get_their_answers(local_models):
    builds = []

    def counting_build(ref, progress):
        builds.append(ref.id)
        return build_pipeline(ref, progress)

    shared = ModelCache(10**9, build=counting_build)
    start = threading.Barrier(20)

    def session(index: int):
        start.wait()  # everyone at the same moment, as when a teacher shares the link
        ref = MODELS[index % 2]
        image = sample_photo(SAMPLES[index % len(SAMPLES)]).image
        return ref, index, classify(shared.get(ref), image)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(session, range(20)))

    assert sorted(builds) == sorted(ref.id for ref in MODELS)  # each model built once
    alone = ModelCache(10**9)
    for ref, index, result in answers:  # the same answers as one session alone
        expected = classify(alone.get(ref), sample_photo(SAMPLES[index % len(SAMPLES)]).image)
        assert [p.label for p in result.predictions] == [p.label for p in expected.predictions]
    assert sum(entry.calls for entry in shared.loaded()) == 20
