#!/usr/bin/env python3
"""Writes the small committed fixtures of Tests/ImagingTests into Tests/Fixtures/imaging/.

Needs `pip install pillow pydicom numpy`. Images are made here from a fixed seed, so the outputs are ours;
pydicom's own bundled test files are not copied: `pydicom_files.json` records what pydicom reads from the
uncompressed ones, and the Swift test reads them in place when pydicom is installed (else it is skipped).
Run from anywhere: python3 Tests/Reference/make_imaging_fixtures.py
"""
import json
import os
import warnings

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEGBaseline8Bit, SecondaryCaptureImageStorage

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "imaging")
rng = np.random.default_rng(6)


def test_picture(w, h):
    """A smooth gradient with a sharp-edged disc and some noise: exercises both smooth and aliasing-prone areas."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0)
    g = 255 * x / (w - 1)
    b = 255 * y / (h - 1)
    disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(w, h) * 0.25) ** 2
    r[disc], g[disc], b[disc] = 250, 20, 60
    rgb = np.stack([r, g, b], -1) + rng.normal(0, 12, (h, w, 3))
    return np.clip(rgb, 0, 255).round().astype(np.uint8)


def resize_fixtures():
    src = Image.fromarray(test_picture(53, 37), "RGB")
    src.save(os.path.join(OUT, "resize_source_rgb.png"))
    grey = src.convert("L")
    grey.save(os.path.join(OUT, "resize_source_gray.png"))
    cases = []
    for name, image in (("rgb", src), ("gray", grey)):
        for w, h in ((17, 11), (26, 18), (80, 61), (40, 9), (7, 50)):
            out = image.resize((w, h), Image.Resampling.BILINEAR, reducing_gap=None)
            file = f"resize_{name}_{w}x{h}.png"
            out.save(os.path.join(OUT, file))
            cases.append({"source": f"resize_source_{name}.png", "expected": file, "width": w, "height": h})
    return cases


def png_fixtures():
    cases = {}
    pic = test_picture(7, 5)
    Image.fromarray(pic, "RGB").save(os.path.join(OUT, "rgb8.png"))
    cases["rgb8.png"] = {"format": "rgb8", "pixels": pic.reshape(-1).tolist()}
    rgba = np.concatenate([pic, rng.integers(0, 256, (5, 7, 1), dtype=np.uint8)], -1)
    Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "rgba8.png"))
    cases["rgba8.png"] = {"format": "rgb8", "pixels": pic.reshape(-1).tolist()}
    pal = Image.fromarray(pic, "RGB").quantize(colors=6)
    pal.save(os.path.join(OUT, "palette.png"))
    cases["palette.png"] = {"format": "rgb8", "pixels": np.asarray(pal.convert("RGB")).reshape(-1).tolist()}
    la = Image.fromarray(rgba[:, :, [0, 3]], "LA")
    la.save(os.path.join(OUT, "gray_alpha8.png"))
    cases["gray_alpha8.png"] = {"format": "gray8", "pixels": rgba[:, :, 0].reshape(-1).tolist()}
    g16 = (np.arange(6 * 4, dtype=np.uint32) * 2857 + 1).astype(np.uint16).reshape(4, 6)
    g16[0, 0], g16[3, 5] = 0, 65535
    Image.fromarray(g16).save(os.path.join(OUT, "gray16.png"))
    cases["gray16.png"] = {"format": "gray16", "pixels": g16.reshape(-1).tolist()}
    return cases


def jpeg_fixtures():
    cases = {}
    pic = Image.fromarray(test_picture(24, 16), "RGB")
    pic.save(os.path.join(OUT, "photo.jpg"), quality=90, subsampling=0)
    cases["photo.jpg"] = {"format": "rgb8", "pixels": np.asarray(Image.open(os.path.join(OUT, "photo.jpg"))).reshape(-1).tolist()}
    grey = pic.convert("L")
    grey.save(os.path.join(OUT, "gray.jpg"), quality=90)
    cases["gray.jpg"] = {"format": "gray8", "pixels": np.asarray(Image.open(os.path.join(OUT, "gray.jpg"))).reshape(-1).tolist()}
    data = open(os.path.join(OUT, "photo.jpg"), "rb").read()
    open(os.path.join(OUT, "truncated.jpg"), "wb").write(data[: len(data) // 2])
    cases.update(cmyk_jpeg_fixture())
    return cases


def cmyk_jpeg_fixture():
    """A CMYK JPEG as Photoshop and Pillow write it (Adobe marker, inverted values), and Pillow's RGB of it."""
    pic = Image.fromarray(test_picture(20, 12), "RGB").convert("CMYK")
    pic.save(os.path.join(OUT, "cmyk.jpg"), quality=95)
    rgb = Image.open(os.path.join(OUT, "cmyk.jpg")).convert("RGB")
    return {"cmyk.jpg": {"format": "rgb8", "pixels": np.asarray(rgb).reshape(-1).tolist()}}


def display(values, center, width, mono1, top=255.0):
    """DICOM PS3.3 C.11.2.1.2 linear window, or min-max without a window; MONOCHROME1 inverted."""
    v = values.astype(np.float64)
    if center is not None:
        c, w = center - 0.5, width - 1
        out = np.where(v <= c - w / 2, 0.0, np.where(v > c + w / 2, top, ((v - c) / w + 0.5) * top))
    else:
        out = (v - v.min()) / (v.max() - v.min()) * top
    if mono1:
        out = top - out
    return np.clip(np.round(out), 0, top).astype(int)


