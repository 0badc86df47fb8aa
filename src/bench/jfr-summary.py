#!/usr/bin/env python3
"""jfr-summary.py FILE.jfr [TOP] -- where the daemon's threads spent a JFR recording (small-files-profile.sh).

Reads `jfr print --json --events jdk.ExecutionSample,jdk.NativeMethodSample FILE` and prints, for samples of
Java code (ExecutionSample: on CPU in Java) and of native code (NativeMethodSample: in a system call or native
library; FUSE threads idle in their read of /dev/fuse and the idle control socket are left out), the share by thread group, the top frames
(self), and the share of samples whose stack passes through each of the phases issue 15 asks about (inclusive,
so a sample can count in several).
"""
import collections
import json
import re
import subprocess
import sys

PHASES = [
    # (label, regex on "class.method" of any frame)
    ("catalog transaction (all)", r"dev\.pactfs\.store\.Catalog\.(transaction|run)$"),
    ("  hook: pending index rows", r"dev\.pactfs\.store\.LocalChunkStore\.flushIndex$"),
    ("  commit (H2 session commit)", r"org\.h2\.jdbc\.JdbcConnection\.commit$"),
    ("  MVStore store: pages serialised and written", r"org\.h2\.mvstore\.FileStore\.(serializeAndStore|storeIt|writeFully)$"),
    ("  free-space check (Files.getFileStore)", r"dev\.pactfs\.store\.Catalog\.usableSpace$"),
    ("  SQL statements (prepare/execute)", r"org\.h2\.jdbc\.JdbcPreparedStatement\.(execute\w*)$|org\.h2\.jdbc\.JdbcConnection\.prepareStatement$"),
    ("path resolve (PactFs.resolve/lookup)", r"dev\.pactfs\.fs\.PactFs\.(resolve|lookup)$"),
    ("PactFs.getattr", r"dev\.pactfs\.fs\.PactFs\.getattr$"),
    ("OpenFile.commit (flush/release)", r"dev\.pactfs\.fs\.OpenFile\.commit$"),
    ("ContentWriter (chunking a write)", r"dev\.pactfs\.fs\.ContentWriter\.\w+$"),
    ("chunk store put (id, compress, seal, append)", r"dev\.pactfs\.store\.LocalChunkStore\.(put|putAsync|store\w*)$"),
    ("  HMAC chunk id", r"dev\.pactfs\.crypto\.HmacChunkIdHasher\.\w+$"),
    ("  zstd", r"com\.github\.luben\.zstd\.\w+\.\w+$"),
    ("  seal AES-GCM", r"dev\.pactfs\.crypto\.AesGcmBlobCipher\.seal$"),
    ("  pack append", r"dev\.pactfs\.store\.LocalPacks\.append\w*$"),
    ("  resemblance sketch / feature index", r"dev\.pactfs\.store\.(SuperFeatures|FeatureIndex)\.\w+$"),
    ("xattrs", r"dev\.pactfs\.fs\.PactFs\.(getxattr|setxattr|listxattr|removexattr)$"),
    ("jnr-fuse / jnr-ffi glue", r"^(jnr\.|ru\.serce\.jnrfuse\.)"),
    ("logging", r"^(ch\.qos\.logback|org\.slf4j)\."),
]


def frames(ev):
    st = ev.get("values", {}).get("stackTrace") or {}
    out = []
    for f in st.get("frames", []):
        m = f.get("method", {})
        t = m.get("type", {}).get("name", "?")
        out.append(t.replace("/", ".") + "." + m.get("name", "?"))
    return out


def group(name):
    name = name or "?"
    if name.startswith("fuse") or "fuse" in name.lower():
        return "FUSE threads"
    for prefix, g in (("pactfs-put", "store workers"), ("pactfs-store", "store workers"), ("C1", "JIT"),
                      ("C2", "JIT"), ("G1", "GC"), ("GC", "GC"), ("pactfs-pack", "pack forcer"),
                      ("MVStore", "H2 background"), ("pactfs-read", "prefetch")):
        if name.startswith(prefix):
            return g
    return re.sub(r"[-#]?\d+$", "", name)


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    raw = subprocess.run(["jfr", "print", "--json", "--stack-depth", "96", "--events", "jdk.ExecutionSample,jdk.NativeMethodSample", path],
                         check=True, capture_output=True, text=True).stdout
    events = json.loads(raw)["recording"]["events"]
    for kind in ("jdk.ExecutionSample", "jdk.NativeMethodSample"):
        samples = []
        for ev in events:
            if ev["type"] != kind:
                continue
            fr = frames(ev)
            if not fr:
                continue
            th = (ev["values"].get("sampledThread") or {}).get("javaName") or (ev["values"].get("sampledThread") or {}).get("osName")
            joined = " ".join(fr)
            if kind == "jdk.NativeMethodSample" and (("FuseLoop" in joined and "PactFuse" not in joined)
                                                     or "ControlServer.acceptLoop" in joined):
                continue  # a FUSE thread waiting for the next request; the control socket waiting for a client
            if kind == "jdk.NativeMethodSample" and not any(f.startswith("dev.pactfs") for f in fr):
                continue  # threads parked outside our code (HTTP server, JFR, ...)
            samples.append((group(th), fr))
        n = len(samples)
        print(f"== {kind}: {n} samples" + ("" if kind.endswith("ExecutionSample") else
                                            " (in native code, below our frames; idle FUSE reads left out)"))
        if n == 0:
            continue
        groups = collections.Counter(g for g, _ in samples)
        print("  by thread: " + ", ".join(f"{g} {100 * c / n:.0f}%" for g, c in groups.most_common()))
        fuse = [fr for g, fr in samples if g == "FUSE threads"]
        print(f"  FUSE threads, inclusive ({len(fuse)} samples):")
        for label, rx in PHASES:
            r = re.compile(rx)
            c = sum(1 for fr in fuse if any(r.search(f) for f in fr))
            if c:
                print(f"    {label:45s} {100 * c / max(1, len(fuse)):5.1f}%")
        selfc = collections.Counter(fr[0] for _, fr in samples)
        print(f"  top {top} frames (self, all threads):")
        for f, c in selfc.most_common(top):
            print(f"    {100 * c / n:5.1f}%  {f}")
        ours = collections.Counter()
        for _, fr in samples:
            seen = set()
            for f in fr:
                if f.startswith("dev.pactfs") and f not in seen:
                    seen.add(f)
                    ours[f] += 1
        print(f"  top {top} pactfs methods (inclusive, all threads):")
        for f, c in ours.most_common(top):
            print(f"    {100 * c / n:5.1f}%  {f}")


if __name__ == "__main__":
    main()
