/// The channel layout and sample depth of an `Image`: grey or interleaved RGB, 8 or 16 bits per sample.
public enum PixelFormat: String, Sendable, CaseIterable, Codable {
    case gray8, gray16, rgb8, rgb16

    /// Samples per pixel: 1 for grey, 3 for RGB.
    public var channels: Int { self == .gray8 || self == .gray16 ? 1 : 3 }

    /// Whether samples are 16-bit.
    public var isSixteenBit: Bool { self == .gray16 || self == .rgb16 }

    /// The format with the given channel count and depth.
    public init(channels: Int, sixteenBit: Bool) {
        switch (channels == 1, sixteenBit) {
        case (true, false): self = .gray8
        case (true, true): self = .gray16
        case (false, false): self = .rgb8
        case (false, true): self = .rgb16
        }
    }
}
