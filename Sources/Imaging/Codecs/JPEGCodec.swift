import Foundation

/// Reads and writes baseline/progressive JPEG (grey or colour) through libjpeg-turbo's TurboJPEG API.
public enum JPEGCodec {
    /// Whether `data` starts with a JPEG SOI marker.
    public static func isJPEG(_ data: Data) -> Bool {
        data.count >= 3 && data[data.startIndex] == 0xFF && data[data.startIndex + 1] == 0xD8 && data[data.startIndex + 2] == 0xFF
    }

    /// Decodes a JPEG to grey (for greyscale files) or RGB 8-bit; `format` converts afterwards.
    /// A fatal libjpeg error or a premature end of data (a truncated file) is an error; milder warnings are not.
    public static func decode(_ data: Data, file: String, as format: PixelFormat? = nil) throws(ImagingError) -> Image {
        let tj = try TurboJPEG.shared.get()
        guard let handle = tj.initDecompress() else { throw .corrupt(file: file, format: "JPEG", detail: "cannot start TurboJPEG") }
        defer { _ = tj.destroy(handle) }
        var result: Result<Image, ImagingError> = .failure(.corrupt(file: file, format: "JPEG", detail: "empty file"))
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count > 0 else { return }
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
            guard tj.header(handle, base, UInt(raw.count), &width, &height, &subsampling, &colourspace) == 0 else {
                let text = tj.message(handle)
                // libjpeg-turbo as Debian builds it reads 8-bit samples only; 12-bit JPEGs are valid, just not readable.
                result = .failure(text.contains("precision")
                    ? .unsupported(file: file, detail: "a \(text.filter(\.isNumber))-bit JPEG (TurboJPEG: \(text)); convert it to 8-bit JPEG or 16-bit PNG")
                    : .corrupt(file: file, format: "JPEG", detail: "TurboJPEG: \(text)"))
                return
            }
            let grey = subsampling == TurboJPEG.subsampleGray
            let cmyk = colourspace == TurboJPEG.colourspaceCMYK || colourspace == TurboJPEG.colourspaceYCCK
            let channels = grey ? 1 : cmyk ? 4 : 3
            let count = Int(width) * Int(height) * channels
            if let refused = DecodeLimit.check(width: Int(width), height: Int(height), bytes: count, fileBytes: raw.count,
                                               format: "JPEG", file: file) {
                result = .failure(refused)
                return
            }
            var pixels = [UInt8](repeating: 0, count: count)
            let status = pixels.withUnsafeMutableBufferPointer {
                tj.decompress(handle, base, UInt(raw.count), $0.baseAddress, width, 0, height,
                              grey ? TurboJPEG.pixelGray : cmyk ? TurboJPEG.pixelCMYK : TurboJPEG.pixelRGB, TurboJPEG.flagAccurateDCT)
            }
            if status != 0 {
                let text = tj.message(handle)
                if tj.errorCode(handle) == TurboJPEG.errorFatal || text.contains("Premature end") {
                    result = .failure(.corrupt(file: file, format: "JPEG", detail: "TurboJPEG: \(text)"))
                    return
                }
            }
            if cmyk { pixels = Self.rgb(fromCMYK: pixels, inverted: Self.hasAdobeMarker(raw)) }
            result = .success(try! Image(width: Int(width), height: Int(height), format: grey ? .gray8 : .rgb8, bytes: pixels))
        }
        let decoded = try result.get()
        return format.map { decoded.converted(to: $0) } ?? decoded
    }

    /// RGB from CMYK samples by the usual naive formula, R = (255 − C)(255 − K) / 255 (as Pillow converts).
    /// Files with an Adobe APP14 marker (Photoshop's, and every libjpeg CMYK writer's) store the samples
    /// inverted, 255 − C and 255 − K.
    static func rgb(fromCMYK samples: [UInt8], inverted: Bool) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: samples.count / 4 * 3)
        for pixel in 0..<(samples.count / 4) {
            let ink = { (i: Int) in Int(inverted ? 255 - samples[pixel * 4 + i] : samples[pixel * 4 + i]) }
            let white = 255 - ink(3)
            for channel in 0..<3 {
                // white − ink·white/255, with the product divided by 255 rounding to nearest.
                let product = ink(channel) * white + 128
                rgb[pixel * 3 + channel] = UInt8(white - ((product >> 8) + product) >> 8)
            }
        }
        return rgb
    }

    /// Whether an APP14 segment starting with `Adobe` comes before the image data.
    static func hasAdobeMarker(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            if marker == 0xDA || marker == 0xD9 { return false }  // start of scan, end of image
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            if marker == 0xEE, offset + 9 <= bytes.count,
               bytes[(offset + 4)..<(offset + 9)].elementsEqual("Adobe".utf8) { return true }
            offset += 2 + length
        }
        return false
    }

    /// Encodes an 8-bit grey or RGB image (16-bit is reduced to 8-bit) at `quality` 1...100, 4:4:4 for colour.
    public static func encode(_ source: Image, quality: Int = 95, file: String = "<memory>") throws(ImagingError) -> Data {
        let tj = try TurboJPEG.shared.get()
        let image = source.converted(to: source.channels == 1 ? .gray8 : .rgb8)
        guard let handle = tj.initCompress() else { throw .writeFailed(file: file, detail: "cannot start TurboJPEG") }
        defer { _ = tj.destroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let grey = image.channels == 1
        let status = image.bytes.withUnsafeBufferPointer {
            tj.compress(handle, $0.baseAddress, Int32(image.width), 0, Int32(image.height),
                        grey ? TurboJPEG.pixelGray : TurboJPEG.pixelRGB, &output, &size,
                        grey ? TurboJPEG.subsampleGray : TurboJPEG.subsample444, Int32(min(max(quality, 1), 100)),
                        TurboJPEG.flagAccurateDCT)
        }
        defer { tj.free(output) }
        guard status == 0, let output else { throw .writeFailed(file: file, detail: "TurboJPEG: \(tj.message(handle))") }
        return Data(bytes: output, count: Int(size))
    }
}