def write_dicom(path, pixels, syntax, photometric, extra=None):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = "2.25.6006"
    meta.TransferSyntaxUID = syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = "2.25.6006"
    ds.PatientID = "Mass-Training_P_00001_LEFT_CC"
    ds.Modality = "MG"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    bits = 8 if pixels.dtype == np.uint8 else 16
    ds.BitsAllocated = bits
    ds.PixelRepresentation = 1 if pixels.dtype == np.int16 else 0
    for key, value in (extra or {}).items():
        setattr(ds, key, value)
    if "BitsStored" not in (extra or {}):
        ds.BitsStored = bits
    ds.HighBit = ds.BitsStored - 1
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True, implicit_vr=(syntax == ImplicitVRLittleEndian), little_endian=True)


def dicom_fixtures():
    cases = {}
    # 12 bits stored in 16, slope/intercept, a window, and a nested sequence of undefined length to skip.
    stored = (rng.integers(0, 4096, (12, 16))).astype(np.uint16)
    ref = Dataset()
    ref.ReferencedSOPInstanceUID = "2.25.1"
    extra = {"BitsStored": 12, "RescaleSlope": "2", "RescaleIntercept": "-100", "WindowCenter": "3000", "WindowWidth": "4000",
             "ReferencedImageSequence": Sequence([ref])}
    path = os.path.join(OUT, "mono2_explicit16.dcm")
    write_dicom(path, stored, ExplicitVRLittleEndian, "MONOCHROME2", extra)
    ds = pydicom.dcmread(path)
    modality = pydicom.pixels.apply_modality_lut(ds.pixel_array, ds)
    cases["mono2_explicit16.dcm"] = {"width": 16, "height": 12, "stored": ds.pixel_array.reshape(-1).tolist(),
                                     "display8": display(modality, 3000, 4000, False).reshape(-1).tolist()}
    # 8-bit MONOCHROME1, Implicit VR, no window.
    stored8 = rng.integers(0, 256, (9, 11)).astype(np.uint8)
    path = os.path.join(OUT, "mono1_implicit8.dcm")
    write_dicom(path, stored8, ImplicitVRLittleEndian, "MONOCHROME1")
    ds = pydicom.dcmread(path)
    cases["mono1_implicit8.dcm"] = {"width": 11, "height": 9, "stored": ds.pixel_array.reshape(-1).tolist(),
                                    "display8": display(ds.pixel_array, None, None, True).reshape(-1).tolist()}
    # Signed 16-bit with a negative intercept, MONOCHROME2, window.
    signed = rng.integers(-2000, 2000, (6, 5)).astype(np.int16)
    path = os.path.join(OUT, "signed16.dcm")
    write_dicom(path, signed, ExplicitVRLittleEndian, "MONOCHROME2",
                {"RescaleSlope": "1", "RescaleIntercept": "-1024", "WindowCenter": ["40", "400"], "WindowWidth": ["400", "1500"]})
    ds = pydicom.dcmread(path)
    modality = pydicom.pixels.apply_modality_lut(ds.pixel_array, ds)
    cases["signed16.dcm"] = {"width": 5, "height": 6, "stored": ds.pixel_array.reshape(-1).tolist(),
                             "display8": display(modality, 40, 400, False).reshape(-1).tolist()}
    # A compressed transfer syntax: the reader must refuse it by UID (the payload is a stand-in, never decoded).
    path = os.path.join(OUT, "jpeg_baseline.dcm")
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = "2.25.6007"
    meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = "2.25.6007"
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 1, 8, 8, 7
    ds.PixelRepresentation, ds.PhotometricInterpretation = 0, "MONOCHROME2"
    ds.PixelData = pydicom.encaps.encapsulate([b"\xff\xd8\xff\xd9"])
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    return cases


def pydicom_files():
    """What pydicom reads from its own uncompressed little-endian test files (used in place, never copied)."""
    folder = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
    cases = {}
    for name in ("CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_padded.dcm",
                 "ExplVR_LitEndNoMeta.dcm", "no_meta.dcm"):
        ds = pydicom.dcmread(os.path.join(folder, name), force=True)
        if "PixelData" not in ds:
            continue
        if "TransferSyntaxUID" not in ds.file_meta:
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian if "Expl" in name else ImplicitVRLittleEndian
        arr = ds.pixel_array
        if arr.ndim != 2:
            continue
        cases[name] = {"width": int(ds.Columns), "height": int(ds.Rows), "sum": int(arr.astype(np.int64).sum()),
                       "min": int(arr.min()), "max": int(arr.max()), "first": arr.reshape(-1)[:8].tolist()}
    unsupported = {}
    for name in ("JPEG-lossy.dcm", "MR_small_RLE.dcm", "MR_small_bigendian.dcm", "JPEG2000.dcm", "image_dfl.dcm"):
        unsupported[name] = str(pydicom.dcmread(os.path.join(folder, name)).file_meta.TransferSyntaxUID)
    return {"folder": folder, "readable": cases, "unsupported": unsupported}


def main():
    warnings.simplefilter("ignore")
    os.makedirs(OUT, exist_ok=True)
    manifest = {"resize": resize_fixtures(), "png": png_fixtures(), "jpeg": jpeg_fixtures(), "dicom": dicom_fixtures()}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(manifest, f, separators=(",", ":"))
    with open(os.path.join(OUT, "pydicom_files.json"), "w") as f:
        json.dump(pydicom_files(), f, indent=1)


if __name__ == "__main__":
    main()
