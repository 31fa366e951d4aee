"""training/data.py's superclass aggregation, for tests/dataset: {"labels": ptbxl_database.csv} on stdin;
{filename_lr: [superclasses]} on stdout (every row, empty list where the record has none)."""
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
try:
    from training.data import superclass_table
except ImportError as err:  # the test turns this into a failure with the install command
    sys.stderr.write(f"missing reference package: {err}\n")
    sys.exit(3)

db = superclass_table(Path(json.load(sys.stdin)["labels"]))
json.dump({row["filename_lr"]: list(row["superclasses"]) for _, row in db.iterrows()}, sys.stdout)
