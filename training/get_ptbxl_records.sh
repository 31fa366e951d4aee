#!/usr/bin/env bash
# Put PTB-XL's 100 Hz records (records100/, 21,799 records, ~600 MB) in DEST, outside the repo.
#   bash training/get_ptbxl_records.sh SOURCE DEST
# SOURCE is either a PTB-XL folder that holds records100/ (for example PhysioNet's ptb-xl/1.0.3 download)
# or the git directory of a repository that carries data/ptb-xl/records100 (a mirror; its labels are
# not used: pass ptbxl-full/ptbxl_database.csv to training with --labels).
set -euo pipefail
src=${1:?SOURCE (PTB-XL folder or git directory)}; dest=${2:?DEST folder}
mkdir -p "$dest"
if [ -d "$src/records100" ]; then
  cp -r "$src/records100" "$dest/"
elif git --git-dir="$src" rev-parse --verify -q HEAD >/dev/null; then
  # the mirror's label file is a missing LFS object; records100 is all we take from it
  git --git-dir="$src" archive HEAD data/ptb-xl/records100 | tar -x -C "$dest" --strip-components=2
else
  echo "get_ptbxl_records: $src holds neither records100/ nor a git repository" >&2; exit 2
fi
n=$(find "$dest/records100" -name '*.hea' | wc -l)
echo "records100: $n headers in $dest/records100"
[ "$n" -ge 21799 ] || { echo "get_ptbxl_records: expected 21,799 records, found $n" >&2; exit 1; }
