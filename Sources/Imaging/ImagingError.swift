/// Why an image could not be read, decoded, converted or written.
public enum ImagingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read from disk.
    case unreadable(file: String, reason: String)
    /// The bytes are not PNG, JPEG or DICOM.
    case unknownFormat(file: String)
    /// The file claims a format but its data is damaged or cut short.
    case corrupt(file: String, format: String, detail: String)
    /// A DICOM file uses a compressed or otherwise unsupported transfer syntax.
    case unsupportedTransferSyntax(file: String, uid: String)
    /// The file is valid but uses a feature this reader does not implement.
    case unsupported(file: String, detail: String)
    /// A shared library that a codec needs is not installed.
    case libraryMissing(library: String, package: String)
    /// An argument (size, format, buffer length) is out of range.
    case invalidArgument(String)
    /// Writing an image failed.
    case writeFailed(file: String, detail: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the file (\(reason)); check the path and its permissions"
        case let .unknownFormat(file):
            return "\(file): not a PNG, JPEG or DICOM image; remove it from the dataset folder or convert it"
        case let .corrupt(file, format, detail):
            return "\(file): corrupt or truncated \(format) (\(detail)); download the file again or delete it"
        case let .unsupportedTransferSyntax(file, uid):
            return "\(file): unsupported transfer syntax \(uid); only uncompressed Explicit/Implicit VR Little Endian "
                + "DICOM is read, so decompress the file first (e.g. `gdcmconv --raw` or pydicom's `decompress()`)"
        case let .unsupported(file, detail):
            return "\(file): unsupported image: \(detail); convert it to 8/16-bit PNG first"
        case let .libraryMissing(library, package):
            return "\(library) is not installed; install the Debian package `\(package)` (apt-get install \(package))"
        case let .invalidArgument(detail):
            return "invalid argument: \(detail)"
        case let .writeFailed(file, detail):
            return "\(file): cannot write the image (\(detail)); check free space and that the folder exists"
        }
    }
}
