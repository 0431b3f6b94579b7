/// A decoded raster image: row-major, interleaved channels (HWC), 8- or 16-bit samples.
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Channel layout and depth.
    public let format: PixelFormat
    /// The samples when `format` is 8-bit (`gray8`, `rgb8`); empty otherwise.
    public private(set) var bytes: [UInt8]
    /// The samples when `format` is 16-bit (`gray16`, `rgb16`); empty otherwise.
    public private(set) var words: [UInt16]

    /// Channels per pixel.
    public var channels: Int { format.channels }

    /// Wraps 8-bit samples; `bytes.count` must be `width * height * format.channels`.
    public init(width: Int, height: Int, format: PixelFormat, bytes: [UInt8]) throws(ImagingError) {
        guard !format.isSixteenBit else { throw .invalidArgument("\(format) needs 16-bit samples") }
        guard width > 0, height > 0, bytes.count == width * height * format.channels else {
            throw .invalidArgument("\(width)x\(height) \(format) needs \(width * height * format.channels) samples, got \(bytes.count)")
        }
        self.width = width; self.height = height; self.format = format
        self.bytes = bytes; self.words = []
    }

    /// Wraps 16-bit samples; `words.count` must be `width * height * format.channels`.
    public init(width: Int, height: Int, format: PixelFormat, words: [UInt16]) throws(ImagingError) {
        guard format.isSixteenBit else { throw .invalidArgument("\(format) needs 8-bit samples") }
        guard width > 0, height > 0, words.count == width * height * format.channels else {
            throw .invalidArgument("\(width)x\(height) \(format) needs \(width * height * format.channels) samples, got \(words.count)")
        }
        self.width = width; self.height = height; self.format = format
        self.bytes = []; self.words = words
    }

    /// Sample `channel` of pixel (`x`, `y`) on the format's own scale (0...255 or 0...65535).
    public func sample(x: Int, y: Int, channel: Int = 0) -> Int {
        let i = (y * width + x) * channels + channel
        return format.isSixteenBit ? Int(words[i]) : Int(bytes[i])
    }

    /// This image in another format: grey becomes RGB by copying, RGB becomes grey with ITU-R 601 luma
    /// (as Pillow's `convert("L")`), 16-bit becomes 8-bit by rounding `v / 257`, 8-bit becomes 16-bit as `v * 257`.
    public func converted(to target: PixelFormat) -> Image {
        if target == format { return self }
        let pixels = width * height
        var wide = format.isSixteenBit ? words.map(UInt32.init) : bytes.map { UInt32($0) * 257 }
        if channels == 1, target.channels == 3 {
            var rgb = [UInt32](repeating: 0, count: pixels * 3)
            for i in 0..<pixels { rgb[3 * i] = wide[i]; rgb[3 * i + 1] = wide[i]; rgb[3 * i + 2] = wide[i] }
            wide = rgb
        } else if channels == 3, target.channels == 1 {
            var grey = [UInt32](repeating: 0, count: pixels)
            for i in 0..<pixels {
                grey[i] = (wide[3 * i] * 299 + wide[3 * i + 1] * 587 + wide[3 * i + 2] * 114 + 500) / 1000
            }
            wide = grey
        }
        if target.isSixteenBit {
            // Force-try is safe: the sample count matches the target format by construction.
            return try! Image(width: width, height: height, format: target, words: wide.map { UInt16($0) })
        }
        return try! Image(width: width, height: height, format: target, bytes: wide.map { UInt8(($0 + 128) / 257) })
    }

    /// Interleaved RGB bytes (HWC), the input `Models.Preprocessing.apply(rgb:into:)` expects.
    public func rgbBytes() -> [UInt8] { converted(to: .rgb8).bytes }

    /// Interleaved Float32 samples (HWC) on a 0...255 scale; 16-bit images keep their precision (`v / 257`).
    /// `channels` is 1 or 3; grey is replicated or RGB reduced to luma as needed.
    public func floatSamples(channels: Int = 3) -> [Float] {
        let sixteen = format.isSixteenBit
        let image = converted(to: PixelFormat(channels: channels, sixteenBit: sixteen))
        return sixteen ? image.words.map { Float($0) / 257 } : image.bytes.map { Float($0) }
    }
}
