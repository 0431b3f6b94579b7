/// The most memory a decoder may ask for before it has read a pixel, judged from the header's dimensions
/// against the file's size: deflate and JPEG's entropy coding shrink pixels at most about a thousand times,
/// so a header promising more than that is damaged or crafted, and is refused before any allocation.
enum DecodeLimit {
    /// How many times its size a file can expand to; above what either format reaches on a flat image.
    static let expansion = 1100
    /// Sizes any real image may have, whatever its file size (a flat 8k scan compresses very well).
    static let floor = 256 << 20
    /// Beyond this, `Image` could not index the pixels.
    static let ceiling = 1 << 31

    /// Nil when `bytes` of decoded pixels are plausible for a `fileBytes`-byte file, else the error to throw.
    static func check(width: Int, height: Int, bytes: Int, fileBytes: Int, format: String, file: String) -> ImagingError? {
        guard width > 0, height > 0, bytes > 0 else {
            return .corrupt(file: file, format: format, detail: "its header declares \(width)x\(height) pixels")
        }
        let allowed = min(ceiling, max(floor, fileBytes.multipliedReportingOverflow(by: expansion).partialValue))
        guard bytes > allowed else { return nil }
        return .unsupported(file: file, detail: "its header declares \(width)x\(height) pixels (\(bytes >> 20) MB decoded), "
                            + "more than a \(fileBytes)-byte \(format) file can hold; the file is damaged or crafted, so pipe refuses it")
    }
}
