"""The non-zoo models of the latency study (studies/models.py): they build, profile and count what torch counts."""

from __future__ import annotations

import pytest

import lwprof
from studies.models import MODELS


@pytest.mark.parametrize("name", sorted(MODELS))
def test_study_models_profile_with_the_params_torch_counts(name: str) -> None:
    make, shape = MODELS[name]
    model = make().eval()
    profile = lwprof.profile(model, input_size=shape)
    assert profile.params == sum(p.numel() for p in model.parameters())  # the oracle: torch's own parameter count
    assert profile.macs > 0 and profile.input_shape[1:] == shape


def test_there_are_at_least_ten_and_none_is_a_zoo_name() -> None:
    from lwprof.architectures import list_architectures

    assert len(MODELS) >= 10
    assert not set(MODELS) & {spec.name for spec in list_architectures()}
