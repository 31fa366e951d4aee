"""Independent check: read a DICOM ECG with pydicom and print its channels in physical units as JSON."""
import json
import sys

import pydicom

ds = pydicom.dcmread(sys.argv[1])
group = int(sys.argv[2]) if len(sys.argv) > 2 else 0
seq = ds.WaveformSequence[group]
arr = ds.waveform_array(group)  # applies sensitivity, correction and baseline
names = [ch.ChannelSourceSequence[0].CodeMeaning for ch in seq.ChannelDefinitionSequence]
units = [ch.ChannelSensitivityUnitsSequence[0].CodeValue for ch in seq.ChannelDefinitionSequence]
print(json.dumps({
    "samplingRateHz": float(seq.SamplingFrequency),
    "names": names,
    "units": units,
    "values": [[float(v) for v in arr[:, c]] for c in range(arr.shape[1])],
    "patientId": str(ds.PatientID),
}))
