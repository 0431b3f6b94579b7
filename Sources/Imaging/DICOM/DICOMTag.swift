import Foundation

/// A DICOM attribute tag (group, element), e.g. `(0028,0010)` Rows.
public struct DICOMTag: Hashable, Sendable, CustomStringConvertible {
    public let group: UInt16
    public let element: UInt16

    public init(_ group: UInt16, _ element: UInt16) { self.group = group; self.element = element }

    public var description: String { String(format: "(%04X,%04X)", group, element) }

    public static let transferSyntax = DICOMTag(0x0002, 0x0010)
    public static let mediaStorageSOPClass = DICOMTag(0x0002, 0x0002)
    public static let mediaStorageSOPInstance = DICOMTag(0x0002, 0x0003)
    public static let sopClass = DICOMTag(0x0008, 0x0016)
    public static let sopInstance = DICOMTag(0x0008, 0x0018)
    public static let modality = DICOMTag(0x0008, 0x0060)
    public static let seriesDescription = DICOMTag(0x0008, 0x103E)
    public static let patientName = DICOMTag(0x0010, 0x0010)
    public static let patientID = DICOMTag(0x0010, 0x0020)
    public static let studyInstance = DICOMTag(0x0020, 0x000D)
    public static let seriesInstance = DICOMTag(0x0020, 0x000E)
    public static let samplesPerPixel = DICOMTag(0x0028, 0x0002)
    public static let photometric = DICOMTag(0x0028, 0x0004)
    public static let numberOfFrames = DICOMTag(0x0028, 0x0008)
    public static let rows = DICOMTag(0x0028, 0x0010)
    public static let columns = DICOMTag(0x0028, 0x0011)
    public static let bitsAllocated = DICOMTag(0x0028, 0x0100)
    public static let bitsStored = DICOMTag(0x0028, 0x0101)
    public static let highBit = DICOMTag(0x0028, 0x0102)
    public static let pixelRepresentation = DICOMTag(0x0028, 0x0103)
    public static let windowCenter = DICOMTag(0x0028, 0x1050)
    public static let windowWidth = DICOMTag(0x0028, 0x1051)
    public static let rescaleIntercept = DICOMTag(0x0028, 0x1052)
    public static let rescaleSlope = DICOMTag(0x0028, 0x1053)
    public static let pixelData = DICOMTag(0x7FE0, 0x0010)

    /// Value representations of the tags this reader interprets, for Implicit VR files (which carry no VR).
    static let implicitVR: [DICOMTag: String] = [
        transferSyntax: "UI", mediaStorageSOPClass: "UI", mediaStorageSOPInstance: "UI", sopClass: "UI", sopInstance: "UI",
        modality: "CS", seriesDescription: "LO", patientName: "PN", patientID: "LO", studyInstance: "UI", seriesInstance: "UI",
        samplesPerPixel: "US", photometric: "CS", numberOfFrames: "IS", rows: "US", columns: "US",
        bitsAllocated: "US", bitsStored: "US", highBit: "US", pixelRepresentation: "US",
        windowCenter: "DS", windowWidth: "DS", rescaleIntercept: "DS", rescaleSlope: "DS", pixelData: "OW",
    ]
}
