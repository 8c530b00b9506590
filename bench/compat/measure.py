#!/usr/bin/env python3
"""Benchmark (3) of issue 12 with the real command line: for each workflow of the corpus
(bench/compat/files, see fetch.sh), a git repository holding it unmodified in
.github/workflows/, then `gantry validate` and `gantry run` (offline: the only action source is
a file:// folder of bare repositories made from the action bundles of the runner's test resources).
Each failed run is put in one category from its output. Prints a table and the counts.

    python3 bench/compat/measure.py [WORK_DIR]      # default: a temporary folder

The event of each run is the first of push, workflow_dispatch, pull_request (into the default
branch from a branch changing a .java file) that the workflow's `on:` names, on the branch its
filters name (master; mockito's release/3.x); a workflow only called by others (`workflow_call`)
runs through its caller.
"""
import os, re, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
gantry = os.path.join(root, "bin", "gantry")
corpus = os.path.join(root, "bench", "compat")
bundles = os.path.join(root, "runner", "src", "test", "resources", "actions")
work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="gantry-compat-")
os.makedirs(work, exist_ok=True)
# The workflows a file calls (`uses: ./.github/workflows/x.yml`) are put next to it, as in its project.
# The projects' default branch is master (their `on.push.branches` filters name it); mockito's CI
# runs on pushes to its release branch.
branches = {"mockito__mockito__ci.yml": "release/3.x"}
companions = {"FasterXML__jackson-databind__dep_build_v2.yml":
              ["FasterXML__jackson-databind__trigger_dep_builds_v2.yml"]}


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
                   cwd=cwd, check=True, capture_output=True)


def source():
    base = os.path.join(work, "source")
    for name in os.listdir(bundles):
        if name.endswith(".bundle"):
            bare = os.path.join(base, "actions", name[:-len(".bundle")])
            if not os.path.isdir(bare):
                os.makedirs(bare)
                git(bare, "init", "-q", "--bare")
                git(bare, "fetch", "-q", os.path.join(bundles, name), "refs/*:refs/*")
    return "file://" + base


def events(text):
    on = re.search(r"^on:\s*(.*)$", text, re.M)
    block = on.group(1) + "\n" + text[on.end():].split("\njobs:")[0]
    return [e for e in ("push", "workflow_dispatch", "pull_request") if re.search(r"\b" + e + r"\b", block)]


def category(out):
    m = re.search(r"cannot fetch action (\S+)", out)
    if m:
        return "action not available offline: " + m.group(1)
    if re.search(r"mvnw|gradlew|pom\.xml|check_reproducibility|test_docs\.sh|formatter-pom|make: \*\*\*|No rule to make", out):
        return "project sources not in the corpus (mvnw, pom.xml, gradlew, Makefile)"
    if "asks for Windows" in out or "asks for macOS" in out:
        return "only Windows/macOS jobs"
    return "other: " + next((l for l in out.splitlines() if "error" in l.lower()), out.strip()[-160:])


BUILTIN = {"actions/checkout", "actions/upload-artifact", "actions/download-artifact"}


def blockers(text, offline):
    """Everything in a workflow that keeps it from running to success here, not only the first."""
    found = []
    missing = sorted({u for u in re.findall(r"uses:\s*['\"]?([^\s'\"#]+)", text)
                      if not u.startswith("./") and u.split("@")[0] not in BUILTIN
                      and u.split("@")[1] not in offline.get("/".join(u.split("@")[0].split("/")[:2]), set())})
    if missing:
        found.append("actions not in the offline bundles: " + ", ".join(missing))
    if re.search(r"\./mvnw|\bmvn\b|gradlew|\bmake\b|\./\S+\.sh", text):
        found.append("project sources (pom.xml, mvnw, gradlew, Makefile, scripts) not in the corpus")
    net = [w for w in ("pip install", "codecov", "curl", "git fetch origin", "apt-get", "deploy",
                       "sonar", "repository-dispatch", "bintray") if w in text]
    if net:
        found.append("needs services beyond Maven Central: " + ", ".join(net))
    if re.search(r"windows-latest|macOS-latest", text, re.I):
        found.append("Windows/macOS matrix entries (skipped here with a reason, not failed)")
    return found


