"""Independent check: read a Philips XML file with the sierraecg package and print its leads as JSON."""
import json
import sys

from sierraecg import read_file

f = read_file(sys.argv[1])
print(json.dumps({
    "version": f.doc_ver,
    "leads": [{"label": l.label, "fs": l.sampling_freq, "samples": [int(v) for v in l.samples]} for l in f.leads],
}))
