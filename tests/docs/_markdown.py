"""Reading the user docs the way a user does: their code blocks and their quoted messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: A comment (`# doc-test: skip <why>`) in a block that must not run in the suite.
SKIP_MARK = "doc-test: skip"
_FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass
class Block:
    doc: str
    line: int
    lang: str
    text: str

    @property
    def name(self) -> str:
        return f"{self.doc}:{self.line}"


def code_blocks(doc: str) -> list[Block]:
    """The fenced code blocks of `doc` (a path relative to the repository), in order."""
    blocks: list[Block] = []
    lang, start, body = None, 0, []
    for number, line in enumerate((REPO / doc).read_text(encoding="utf-8").splitlines(), 1):
        match = _FENCE.match(line)
        if lang is None and match:
            lang, start, body = match.group(1) or "text", number, []
        elif lang is not None and line.strip() == "```":
            blocks.append(Block(doc, start, lang, "\n".join(body) + "\n"))
            lang = None
        elif lang is not None:
            body.append(line)
    return blocks


def code_spans(line: str) -> list[str] | None:
    """The inline code spans of a Markdown line (CommonMark: a run of N backticks closes only with
    a run of exactly N), or None when a span is left open."""
    spans, i = [], 0
    while i < len(line):
        if line[i] != "`":
            i += 1
            continue
        run = len(line[i:]) - len(line[i:].lstrip("`"))
        closing = re.compile(r"(?<!`)" + "`" * run + r"(?!`)")
        found = closing.search(line, i + run)
        if found is None:
            return None
        body = line[i + run:found.start()]
        if len(body) > 2 and body.startswith(" ") and body.endswith(" "):  # CommonMark strips one space each side
            body = body[1:-1]
        spans.append(body)
        i = found.end()
    return spans


def quoted_messages(doc: str) -> list[str]:
    """The messages a doc quotes as bold code spans (`**`message`**`), as they read."""
    quoted = []
    for line in (REPO / doc).read_text(encoding="utf-8").splitlines():
        if not line.startswith("**`"):
            continue
        for part in re.findall(r"\*\*(`+.*?`+)\*\*", line):
            spans = code_spans(part)
            if spans:
                quoted.append(spans[0])
    return quoted


def message_pattern(quote: str) -> re.Pattern[str]:
    """A quote as a pattern: `<placeholder>`, `…` and a lone `N` match whatever the program filled
    in, and a number any number (the quote shows the default, e.g. `within 60s`)."""
    pattern = ""
    for piece in re.split(r"(<[^>]+>|…|\bN\b|\d+)", quote):
        if piece in ("…",) or (piece.startswith("<") and piece.endswith(">")) or piece == "N":
            pattern += ".+?"
        elif piece.isdigit():
            pattern += r"\d+"
        else:
            pattern += re.escape(piece)
    return re.compile(pattern)
