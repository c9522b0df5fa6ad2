#!/usr/bin/python3
"""Open a DataPipeline frame store with h5py, check it against its manifest and content hash,
and print a JSON summary (used by the test suite; also a worked example for Python users).

    /usr/bin/python3 tools/frame_store_check.py store.h5

Exit code 0 when the store is consistent, 1 otherwise. See docs/frame-store.md for the layout.
"""
import hashlib
import json
import sys

import h5py
import numpy as np


def check(path):
    with h5py.File(path, "r") as f:
        manifest = json.loads(f["manifest"][()])
        n = manifest["count"]
        data, index, source_id = f["data"], f["index"][:], f["source_id"][:]
        labels = f["labels"] if "labels" in f else None
        starts, counts = f["positions_start"][:], f["positions_count"][:]
        positions = f["positions"] if "positions" in f else np.zeros((0, 5))
        sources = [s.decode() if isinstance(s, bytes) else s for s in f["sources"][:]]

        problems = []
        # Stores of IQ frames (channels > 1) add a channel axis after the frame axis: [N, C, ...].
        channels = manifest.get("channels", 1)
        channel_axis = (channels,) if channels > 1 else ()
        if data.shape != (n, *channel_axis, *manifest["frame_shape"]):
            problems.append(f"data shape {data.shape}")
        if labels is not None and labels.shape != (n, *manifest["label_shape"]):
            problems.append(f"labels shape {labels.shape}")

        sha = hashlib.sha256()
        block = manifest["chunk_frames"]
        for first in range(0, n, block):  # one chunk block at a time keeps memory bounded
            d = data[first:first + block]
            lab = labels[first:first + block] if labels is not None else None
            for k in range(d.shape[0]):
                i = first + k
                sha.update(np.int64(index[i]).astype("<i8").tobytes())
                sha.update(np.int32(source_id[i]).astype("<i4").tobytes())
                sha.update(d[k].astype("<f4").tobytes())
                if lab is not None:
                    sha.update(lab[k].astype("<f4").tobytes())
                if counts[i] > 0:
                    sha.update(positions[starts[i]:starts[i] + counts[i]].astype("<f8").tobytes())
        content_hash = "sha256:" + sha.hexdigest()
        if content_hash != manifest["content_hash"]:
            problems.append(f"content hash {content_hash} != manifest {manifest['content_hash']}")

        return {
            "count": n,
            "channels": channels,
            "data_shape": list(data.shape),
            "label_shape": list(labels.shape) if labels is not None else None,
            "chunks": list(data.chunks),
            "compression": data.compression,
            "content_hash": content_hash,
            "first_data_sum": float(np.sum(data[0], dtype=np.float64)),
            "last_label_max": float(np.max(labels[n - 1])) if labels is not None else None,
            "sources": sources,
            "first_positions": positions[starts[0]:starts[0] + max(counts[0], 0)].tolist(),
            "problems": problems,
        }


if __name__ == "__main__":
    summary = check(sys.argv[1])
    print(json.dumps(summary))
    sys.exit(1 if summary["problems"] else 0)
