#!/usr/bin/env python3
"""Fill the {{NAME}} placeholders of a deployment file: ``render.py TEMPLATE NAME=value ...``.

The loopback stack (deploy/stack.sh) renders the same files an operator installs, so
what runs in CI is what runs in production. A line holding ``{{*NAME}}`` is repeated once
per space-separated word of NAME's value (one ``server`` line per app server).
Refuses to print a file with a placeholder left unfilled.
"""

import re
import sys

PLACEHOLDER = re.compile(r"\{\{(\*?)([A-Z_]+)\}\}")


def render(text: str, values: dict[str, str]) -> str:
    missing = sorted({name for _, name in PLACEHOLDER.findall(text)} - values.keys())
    if missing:
        raise SystemExit(f"render.py: no value for {', '.join(missing)}")
    lines = []
    for line in text.splitlines(keepends=True):
        repeated = {name for star, name in PLACEHOLDER.findall(line) if star}
        if len(repeated) > 1:
            raise SystemExit(f"render.py: several repeated values on one line: {line.strip()}")
        words = values[next(iter(repeated))].split() if repeated else [""]
        for word in words:
            lines.append(
                PLACEHOLDER.sub(lambda m, word=word: word if m.group(1) else values[m.group(2)], line)
            )
    return "".join(lines)


def main(argv: list[str]) -> int:
    if not argv:
        raise SystemExit(__doc__)
    template, *pairs = argv
    values = dict(pair.split("=", 1) for pair in pairs)
    with open(template, encoding="utf-8") as source:
        sys.stdout.write(render(source.read(), values))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
