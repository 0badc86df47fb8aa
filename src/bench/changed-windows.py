#!/usr/bin/env python3
"""changed-windows.py OLD NEW: upper-bound estimate of how much of NEW a chunker of a given size must store.

Diffs the two text files line by line, marks where NEW differs from OLD, and prints, for
fixed windows of 4 KiB .. 1 MiB, the share of windows of NEW containing a change (a content-
defined chunker with that average size stores roughly that share anew; slightly more, since
chunks vary in size). Text files only (uses diff).
"""
import subprocess, sys
old, new = sys.argv[1], sys.argv[2]
out = subprocess.run(['diff', '--unchanged-line-format=', '--old-line-format=', '--new-line-format=%dn\n', old, new],
                     capture_output=True, text=True).stdout.split()
changed = set(int(x) for x in out)
# also deletions: mark the line after each deleted block in new
out2 = subprocess.run(['diff', old, new], capture_output=True, text=True).stdout
import re
for l in out2.splitlines():
    m = re.match(r'^(\d+)(?:,(\d+))?d(\d+)$', l)
    if m: changed.add(int(m.group(3)) + 1)
offs = []; pos = 0
with open(new, 'rb') as f:
    for i, line in enumerate(f, 1):
        if i in changed: offs.append(pos)
        pos += len(line)
size = pos
for C in (1 << 20, 256 << 10, 64 << 10, 16 << 10, 4 << 10):
    hit = len(set(o // C for o in offs)); tot = (size + C - 1) // C
    print("%7d KiB windows: %6d of %6d contain a change (%.1f %%)" % (C >> 10, hit, tot, 100 * hit / tot))
