"""Writes variants of a valid HL7 aECG file, each without one element the standard makes optional (every
occurrence of it), plus one with an extra leading series that holds no ECG leads. Prints [{name, path}]."""
import copy
import json
import os
import sys
import xml.etree.ElementTree as ET

NS = "urn:hl7-org:v3"
ET.register_namespace("", NS)
ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
OPTIONAL = [
    "subjectOf", "annotationSet", "annotation", "support", "boundary", "activityTime", "effectiveTime", "low", "high",
    "controlVariable", "derivation", "author", "softwareName", "manufacturerOrganization", "secondaryPerformer",
    "origin", "componentOf", "reasonCode", "id", "confidentialityCode", "value/unit", "increment/unit",
]

src, out_dir = sys.argv[1], sys.argv[2]
variants = []


def write(name, tree):
    path = os.path.join(out_dir, name.replace("/", "-") + ".xml")
    tree.write(path, encoding="utf-8", xml_declaration=True)
    variants.append({"name": name, "path": path})


for name in OPTIONAL:
    tree = ET.parse(src)
    if "/" in name:  # an optional attribute: drop it from every such element
        tag, attr = name.split("/")
        for el in tree.getroot().iter(f"{{{NS}}}{tag}"):
            el.attrib.pop(attr, None)
    else:
        for parent in list(tree.getroot().iter()):
            for child in list(parent):
                if child.tag == f"{{{NS}}}{name}":
                    parent.remove(child)
    write(name, tree)

tree = ET.parse(src)
root = tree.getroot()
first = root.find(f"{{{NS}}}component")
empty = copy.deepcopy(first)
for parent in list(empty.iter()):
    for child in list(parent):
        if child.tag == f"{{{NS}}}sequence" and child.find(f"{{{NS}}}code").get("code", "").startswith("MDC_ECG_LEAD_"):
            parent.remove(child)
series = empty.find(f"{{{NS}}}series")
series.find(f"{{{NS}}}code").set("code", "RHYTHM")
root.insert(list(root).index(first), empty)
write("a leading series without leads of interest", tree)
print(json.dumps(variants))
