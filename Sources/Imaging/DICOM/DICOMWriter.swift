import Foundation

/// Writes uncompressed greyscale DICOM files (Explicit VR Little Endian), as synthetic data and test fixtures need.
public struct DICOMWriter: Sendable {
    /// Secondary Capture Image Storage, the SOP class of CBIS-DDSM's files.
    public static let secondaryCapture = "1.2.840.10008.5.1.4.1.1.7"

    /// Text attributes to write besides the image ones, by tag (e.g. patient id, UIDs, series description).
    public var attributes: [DICOMTag: String] = [:]
    /// `MONOCHROME2` (default) or `MONOCHROME1`.
    public var photometric = "MONOCHROME2"

    public init(attributes: [DICOMTag: String] = [:]) { self.attributes = attributes }

    /// VRs of the text tags the writer knows; others are written as LO.
    private static let vr: [DICOMTag: String] = [
        .sopClass: "UI", .sopInstance: "UI", .modality: "CS", .seriesDescription: "LO", .patientName: "PN",
        .patientID: "LO", .studyInstance: "UI", .seriesInstance: "UI", .windowCenter: "DS", .windowWidth: "DS",
        .rescaleIntercept: "DS", .rescaleSlope: "DS",
    ]

    /// Encodes an 8- or 16-bit grey image; bits stored equal bits allocated.
    public func encode(_ image: Image) throws(ImagingError) -> Data {
        guard image.channels == 1 else { throw .invalidArgument("DICOMWriter writes greyscale images only") }
        let sixteen = image.format.isSixteenBit
        let instance = attributes[.sopInstance] ?? "2.25.1"
        let sopClass = attributes[.sopClass] ?? Self.secondaryCapture
        var meta = Data()
        append(&meta, DICOMTag(0x0002, 0x0001), "OB", Data([0, 1]))
        append(&meta, .mediaStorageSOPClass, "UI", text(sopClass, vr: "UI"))
        append(&meta, .mediaStorageSOPInstance, "UI", text(instance, vr: "UI"))
        append(&meta, .transferSyntax, "UI", text(DICOMFile.explicitLittle, vr: "UI"))
        append(&meta, DICOMTag(0x0002, 0x0012), "UI", text("2.25.329800735698586629295641978511506172918", vr: "UI"))
        var out = Data(count: 128)
        out.append(contentsOf: Array("DICM".utf8))
        append(&out, DICOMTag(0x0002, 0x0000), "UL", le32(UInt32(meta.count)))
        out.append(meta)

        var items: [(DICOMTag, String, Data)] = []
        var text = attributes
        text[.sopClass] = sopClass
        text[.sopInstance] = instance
        for (tag, value) in text {
            let vr = Self.vr[tag] ?? "LO"
            items.append((tag, vr, self.text(value, vr: vr)))
        }
        items.append((.samplesPerPixel, "US", le16(1)))
        items.append((.photometric, "CS", self.text(photometric, vr: "CS")))
        items.append((.rows, "US", le16(UInt16(image.height))))
        items.append((.columns, "US", le16(UInt16(image.width))))
        let bits: UInt16 = sixteen ? 16 : 8
        items.append((.bitsAllocated, "US", le16(bits)))
        items.append((.bitsStored, "US", le16(bits)))
        items.append((.highBit, "US", le16(bits - 1)))
        items.append((.pixelRepresentation, "US", le16(0)))
        var pixels = Data(capacity: image.width * image.height * Int(bits / 8) + 1)
        if sixteen {
            for w in image.words { pixels.append(UInt8(w & 0xFF)); pixels.append(UInt8(w >> 8)) }
        } else {
            pixels.append(contentsOf: image.bytes)
            if pixels.count % 2 == 1 { pixels.append(0) }
        }
        items.append((.pixelData, sixteen ? "OW" : "OB", pixels))
        for (tag, vr, value) in items.sorted(by: { ($0.0.group, $0.0.element) < ($1.0.group, $1.0.element) }) {
            append(&out, tag, vr, value)
        }
        return out
    }

    /// Encodes and writes a file.
    public func write(_ image: Image, to url: URL) throws(ImagingError) {
        let data = try encode(image)
        do { try data.write(to: url) } catch { throw .writeFailed(file: url.path, detail: error.localizedDescription) }
    }

    private func text(_ value: String, vr: String) -> Data {
        var data = Data(value.utf8)
        if data.count % 2 == 1 { data.append(vr == "UI" ? 0 : 0x20) }
        return data
    }

    private func le16(_ v: UInt16) -> Data { Data([UInt8(v & 0xFF), UInt8(v >> 8)]) }

    private func le32(_ v: UInt32) -> Data { Data((0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) }) }

    private func append(_ out: inout Data, _ tag: DICOMTag, _ vr: String, _ value: Data) {
        out.append(le16(tag.group)); out.append(le16(tag.element))
        out.append(contentsOf: Array(vr.utf8))
        if DICOMReader.longVRs.contains(vr) {
            out.append(contentsOf: [0, 0]); out.append(le32(UInt32(value.count)))
        } else {
            out.append(le16(UInt16(value.count)))
        }
        out.append(value)
    }
}
