#!/usr/bin/env python3
"""For each corpus workflow: the `uses:` it needs that neither a Gantry built-in nor the offline
action bundles (runner/src/test/resources/actions/*.bundle, by tag) provide. A workflow with none
missing has every action it uses available offline; whether it then runs to success depends on the
project's sources, which the corpus does not hold."""
import os, re, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
files = os.path.join(root, "bench", "compat", "files")
bundles = os.path.join(root, "runner", "src", "test", "resources", "actions")
offline = {}
for name in os.listdir(bundles):
    if name.endswith(".bundle"):
        heads = subprocess.run(["git", "bundle", "list-heads", os.path.join(bundles, name)],
                               capture_output=True, text=True, check=True).stdout.split()
        offline["actions/" + name[:-len(".bundle")]] = {h.split("/")[-1] for h in heads[1::2]}
# Gantry's built-ins and the majors they accept (BuiltInActions.registry()).
builtin = {"actions/checkout": {"v1", "v2", "v3", "v4"}}
complete = 0
for name in sorted(os.listdir(files)):
    text = open(os.path.join(files, name)).read()
    missing = set()
    for uses in re.findall(r"^\s*-?\s*uses:\s*['\"]?([^\s'\"#]+)", text, re.M):
        if uses.startswith("./"):
            continue
        action, _, ref = uses.partition("@")
        repo = "/".join(action.split("/")[:2])
        if ref in builtin.get(repo, set()) or ref in offline.get(repo, set()):
            continue
        missing.add(uses)
    complete += not missing
    print(f"{name}: {'all actions available offline' if not missing else 'missing ' + ', '.join(sorted(missing))}")
print(f"{complete} of {len(os.listdir(files))} workflows have every action they use available offline")
