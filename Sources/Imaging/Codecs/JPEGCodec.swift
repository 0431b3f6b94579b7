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
                result = .failure(.corrupt(file: file, format: "JPEG", detail: "TurboJPEG: \(tj.message(handle))"))
                return
            }
            let grey = subsampling == TurboJPEG.subsampleGray
            let channels = grey ? 1 : 3
            let count = Int(width) * Int(height) * channels
            if let refused = DecodeLimit.check(width: Int(width), height: Int(height), bytes: count, fileBytes: raw.count,
                                               format: "JPEG", file: file) {
                result = .failure(refused)
                return
            }
            var pixels = [UInt8](repeating: 0, count: count)
            let status = pixels.withUnsafeMutableBufferPointer {
                tj.decompress(handle, base, UInt(raw.count), $0.baseAddress, width, 0, height,
                              grey ? TurboJPEG.pixelGray : TurboJPEG.pixelRGB, TurboJPEG.flagAccurateDCT)
            }
            if status != 0 {
                let text = tj.message(handle)
                if tj.errorCode(handle) == TurboJPEG.errorFatal || text.contains("Premature end") {
                    result = .failure(.corrupt(file: file, format: "JPEG", detail: "TurboJPEG: \(text)"))
                    return
                }
            }
            result = .success(try! Image(width: Int(width), height: Int(height), format: grey ? .gray8 : .rgb8, bytes: pixels))
        }
        let decoded = try result.get()
        return format.map { decoded.converted(to: $0) } ?? decoded
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
