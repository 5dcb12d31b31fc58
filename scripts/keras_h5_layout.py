# Lists the HDF5 layout of a .keras file's model.weights.h5 (or of an .h5 file) as JSON, with h5py:
# every dataset's path, dtype and shape, every group's attributes. Used by test/io/keras_format.test.ts to check
# what neurite writes against the paths Keras' saving code writes.  Usage: python3 keras_h5_layout.py FILE
import io
import json
import sys
import zipfile

import h5py


def layout(h5):
    datasets = {}
    groups = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            datasets[name] = {"dtype": str(obj.dtype), "shape": list(obj.shape)}
        else:
            groups[name] = {k: str(v) for k, v in obj.attrs.items()}

    h5.visititems(visit)
    return {"datasets": datasets, "groups": groups, "root_attrs": {k: str(v) for k, v in h5.attrs.items()}}


path = sys.argv[1]
if zipfile.is_zipfile(path):
    with zipfile.ZipFile(path) as z:
        data = z.read("model.weights.h5")
        members = sorted(z.namelist())
    with h5py.File(io.BytesIO(data), "r") as f:
        out = layout(f)
    out["members"] = members
else:
    with h5py.File(path, "r") as f:
        out = layout(f)
print(json.dumps(out, indent=1, sort_keys=True))
