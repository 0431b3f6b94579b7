import Foundation

/// The greyscale pixels of a DICOM file with the attributes needed to display them.
public struct DICOMImage: Sendable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `MONOCHROME1` (high values are dark) or `MONOCHROME2`.
    public let photometric: String
    /// Bits allocated per sample: 8 or 16.
    public let bitsAllocated: Int
    /// Bits stored per sample.
    public let bitsStored: Int
    /// Whether samples are two's-complement signed.
    public let signed: Bool
    /// Rescale Slope and Intercept (1 and 0 when absent).
    public let slope: Double, intercept: Double
    /// The first Window Center/Width pair, if the file has one with a positive width.
    public let window: (center: Double, width: Double)?
    /// Stored values of the first frame, row-major.
    public let stored: [Int32]
    /// The parsed file, for other attributes (patient, series UIDs...).
    public let file: DICOMFile

    /// Interprets the pixel data of a parsed file; RGB, palette and float pixel data throw `unsupported`.
    public init(_ file: DICOMFile) throws(ImagingError) {
        let name = file.file
        guard let rows = file.uint16(.rows), let columns = file.uint16(.columns), rows > 0, columns > 0 else {
            throw .corrupt(file: name, format: "DICOM", detail: "no Rows/Columns, so no image")
        }
        guard let pixels = file.elements[.pixelData] else {
            throw .corrupt(file: name, format: "DICOM", detail: "no Pixel Data element")
        }
        let photometric = file.string(.photometric) ?? "MONOCHROME2"
        guard photometric == "MONOCHROME1" || photometric == "MONOCHROME2", (file.uint16(.samplesPerPixel) ?? 1) == 1 else {
            throw .unsupported(file: name, detail: "photometric interpretation \(photometric); only MONOCHROME1/2 is read")
        }
        let allocated = file.uint16(.bitsAllocated) ?? 16
        guard allocated == 8 || allocated == 16 else {
            throw .unsupported(file: name, detail: "\(allocated) bits allocated; only 8 and 16 are read")
        }
        let storedBits = min(file.uint16(.bitsStored) ?? allocated, allocated)
        let signed = file.uint16(.pixelRepresentation) == 1
        let count = rows * columns
        let bytesPerSample = allocated / 8
        guard pixels.count >= count * bytesPerSample else {
            throw .corrupt(file: name, format: "DICOM", detail: "pixel data has \(pixels.count) bytes, \(rows)x\(columns) needs \(count * bytesPerSample)")
        }
        let mask: UInt32 = storedBits >= 32 ? .max : (1 << UInt32(storedBits)) - 1
        let signBit: UInt32 = 1 << UInt32(max(storedBits - 1, 0))
        var values = [Int32](repeating: 0, count: count)
        pixels.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for i in 0..<count {
                var v = bytesPerSample == 1 ? UInt32(raw[i]) : UInt32(raw[2 * i]) | UInt32(raw[2 * i + 1]) << 8
                v &= mask
                values[i] = signed && v & signBit != 0 ? Int32(v) - Int32(mask) - 1 : Int32(v)
            }
        }
        let slopes = file.numbers(.rescaleSlope), intercepts = file.numbers(.rescaleIntercept)
        let centres = file.numbers(.windowCenter), widths = file.numbers(.windowWidth)
        self.width = columns; self.height = rows
        self.photometric = photometric
        self.bitsAllocated = allocated; self.bitsStored = storedBits; self.signed = signed
        self.slope = slopes.first.flatMap { $0 == 0 ? nil : $0 } ?? 1
        self.intercept = intercepts.first ?? 0
        if let c = centres.first, let w = widths.first, w > 0 { self.window = (c, w) } else { self.window = nil }
        self.stored = values
        self.file = file
    }

    /// Reads, parses and interprets a DICOM file.
    public init(contentsOf url: URL) throws(ImagingError) { try self.init(DICOMFile(contentsOf: url)) }

    /// Modality values: stored values through Rescale Slope and Intercept.
    public func modalityValues() -> [Double] { stored.map { Double($0) * slope + intercept } }

    /// A display image: modality values through the window (DICOM PS3.3 C.11.2.1.2 linear function) or, without one,
    /// the full value range mapped linearly; MONOCHROME1 is inverted so that bright always means dense.
    /// `useWindow: false` ignores the file's window.
    public func displayImage(format: PixelFormat = .gray8, useWindow: Bool = true) -> Image {
        let values = modalityValues()
        let top = format.isSixteenBit ? 65535.0 : 255.0
        var lower: Double, upper: Double
        var scaled: [Double]
        if useWindow, let window {
            let c = window.center - 0.5, w = window.width - 1
            lower = c - w / 2; upper = c + w / 2
            scaled = values.map { x in
                if x <= lower { return 0 }
                if x > upper { return top }
                return w <= 0 ? top : ((x - c) / w + 0.5) * top
            }
        } else {
            lower = values.min() ?? 0; upper = values.max() ?? 0
            let span = upper - lower
            scaled = values.map { span > 0 ? ($0 - lower) / span * top : 0 }
        }
        if photometric == "MONOCHROME1" { scaled = scaled.map { top - $0 } }
        let rounded = scaled.map { min(max($0.rounded(), 0), top) }
        if format.isSixteenBit {
            let grey = try! Image(width: width, height: height, format: .gray16, words: rounded.map { UInt16($0) })
            return grey.converted(to: format)
        }
        let grey = try! Image(width: width, height: height, format: .gray8, bytes: rounded.map { UInt8($0) })
        return grey.converted(to: format)
    }
}
