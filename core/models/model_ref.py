"""What names a model (`ModelRef`) and what can go wrong with it (`ModelError`).

Every way a model fails to download, build or run is mapped to one of a few reasons a student
can act on; the pages turn a reason into a message naming the model, the cause and the fix.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from enum import StrEnum

from core.errors import StudentFacingError, exception_chain


class ModelReason(StrEnum):
    """Why a model could not be fetched, built or run: one cause a student can act on."""

    BAD_ID = "bad_id"
    OFFLINE = "offline"
    TIMEOUT = "timeout"
    NOT_FOUND = "not_found"
    GATED = "gated"
    WRONG_TASK = "wrong_task"
    NO_HEAD = "no_head"  # the task's kind of model, saved without the task's head
    REMOTE_CODE = "remote_code"  # needs code of its own from the Hub, which the app never runs
    NO_SUBTASK = "no_subtask"  # a segmentation model asked for a kind it does not do
    MISSING_PACKAGE = "missing_package"
    NO_WEIGHTS = "no_weights"
    OUT_OF_MEMORY = "out_of_memory"
    FAILED = "failed"
    DAMAGED = "damaged"  # its files are there but cannot be read: truncated, not what they say
    MODEL_CHANGED = "model_changed"  # a student's saved model replaced or removed meanwhile
    SERVER_UNREACHABLE = "server_unreachable"  # the Serve application cannot be reached
    SERVER_FAILED = "server_failed"  # it was reached, but lost or could not answer the call
    NOT_RUNNING = "not_running"  # the model's deployment has no replica running on the server


# Reasons a new try may cure: the pages offer a "try again" button with them.
RETRYABLE = frozenset(
    {
        ModelReason.OFFLINE,
        ModelReason.TIMEOUT,
        ModelReason.FAILED,
        ModelReason.SERVER_UNREACHABLE,
        ModelReason.SERVER_FAILED,
        ModelReason.NOT_RUNNING,
    }
)


class ModelError(StudentFacingError):
    """A model could not be fetched, built or run, and why (`ModelReason`)."""

    Reason = ModelReason
    messages = "models.error"

    def __init__(self, model_id: str, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.model_id = model_id
        self.args = (f"{model_id}: {self.args[0]}",)

    def __reduce__(self):  # rebuilt from its parts when it crosses a process (Ray, workers)
        return (type(self), (self.model_id, str(self.reason), self.detail))


@dataclass(frozen=True)
class ModelRef:
    """Which model, for which task, at which revision: the key of the model cache."""

    id: str
    task: str
    revision: str = "main"

    @property
    def card_url(self) -> str:
        return card_url(self.id)


def card_url(model_id: str) -> str:
    """The model's page on the Hub: its card, licence and files."""
    return f"https://huggingface.co/{model_id}"


def validate_model_id(text: str) -> str:
    """Return the cleaned id typed by a user, or raise `ModelError(reason="bad_id")`."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    model_id = (text or "").strip()
    try:
        validate_repo_id(model_id)  # the Hub's own rules: owner/name, 96 characters at most…
    except HFValidationError:
        raise ModelError(model_id or "—", "bad_id") from None
    if not model_id.isascii():  # the Hub's names are ASCII; \w would also let "ñ" through
        raise ModelError(model_id, "bad_id")
    return model_id


def reason_for(exc: BaseException) -> str:
    """Map the many ways a download or a build fails to the few a student can act on.

    huggingface_hub wraps the real cause (no network, no such repo) in a generic error, so the
    chain of causes is searched for the first specific one.
    """
    reasons = [_reason_of_one(link) for link in exception_chain(exc)]
    if "timeout" in reasons:  # "could not reach the Hub" wrapping a timeout: it was too slow
        return "timeout"
    specific = [reason for reason in reasons if reason != "failed"]
    return specific[0] if specific else "failed"  # "no connection" only when it is the cause


def _reason_of_one(exc: BaseException) -> str:
    from huggingface_hub import errors as hub

    if isinstance(exc, ModelError):
        return exc.reason
    if isinstance(exc, hub.HFValidationError):
        return "bad_id"
    if isinstance(exc, hub.GatedRepoError):
        return "gated"
    if isinstance(exc, (hub.RepositoryNotFoundError, hub.RevisionNotFoundError)):
        return "not_found"
    if isinstance(exc, hub.RemoteEntryNotFoundError):
        return "no_weights"
    if isinstance(exc, (hub.OfflineModeIsEnabled, hub.LocalEntryNotFoundError)):
        return "offline"
    if isinstance(exc, ValueError) and str(exc).startswith("Subtask "):  # the pipeline's words
        return "no_subtask"  # "Subtask instance is not supported for model …"
    if isinstance(exc, pickle.UnpicklingError):  # a checkpoint that would run code: refused
        return "no_weights"
    # A config that is not JSON, weights whose header or length are wrong (a copy cut short, a
    # disk error): the files are there, and no network would help.
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError) or type(exc).__name__ in {
        "SafetensorError",
        "HeaderTooLarge",
    }:
        return "damaged"
    if isinstance(exc, (ImportError, ModuleNotFoundError)):
        return "missing_package"
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return "out_of_memory"
    module = type(exc).__module__ or ""
    if isinstance(exc, TimeoutError) or (
        "Timeout" in type(exc).__name__ and module.startswith(("httpx", "httpcore", "requests"))
    ):
        return "timeout"
    if isinstance(exc, ConnectionError) or module.startswith(
        ("httpx", "httpcore", "requests", "urllib3")  # httpx2 too
    ):
        return "offline"
    if isinstance(exc, OSError) and "couldn't connect" in str(exc).lower():  # transformers' own
        return "offline"
    return "failed"
