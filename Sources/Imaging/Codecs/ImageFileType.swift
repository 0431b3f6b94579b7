import Foundation

/// The image file formats pipe reads.
public enum ImageFileType: String, Sendable {
    case png, jpeg, dicom

    /// The format told by the file's first bytes, not its name; nil for anything else.
    public init?(sniffing data: Data) {
        if PNGCodec.isPNG(data) { self = .png } else if JPEGCodec.isJPEG(data) { self = .jpeg } else if DICOMFile.isDICOM(data) { self = .dicom } else { return nil }
    }
}
