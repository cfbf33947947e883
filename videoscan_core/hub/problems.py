"""What went wrong with the Hugging Face hub, in words: one place for every caller.

Contract: ``hub_problem(error, repo_id)`` returns one line for people when ``error`` (or an error
it was raised from: dry runs wrap the hub's errors) is a gated or missing repository or a network
failure, matched by the hub's own exception types, and None for anything else.
"""

from __future__ import annotations

from ..errors import caused_by
from .timeouts import is_network_error, network_problem


def hub_problem(error: BaseException, repo_id: str) -> str | None:
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    if caused_by(error, GatedRepoError):  # a subclass of RepositoryNotFoundError: first
        return (
            f"{repo_id} is gated: accept its licence on huggingface.co and log in "
            "(hf auth login), then try again"
        )
    if caused_by(error, RepositoryNotFoundError):
        return f"{repo_id} does not exist on the Hugging Face hub"
    if is_network_error(error):
        return f"download of {repo_id} failed: {network_problem(error)}"
    return None
