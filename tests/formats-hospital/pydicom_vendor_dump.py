"""Independent check of a vendor DICOM ECG: every multiplex group in physical units (pydicom applies sensitivity,
correction and baseline), each channel's calibration, the waveform annotations, and who wrote the file."""
import json
import sys

import pydicom

ds = pydicom.dcmread(sys.argv[1])


def code(seq, attr="CodeValue"):
    return str(getattr(seq[0], attr)) if seq else None


groups = []
for g, seq in enumerate(ds.WaveformSequence):
    arr = ds.waveform_array(g)
    chans = seq.ChannelDefinitionSequence
    groups.append({
        "label": str(seq.get("MultiplexGroupLabel", "")),
        "samplingRateHz": float(seq.SamplingFrequency),
        "codes": [code(ch.ChannelSourceSequence) for ch in chans],
        "sensitivity": [float(ch.ChannelSensitivity) for ch in chans],
        "correction": [float(ch.get("ChannelSensitivityCorrectionFactor", 1)) for ch in chans],
        "baseline": [float(ch.get("ChannelBaseline", 0)) for ch in chans],
        "units": [code(ch.ChannelSensitivityUnitsSequence) for ch in chans],
        "values": [[float(v) for v in arr[:, c]] for c in range(arr.shape[1])],
    })

annotations = []
for a in ds.get("WaveformAnnotationSequence", []):
    channels = a.get("ReferencedWaveformChannels")
    positions = a.get("ReferencedSamplePositions")
    annotations.append({
        "text": str(a.UnformattedTextValue) if "UnformattedTextValue" in a else None,
        "concept": code(a.get("ConceptNameCodeSequence"), "CodeMeaning"),
        "numeric": float(a.NumericValue) if "NumericValue" in a else None,
        "unit": code(a.get("MeasurementUnitsCodeSequence")),
        "multiplexGroup": int(channels[0]) if channels is not None else None,
        "position": int(positions if isinstance(positions, int) else positions[0]) if positions is not None else None,
        "annotationGroup": int(a.AnnotationGroupNumber) if "AnnotationGroupNumber" in a else None,
    })

print(json.dumps({
    "groups": groups,
    "annotations": annotations,
    "manufacturer": str(ds.get("Manufacturer", "")),
    "model": str(ds.get("ManufacturerModelName", "")),
    "software": str(ds.get("SoftwareVersions", "")),
}))
