"""`ThreadRef`: a message's thread by channel and ts, in the domain's inline text."""

from __future__ import annotations

import pytest

from commands.core.text import ThreadRef, from_json, rich, strong, thread, to_json


def test_thread_of_a_message_ref_and_its_plain_words() -> None:
    t = thread("C123:1700000000.000100", "request #12")
    assert t == ThreadRef("C123", "1700000000.000100", "request #12")
    assert str(rich("(", t, ")")) == "(request #12 in #C123)"
    assert thread("", "request #12") is None and thread("C123", "request #12") is None


def test_a_thread_reference_is_stored_without_the_adapters_url() -> None:
    value = rich("by ", strong(ThreadRef("C1", "1.2", "request #3", "https://x.slack.com/archives/C1/p12")))
    stored = to_json(value)
    assert "https://" not in str(stored)
    assert from_json(stored) == rich("by ", strong(ThreadRef("C1", "1.2", "request #3")))


def test_a_thread_reference_is_not_text_for_an_f_string() -> None:
    with pytest.raises(TypeError):
        f"{ThreadRef('C1', '1.2', 'request #3')}"
