#!/usr/bin/env python3
"""Mutate a directory tree in place to simulate one release of software evolution.

Usage: mutate-tree.py ROOT [--seed N] [--fraction F] [--scatter]

Deterministic for a given input tree and seed (file list is sorted, one seeded
PRNG, fixed mtime for everything touched). About FRACTION (default 0.05) of the
regular files are touched — clustered by default (directories visited in random
order, 20-100 % of the files of each visited directory touched, as when packages are
upgraded), or with --scatter picked uniformly over the whole tree — split roughly as:

  60 %  modified in place with small edits
          text:   a few lines changed / inserted / deleted (shifts content)
          .gz:    decompressed, a new changelog-style entry prepended,
                  recompressed (gzip -9 -n), like a package upgrade does
          binary: a few small in-place overwrites; 1 in 3 also gets a small
                  insertion (shifts everything after it)
          1 in 10 of the modified files are appended to instead (log-like)
  20 %  deleted
  10 %  renamed (new name in the same directory)
  10 %  "new" files added next to an existing file: a copy with edits
plus: up to 3 whole directories renamed (e.g. foo-1.2.dist-info -> foo-1.3.dist-info)
and one new directory ("new-package") with ~40 generated source files.

Prints a summary to stdout (one line per category) and writes a manifest of
every change to ROOT/../mutations-<seed>.txt.
"""
import argparse
import gzip
import os
import random
import re
import sys

FIXED_MTIME = 1795651200  # 2026-11-26 00:00:00 UTC: everything touched gets this


def is_text(data: bytes) -> bool:
    head = data[:8192]
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError:
        # allow a cut multibyte sequence at the very end
        try:
            head[:-4].decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False


WORDS = ("update fix handle error value buffer return config option support "
         "deprecated remove add improve path file stream parse check default "
         "module version release security backport patch upstream build test "
         "cache index lookup context thread lock timeout retry encode decode").split()


def sentence(rng, n=None):
    n = n or rng.randint(4, 12)
    return " ".join(rng.choice(WORDS) for _ in range(n))


def edit_text(rng, data: bytes) -> bytes:
    lines = data.split(b"\n")
    nedits = rng.randint(1, 3)
    for _ in range(nedits):
        op = rng.random()
        i = rng.randrange(len(lines)) if lines else 0
        if op < 0.45 and lines:
            # change a line: tweak a number or a word, or append a comment
            ln = lines[i]
            m = list(re.finditer(rb"\d+", ln))
            if m:
                mm = rng.choice(m)
                ln = ln[:mm.start()] + str(int(mm.group()) + rng.randint(1, 9)).encode() + ln[mm.end():]
            else:
                ln = ln + b"  # " + sentence(rng, 3).encode()
            lines[i] = ln
        elif op < 0.8:
            new = [("    " if rng.random() < 0.5 else "") + sentence(rng) for _ in range(rng.randint(1, 5))]
            lines[i:i] = [s.encode() for s in new]
        elif lines:
            del lines[i:i + rng.randint(1, 3)]
    return b"\n".join(lines)


def edit_gz(rng, data: bytes) -> bytes:
    try:
        plain = gzip.decompress(data)
    except Exception:
        return edit_binary(rng, data)
    entry = ("pkg (%d.%d-%d) unstable; urgency=medium\n\n  * %s.\n  * %s.\n\n -- Maintainer <m@example.org>  "
             "Thu, 26 Nov 2026 00:00:00 +0000\n\n" % (rng.randint(1, 9), rng.randint(0, 40), rng.randint(1, 5),
                                                      sentence(rng).capitalize(), sentence(rng).capitalize()))
    return gzip.compress(entry.encode() + plain, compresslevel=9, mtime=0)


def edit_binary(rng, data: bytes) -> bytes:
    b = bytearray(data)
    if not b:
        return bytes(rng.getrandbits(8) for _ in range(16))
    for _ in range(rng.randint(1, 4)):
        n = rng.randint(8, 64)
        off = rng.randrange(max(1, len(b) - n))
        b[off:off + n] = bytes(rng.getrandbits(8) for _ in range(min(n, len(b) - off)))
    if rng.random() < 1 / 3:
        off = rng.randrange(len(b))
        b[off:off] = bytes(rng.getrandbits(8) for _ in range(rng.randint(16, 512)))
    return bytes(b)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (FIXED_MTIME, FIXED_MTIME))


def touch_dir(d):
    os.utime(d, (FIXED_MTIME, FIXED_MTIME))


