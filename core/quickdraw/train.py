"""Train a doodle classifier from the command line, as the "Train your own" page does.

    python -m core.quickdraw.train --words apple bicycle cat diamond eye fish --per-class 3000 \\
        --epochs 6 --name six-doodles [--local ../shared/data/quickdraw/numpy_bitmap] [--replace]

Without --local, bitmaps are read from Google's bucket (`VTL_QUICKDRAW_URL`) with Range
requests and cached. The model is saved in `VTL_MODELS_DIR` and loads as `trained/<name>`; a
name already taken is refused before training unless `--replace` (or `--overwrite`) is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.config import settings
from core.quickdraw.saved_models import model_path, save_model
from core.quickdraw.source import QuickDrawError, QuickDrawSource
from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch, train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", nargs="+", required=True)
    parser.add_argument("--per-class", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=TrainingConfig.epochs)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", required=True)
    parser.add_argument("--local", type=Path, help="a folder of <word>.npy files (offline)")
    parser.add_argument("--replace", "--overwrite", action="store_true", dest="replace",
                        help="replace a model of that name")  # fmt: skip
    args = parser.parse_args(argv)
    config = TrainingConfig(tuple(args.words), args.per_class, args.epochs, args.seed)
    try:
        config.check()
        if model_path(settings().models_dir, args.name).exists() and not args.replace:
            raise ValueError(f"a model called {args.name!r} exists (--replace to replace it)")
        if args.local:
            fetch = local_fetch(args.local)
        else:
            source = QuickDrawSource(
                settings().quickdraw_url, settings().quickdraw_cache, settings().network_timeout
            )
            fetch = source.first_bitmaps
        images, labels = load_bitmaps(
            config.words, config.per_class, fetch,
            lambda done, total: print(f"data: {done}/{total} categories", flush=True),
        )  # fmt: skip
    except (ValueError, FileNotFoundError, QuickDrawError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{len(labels)} drawings, {len(config.words)} classes", flush=True)

    def report(stats) -> None:
        print(
            f"epoch {stats.epoch}: loss {stats.train_loss:.3f}, train {stats.train_accuracy:.1%},"
            f" validation {stats.validation_accuracy:.1%} ({stats.seconds:.1f} s)",
            flush=True,
        )

    result = train(config, images, labels, on_epoch=report)
    try:
        folder = save_model(result, settings().models_dir, args.name, args.replace)
    except OSError as err:  # another save took the name meanwhile, or a full disk
        print(f"error: not saved: {err}", file=sys.stderr)
        return 1
    print(f"saved to {folder} (loads as trained/{args.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
