#!/usr/bin/python3
"""gen-expected.py - write repos/sample/expected.json from `rpm -qp` queries.

Usage: repos/sample/gen-expected.py [--solve]

For every RPMS/*/*.rpm and SRPMS/*.rpm (paths relative to repos/sample) the
file records what rpm itself says (NEVRA, EVR parts, payload compressor and
flags, disttag, source rpm, sha256 of the file, file/dependency counts) and a
sorted list of features the package exercises. Features are derived from the
headers (rpm -qp), not written by hand; only the few semantic labels that no
header can show (broken-on-purpose and why) come from the table below.

With --solve (needs createrepo_c and python3-solv), a temporary rpm-md repo is
made outside the tree and /work/shared/tools/solve_libsolv.py (or
$SOLVE_LIBSOLV) checks the install jobs in SOLVE_JOBS and runs installcheck;
the results go under "libsolv" as a reference, not as the one right answer
(when several providers fit, libsolv's choice is only one valid choice).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# The only hand-written facts: why a package is meant to be uninstallable.
BROKEN_ON_PURPOSE = {
    "legacy-reporter": "requires libmissing.so.1()(64bit), which nothing provides",
    "proxy-bridge": "requires webserver and lighttpd, which conflict with each other",
}

SOLVE_JOBS = [
    "core-os", "webapp", "va-supervisor-agent", "webserver", "lighttpd",
    "pyrt", "dbtool", "kernel-image-std-def", "openssl", "libssl1.1 libssl3",
    "webserver-mod-python", "va-monitor", "va-watchdog",
    "legacy-reporter", "proxy-bridge", "webserver lighttpd",
]

SEP = "\x1f"

# Scalar header facts, one query.
SCALAR_QF = SEP.join([
    "%{NAME}", "%|EPOCH?{%{EPOCH}}:{}|", "%{VERSION}", "%{RELEASE}",
    "%|SOURCEPACKAGE?{src}:{%{ARCH}}|",
    "%|PAYLOADCOMPRESSOR?{%{PAYLOADCOMPRESSOR}}:{}|",
    "%|PAYLOADFLAGS?{%{PAYLOADFLAGS}}:{}|",
    "%|DISTTAG?{%{DISTTAG}}:{}|",
    "%|SOURCERPM?{%{SOURCERPM}}:{}|",
    "%{SIZE}", "%{BUILDTIME}",
    "%|PRETRANSPROG?{1}:{%|PRETRANS?{1}:{}|}|",
    "%|PREINPROG?{1}:{%|PREIN?{1}:{}|}|",
    "%|POSTINPROG?{1}:{%|POSTIN?{1}:{}|}|",
    "%|PREUNPROG?{1}:{%|PREUN?{1}:{}|}|",
    "%|POSTUNPROG?{1}:{%|POSTUN?{1}:{}|}|",
    "%|POSTTRANSPROG?{1}:{%|POSTTRANS?{1}:{}|}|",
    "%|PRETRANSPROG?{%{PRETRANSPROG}}:{}|",
])
SCALAR_KEYS = ["name", "epoch", "version", "release", "arch", "payloadcompressor",
               "payloadflags", "disttag", "sourcerpm", "size", "buildtime",
               "pretrans", "pre", "post", "preun", "postun", "posttrans",
               "pretransprog"]

FILE_QF = "[%{FILENAMES}" + SEP + "%{FILEMODES}" + SEP + "%{FILEFLAGS}" + SEP + \
    "%{FILESIZES}" + SEP + "%{FILENLINKS}" + SEP + "%{FILEUSERNAME}" + SEP + \
    "%{FILEGROUPNAME}" + SEP + "%{FILELINKTOS}\n]"

DEP_TAGS = {
    "requires": "REQUIRENEVRS", "provides": "PROVIDENEVRS",
    "conflicts": "CONFLICTNEVRS", "obsoletes": "OBSOLETENEVRS",
    "recommends": "RECOMMENDNEVRS", "suggests": "SUGGESTNEVRS",
    "supplements": "SUPPLEMENTNEVRS", "enhances": "ENHANCENEVRS",
}

# rpmfileAttrs bits
RPMFILE_CONFIG, RPMFILE_DOC, RPMFILE_NOREPLACE, RPMFILE_GHOST, RPMFILE_LICENSE = 1, 2, 16, 64, 128


def rpmq(path, qf):
    out = subprocess.run(["rpm", "-qp", "--nosignature", "--qf", qf, path],
                         check=True, capture_output=True, text=True)
    return out.stdout


def deps(path):
    d = {}
    for key, tag in DEP_TAGS.items():
        lines = rpmq(path, "[%{" + tag + "}\n]").splitlines()
        d[key] = [l for l in lines if l]
    return d


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def payload_magic(path):
    """Identify the payload stream by its first bytes (lead, signature header
    padded to 8 bytes, main header, then payload). rpm omits the
    PAYLOADCOMPRESSOR tag for w0.ufdio and readers then assume gzip, so the
    stream itself is the ground truth."""
    with open(path, "rb") as fh:
        data = fh.read()
    off = 96
    for pad in (True, False):
        if data[off:off + 3] != b"\x8e\xad\xe8":
            raise SystemExit(f"{path}: bad header magic at {off}")
        il = int.from_bytes(data[off + 8:off + 12], "big")
        dl = int.from_bytes(data[off + 12:off + 16], "big")
        off += 16 + il * 16 + dl
        if pad:
            off = (off + 7) & ~7
    head = data[off:off + 6]
    for magic, name in ((b"\x1f\x8b", "gzip"), (b"\xfd7zXZ\x00", "xz"),
                        (b"\x28\xb5\x2f\xfd", "zstd"), (b"BZh", "bzip2"),
                        (b"070701", "none"), (b"070702", "none"), (b"\x5d\x00\x00", "lzma")):
        if head.startswith(magic):
            return name, off
    return "unknown", off


def describe(rel):
    path = os.path.join(HERE, rel)
    s = dict(zip(SCALAR_KEYS, rpmq(path, SCALAR_QF).split(SEP)))
    files = []
    for line in rpmq(path, FILE_QF).splitlines():
        if not line:
            continue
        name, mode, flags, size, nlink, user, group, link = line.split(SEP)
        files.append(dict(name=name, mode=int(mode), flags=int(flags), size=int(size),
                          nlink=int(nlink), user=user, group=group, link=link))
    d = deps(path)
    name = s["name"]
    f = set()

    if s["arch"] == "src":
        # A source package's requires are BuildRequires; skip dependency features.
        d = {k: [] for k in d}
    # --- dependencies
    reqs = [r for r in d["requires"] if not r.startswith("rpmlib(")]
    all_deps = [x for k in ("requires", "conflicts", "obsoletes", "recommends",
                            "suggests", "supplements", "enhances") for x in d[k]]
    if any(x.startswith("(") for x in all_deps):
        f.add("rich-deps")
    if any(d[k] for k in ("recommends", "suggests", "supplements", "enhances")):
        f.add("weak-deps")
    for k in ("recommends", "suggests", "supplements", "enhances"):
        if d[k]:
            f.add(k)
    if any(r.startswith("/") for r in reqs):
        f.add("file-dep")
    if any(" >= " in r or " <= " in r or " < " in r or " > " in r for r in reqs):
        f.add("versioned-deps")
    if any(" = " in r and not r.startswith("config(") for r in reqs):
        f.add("exact-deps")
    simple = [r.split(" ") for r in reqs + d["conflicts"] + d["obsoletes"] if not r.startswith("(")]
    if any(len(x) == 3 and ":" in x[2] for x in simple):
        f.add("epoch-in-dep")
    if any(".so." in r for r in reqs):
        f.add("soname-deps")
    if d["obsoletes"]:
        f.add("obsoletes")
    if d["conflicts"]:
        f.add("conflicts")
    own = {name, f"{name}({s['arch']})".replace("x86_64", "x86-64"), f"config({name})"}
    virtual = [p for p in d["provides"] if p.split(" ", 1)[0] not in own]
    if any(".so." in p for p in virtual):
        f.add("soname-provides")
    if any(".so." not in p for p in virtual):
        f.add("virtual-provides")
    if any(p.startswith("bazaar(install-hold)") for p in d["provides"]):
        f.add("core-os")
    if any(p.startswith("installonlypkg(") for p in d["provides"]):
        f.add("multiversion")

    # --- identity
    if s["epoch"]:
        f.add("epoch")
    if s["arch"] == "src":
        f.add("srpm")
    if s["arch"] == "noarch":
        f.add("noarch")
    if s["arch"] in ("i586", "i686"):
        f.add("multilib")
    rel_ = s["release"]
    if ".p" in rel_ or rel_.startswith("alt0."):
        f.add("branch-release")
    elif rel_.count(".") >= 1:
        f.add("backport-release")
    if s["disttag"]:
        f.add("disttag")
    if name in BROKEN_ON_PURPOSE:
        f.add("broken-on-purpose")

    # --- files
    for fi in files:
        typ = fi["mode"] & 0o170000
        if fi["flags"] & RPMFILE_GHOST:
            f.add("ghost")
        if fi["flags"] & RPMFILE_CONFIG:
            f.add("config")
            if fi["flags"] & RPMFILE_NOREPLACE:
                f.add("config-noreplace")
        if fi["flags"] & RPMFILE_DOC:
            f.add("doc")
        if fi["flags"] & RPMFILE_LICENSE:
            f.add("license")
        if typ == 0o120000:
            f.add("symlink")
        if typ == 0o040000:
            f.add("directory")
        if typ == 0o100000:
            if fi["nlink"] > 1:
                f.add("hardlink")
            if fi["mode"] & 0o4000:
                f.add("setuid")
            if fi["mode"] & 0o2000:
                f.add("setgid")
            if fi["size"] == 0 and not fi["flags"] & RPMFILE_GHOST:
                f.add("empty-file")
            if fi["size"] >= 100_000:
                f.add("large-file")
            if (fi["mode"] & 0o7777) not in (0o644, 0o755):
                f.add("non-default-mode")
        if typ == 0o040000 and (fi["mode"] & 0o7777) != 0o755:
            f.add("non-default-mode")
        if fi["user"] != "root" or fi["group"] != "root":
            f.add("attr-owner")

    # --- scriptlets
    for k in ("pretrans", "pre", "post", "preun", "postun", "posttrans"):
        if s[k]:
            f.add("scriptlet-" + k)
    if s["pretransprog"] == "<lua>":
        f.add("lua-scriptlet")
    if rpmq(path, "[%{TRIGGERNAME}\n]").strip():
        f.add("trigger")

    stream, payload_off = payload_magic(path)
    if stream == "none":
        f.add("uncompressed-payload")
    nevra = f"{name}-{s['epoch'] + ':' if s['epoch'] else ''}{s['version']}-{s['release']}.{s['arch']}"
    rec = {
        "nevra": nevra,
        "name": name,
        "epoch": int(s["epoch"]) if s["epoch"] else None,
        "version": s["version"],
        "release": s["release"],
        "arch": s["arch"],
        "payload_compressor": s["payloadcompressor"] or None,
        "payload_flags": s["payloadflags"] or None,
        "payload_stream": stream,
        "payload_offset": payload_off,
        "disttag": s["disttag"] or None,
        "sourcerpm": s["sourcerpm"] or None,
        "sha256": sha256(path),
        "file_count": len(files),
        "installed_size": int(s["size"]),
        "features": sorted(f),
    }
    if name in BROKEN_ON_PURPOSE:
        rec["broken_reason"] = BROKEN_ON_PURPOSE[name]
    return rec


def solve(rels):
    tool = os.environ.get("SOLVE_LIBSOLV", "/work/shared/tools/solve_libsolv.py")
    if not (shutil.which("createrepo_c") and os.path.exists(tool)):
        print("gen-expected: --solve needs createrepo_c and " + tool, file=sys.stderr)
        sys.exit(1)
    tmp = tempfile.mkdtemp(prefix="bazaar-sample-repo.")
    try:
        for rel in rels:
            if rel.startswith("RPMS/"):
                dst = os.path.join(tmp, rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy(os.path.join(HERE, rel), dst)
        subprocess.run(["createrepo_c", "-q", tmp], check=True)
        jobs = os.path.join(tmp, "jobs.txt")
        with open(jobs, "w") as fh:
            fh.write("\n".join(SOLVE_JOBS) + "\n")
        py = "/usr/bin/python3"
        out = subprocess.run([py, tool, tmp, jobs], check=True, capture_output=True, text=True)
        results = []
        for line in out.stdout.splitlines():
            j = json.loads(line)
            r = {"job": j["job"], "ok": j["ok"]}
            if j["ok"]:
                r["install"] = j["install"]
            else:
                r["problems"] = sorted(set(p.strip() for x in j["problems"] for p in x.split("\n")))
            results.append(r)
        ic = subprocess.run([py, tool, tmp, "--installcheck"], check=True,
                            capture_output=True, text=True)
        unins = []
        for line in ic.stdout.splitlines():
            j = json.loads(line)
            unins.append({"package": j["package"], "problems": j["problems"]})
        return {
            "tool": "solve_libsolv.py (pool arch x86_64, weak deps ignored)",
            "jobs": results,
            "installcheck_uninstallable": sorted(unins, key=lambda x: x["package"]),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    rels = []
    for top in ("RPMS", "SRPMS"):
        base = os.path.join(HERE, top)
        for dirpath, _, names in os.walk(base):
            for n in names:
                if n.endswith(".rpm"):
                    rels.append(os.path.relpath(os.path.join(dirpath, n), HERE))
    rels.sort()
    out = {
        "comment": "Generated by gen-expected.py from rpm -qp queries; do not edit by hand. "
                   "Keys of 'packages' are paths relative to repos/sample. "
                   "payload_compressor is the PAYLOADCOMPRESSOR tag (null when rpm omits it, "
                   "as it does for w0.ufdio); payload_stream is what the payload bytes really are.",
        "packages": {rel: describe(rel) for rel in rels},
    }
    # Several builds of one name (same arch) in the repo.
    seen = {}
    for rel, p in out["packages"].items():
        if p["arch"] != "src":
            seen.setdefault((p["name"], p["arch"]), []).append(p)
    for group in seen.values():
        if len(group) > 1:
            for p in group:
                p["features"] = sorted(set(p["features"]) | {"several-builds"})
    comp = {}
    for rel, p in out["packages"].items():
        comp.setdefault(p["payload_stream"], []).append(rel)
    out["by_payload_stream"] = {k: sorted(v) for k, v in sorted(comp.items())}
    feats = {}
    for rel, p in out["packages"].items():
        for ft in p["features"]:
            feats.setdefault(ft, []).append(p["nevra"])
    out["by_feature"] = {k: sorted(v) for k, v in sorted(feats.items())}
    out["broken_on_purpose"] = BROKEN_ON_PURPOSE
    if "--solve" in sys.argv[1:]:
        out["libsolv"] = solve(rels)
    elif os.path.exists(os.path.join(HERE, "expected.json")):
        # keep the previous solver section when not asked to recompute it
        with open(os.path.join(HERE, "expected.json")) as fh:
            old = json.load(fh)
        if "libsolv" in old:
            out["libsolv"] = old["libsolv"]
    with open(os.path.join(HERE, "expected.json"), "w") as fh:
        json.dump(out, fh, indent=2, sort_keys=False)
        fh.write("\n")
    print(f"gen-expected: {len(rels)} packages -> expected.json")


if __name__ == "__main__":
    main()
