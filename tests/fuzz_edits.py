"""Random edits of valid model sources, shared by the readers' fuzz tests."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st


def mutated_sources(
    valid: Sequence[str], tokens: Sequence[str], anchors: str
) -> st.SearchStrategy[bytes | str]:
    """A valid source with a few random edits (placed anywhere, or just after one of
    ``anchors``, where edits most often reach option parsing), sometimes truncated
    or with a byte that is not UTF-8."""

    def positions(text: str) -> st.SearchStrategy[int]:
        spots = [i + 1 for i, char in enumerate(text) if char in anchors]
        return st.integers(0, len(text)) | st.sampled_from(spots or [0])

    @st.composite
    def edited(draw: st.DrawFn) -> bytes | str:
        text = draw(st.sampled_from(list(valid)))
        for _ in range(draw(st.integers(1, 4))):
            start = draw(positions(text))
            end = draw(st.integers(start, min(len(text), start + 12)))
            op = draw(st.sampled_from(["delete", "insert", "replace", "unicode", "duplicate"]))
            if op == "delete":
                text = text[:start] + text[end:]
            elif op in ("insert", "replace"):
                token = draw(st.sampled_from(list(tokens)))
                text = text[:start] + token + text[end if op == "replace" else start :]
            elif op == "unicode":
                text = text[:start] + draw(st.text(max_size=4)) + text[end:]
            else:
                text = text[:start] + text[start:end] * 2 + text[end:]
        if draw(st.integers(0, 4)) == 0:
            text = text[: draw(st.integers(0, len(text)))]
        if draw(st.integers(0, 9)) == 0:
            data = bytearray(text.encode())
            data.insert(draw(st.integers(0, len(data))), draw(st.integers(0x80, 0xFF)))
            return bytes(data)
        return text

    return edited()