def new_name(rng, path):
    d, base = os.path.split(path)
    stem, ext = os.path.splitext(base)
    suffix = rng.choice(["_v2", "_new", "-ng", "2", "_impl", "_compat"])
    cand = os.path.join(d, stem + suffix + ext)
    k = 0
    while os.path.lexists(cand):
        k += 1
        cand = os.path.join(d, "%s%s%d%s" % (stem, suffix, k, ext))
    return cand


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--fraction", type=float, default=0.05)
    ap.add_argument("--scatter", action="store_true",
                    help="pick the touched files uniformly over the tree (worst case for big chunks) "
                         "instead of clustered by directory (default)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    root = os.path.abspath(a.root)

    files, dirs = [], []
    for dp, dn, fn in os.walk(root):
        dn.sort()
        for d in dn:
            dirs.append(os.path.join(dp, d))
        for f in sorted(fn):
            p = os.path.join(dp, f)
            if os.path.isfile(p) and not os.path.islink(p):
                files.append(p)
    files.sort()
    dirs.sort()

    n_touch = int(len(files) * a.fraction)
    if a.scatter:
        chosen = rng.sample(files, n_touch)
    else:
        # clustered, like real upgrades: whole packages change, most directories do not.
        # Visit directories in seeded random order; in each, touch a random 20-100 % of
        # its files, until the budget is spent.
        bydir = {}
        for p in files:
            bydir.setdefault(os.path.dirname(p), []).append(p)
        order = sorted(bydir)
        rng.shuffle(order)
        chosen = []
        for d in order:
            if len(chosen) >= n_touch:
                break
            fs = bydir[d]
            k = max(1, int(len(fs) * rng.uniform(0.2, 1.0)))
            chosen.extend(rng.sample(fs, min(k, n_touch - len(chosen))))
        rng.shuffle(chosen)
    k_mod, k_del, k_ren = int(n_touch * 0.6), int(n_touch * 0.2), int(n_touch * 0.1)
    mods, dels = chosen[:k_mod], chosen[k_mod:k_mod + k_del]
    rens, adds = chosen[k_mod + k_del:k_mod + k_del + k_ren], chosen[k_mod + k_del + k_ren:]

    log = []
    stats = dict(modified=0, appended=0, deleted=0, renamed=0, added=0, dirs_renamed=0,
                 bytes_before=0, bytes_after=0)

    for p in sorted(mods):
        with open(p, "rb") as f:
            data = f.read()
        stats["bytes_before"] += len(data)
        if rng.random() < 0.1:
            extra = ("\n" + "\n".join("%s %s" % ("2026-11-26T%02d:%02d:%02dZ" % (rng.randint(0, 23), rng.randint(0, 59),
                                                                                    rng.randint(0, 59)), sentence(rng))
                                      for _ in range(rng.randint(5, 50))) + "\n").encode()
            new = data + extra
            kind = "append"
            stats["appended"] += 1
        elif p.endswith(".gz"):
            new, kind = edit_gz(rng, data), "gz"
        elif is_text(data):
            new, kind = edit_text(rng, data), "text"
        else:
            new, kind = edit_binary(rng, data), "binary"
        stats["bytes_after"] += len(new)
        write(p, new)
        stats["modified"] += 1
        log.append("M %s %s %d->%d" % (kind, os.path.relpath(p, root), len(data), len(new)))

    for p in sorted(adds):
        with open(p, "rb") as f:
            data = f.read()
        q = new_name(rng, p)
        if p.endswith(".gz"):
            new = edit_gz(rng, data)
        elif is_text(data):
            new = edit_text(rng, data)
        else:
            new = edit_binary(rng, data)
        write(q, new)
        stats["added"] += 1
        log.append("A %s (from %s) %d" % (os.path.relpath(q, root), os.path.relpath(p, root), len(new)))

    for p in sorted(rens):
        if not os.path.exists(p):
            continue
        q = new_name(rng, p)
        os.rename(p, q)
        touch_dir(os.path.dirname(q))
        stats["renamed"] += 1
        log.append("R %s -> %s" % (os.path.relpath(p, root), os.path.relpath(q, root)))

    for p in sorted(dels):
        if not os.path.exists(p):
            continue
        os.unlink(p)
        touch_dir(os.path.dirname(p))
        stats["deleted"] += 1
        log.append("D %s" % os.path.relpath(p, root))

    # whole-directory renames that look like version bumps
    verdirs = [d for d in dirs if re.search(r"-\d+(\.\d+)+\.(dist|egg)-info$", d) and os.path.isdir(d)]
    for d in rng.sample(verdirs, min(3, len(verdirs))):
        m = re.search(r"(\d+)(\.(dist|egg)-info)$", d)
        q = d[:m.start(1)] + str(int(m.group(1)) + 1) + m.group(2)
        if os.path.lexists(q):
            continue
        os.rename(d, q)
        stats["dirs_renamed"] += 1
        log.append("RD %s -> %s" % (os.path.relpath(d, root), os.path.relpath(q, root)))

    # a new package directory with generated source files
    sp = [d for d in dirs if d.endswith("dist-packages") or d.endswith("site-packages")]
    pkg = os.path.join(sp[0] if sp else root, "new_package")
    os.makedirs(pkg, exist_ok=True)
    for i in range(40):
        body = ['"""%s."""' % sentence(rng).capitalize(), "import os", "import sys", ""]
        for j in range(rng.randint(5, 60)):
            body.append("def %s_%d(%s):" % (rng.choice(WORDS), j, ", ".join(rng.sample(WORDS, rng.randint(0, 3)))))
            body.append('    """%s."""' % sentence(rng).capitalize())
            for _ in range(rng.randint(1, 8)):
                body.append("    %s = %s(%d)" % (rng.choice(WORDS), rng.choice(WORDS), rng.randint(0, 10000)))
            body.append("    return %s\n" % rng.choice(WORDS))
        p = os.path.join(pkg, "mod_%02d.py" % i)
        write(p, ("\n".join(body) + "\n").encode())
        stats["added"] += 1
        log.append("A %s (generated)" % os.path.relpath(p, root))
    touch_dir(pkg)

    manifest = os.path.join(os.path.dirname(root), "mutations-%d.txt" % a.seed)
    with open(manifest, "w") as f:
        f.write("\n".join(log) + "\n")
    print("files in v1: %d, touched: %d (%s), in %d directories" % (
        len(files), n_touch, "scattered" if a.scatter else "clustered", len({os.path.dirname(p) for p in chosen})))
    for k, v in stats.items():
        print("%s: %d" % (k, v))
    print("manifest: %s" % manifest)


if __name__ == "__main__":
    sys.exit(main())