def offline_refs():
    refs = {}
    for name in os.listdir(bundles):
        if name.endswith(".bundle"):
            heads = subprocess.run(["git", "bundle", "list-heads", os.path.join(bundles, name)],
                                   capture_output=True, text=True, check=True).stdout.split()
            refs["actions/" + name[:-len(".bundle")]] = {h.split("/")[-1] for h in heads[1::2]}
    return refs


def main():
    src = source()
    offline = offline_refs()
    every = {}
    config = os.path.join(work, "gantry.yml")
    with open(config, "w") as f:
        f.write("actions:\n  sources: [" + src + "]\n")
    rows = []
    listed = [l.split("\t") for l in open(os.path.join(corpus, "corpus.tsv")) if l.strip() and not l.startswith("#")]
    for row in listed:
        name, repo, path = row[0], row[1], row[2]
        text = open(os.path.join(corpus, "files", name)).read()
        for b in blockers(text, offline):
            every.setdefault(re.sub(r":.*", "", b), []).append(name)
        d = os.path.join(work, "repos", name[:-4])
        if not os.path.isdir(d):
            os.makedirs(os.path.join(d, ".github", "workflows"))
            for n in [name] + companions.get(name, []):
                p = next(r[2] for r in listed if r[0] == n)
                with open(os.path.join(d, p), "w") as f:
                    f.write(open(os.path.join(corpus, "files", n)).read())
            git(d, "init", "-q", "-b", branches.get(name, "master"))
            git(d, "add", "-A")
            git(d, "commit", "-q", "-m", "workflow")
        v = subprocess.run([gantry, "validate", d, "--config", config], capture_output=True, text=True)
        valid = v.returncode == 0
        evs = events(text)
        if not evs:
            rows.append((name, valid, None, "not run: only workflow_call / repository_dispatch", v))
            continue
        ev = evs[0]
        args = [gantry, "run", ".", "--config", config, "--repo", repo, "--data-dir", os.path.join(work, "data"), "-W", path, "--event", ev]
        if ev == "pull_request":
            git(d, "checkout", "-q", "-B", "change")
            os.makedirs(os.path.join(d, "src"), exist_ok=True)
            open(os.path.join(d, "src", "A.java"), "w").write("class A {}\n")
            git(d, "add", "-A")
            git(d, "commit", "-q", "-m", "change")
            args += ["--base", branches.get(name, "master")]
        started = time.time()
        r = subprocess.run(args, cwd=d, capture_output=True, text=True, timeout=1800)
        out = r.stdout + r.stderr
        with open(os.path.join(work, name + ".log"), "w") as f:
            f.write(out)
        ok = r.returncode == 0
        rows.append((name, valid, ok, "" if ok else category(out), v))
        print(f"{name}: validate {'ok' if valid else 'FAIL'}, run ({ev}) {'ok' if ok else 'FAIL'} "
              f"in {time.time() - started:.0f} s {'' if ok else '- ' + category(out)}", flush=True)
    print()
    for name, valid, ok, why, v in rows:
        if not valid:
            print(f"{name}: validate: {(v.stdout + v.stderr).strip().splitlines()[:3]}")
    print(f"\n{len(rows)} workflows; `gantry validate` passes {sum(1 for r in rows if r[1])};"
          f" `gantry run` offline succeeds {sum(1 for r in rows if r[2])}"
          f" (of {sum(1 for r in rows if r[2] is not None)} run); logs in {work}")
    cats = {}
    for r in rows:
        if not r[2]:
            key = re.sub(r"@.*", "", r[3]) if r[3].startswith("action") else r[3]
            cats[key] = cats.get(key, 0) + 1
    for k, n in sorted(cats.items(), key=lambda x: -x[1]):
        print(f"  {n:2}  {k}")
    print("Every blocker (files with it), not only the first:")
    for k, names in sorted(every.items(), key=lambda x: -len(x[1])):
        print(f"  {len(names):2}  {k}")


main()
