"""AzureFailure is a frozen value that still behaves as an exception."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

import pytest

from commands.core.errors import AzureFailure


@contextlib.contextmanager
def _passing_through() -> Iterator[None]:
    yield


def test_an_azure_failure_passes_through_a_context_manager_unchanged() -> None:
    # contextlib's __exit__ sets exc.__traceback__: a frozen dataclass refused it.
    with pytest.raises(AzureFailure) as caught, _passing_through():
        raise AzureFailure("timeout", target="vgw-aue")
    assert caught.value.kind == "timeout" and caught.value.__traceback__ is not None


def test_an_azure_failure_keeps_its_fields_frozen() -> None:
    failure = AzureFailure("forbidden", code="AuthorizationFailed")
    with pytest.raises(dataclasses.FrozenInstanceError):
        failure.kind = "timeout"  # type: ignore[misc]
    assert hash(failure) == hash(AzureFailure("forbidden", code="AuthorizationFailed"))
