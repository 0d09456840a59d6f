"""Download the models before class, so the lesson does not wait on the school's network.

    python -m core.models.prefetch          # the default model of every task
    python -m core.models.prefetch --all    # every model in the registry

Files go to the Hugging Face cache (`HF_HOME`), where the app finds them even offline.
"""

from __future__ import annotations

import argparse
import sys

from core.models.hub_download import fetch_model
from core.models.model_ref import ModelError, ModelRef
from core.models.registry import DEFAULT_MODELS, MODELS


def _console_progress(model_id: str):
    last = {"percent": -1}

    def report(done: int, total: int, filename: str) -> None:
        percent = int(100 * done / total)
        if percent != last["percent"]:
            last["percent"] = percent
            print(
                f"\r  {model_id}: {percent:3d} % ({done / 2**20:.0f}/{total / 2**20:.0f} MB, "
                f"{filename})",
                end="",
                flush=True,
            )

    return report


def prefetch(model_ids: list[str]) -> list[tuple[str, str]]:
    """Fetch each model; returns the (model, reason) pairs that failed."""
    failures = []
    for model_id in model_ids:
        spec = MODELS[model_id]
        print(f"{model_id} ({spec.download_mb} MB)")
        try:
            folder = fetch_model(
                ModelRef(model_id, spec.task, spec.revision), _console_progress(model_id)
            )
            print(f"\n  ready in {folder}")
        except ModelError as err:
            failures.append((model_id, err.reason))
            print(f"\n  FAILED ({err.reason}): {err.detail}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--all", action="store_true", help="every registry model, not only defaults"
    )
    args = parser.parse_args(argv)
    wanted = list(MODELS) if args.all else list(DEFAULT_MODELS.values())
    failures = prefetch(wanted)
    print(f"\n{len(wanted) - len(failures)} of {len(wanted)} models ready.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
