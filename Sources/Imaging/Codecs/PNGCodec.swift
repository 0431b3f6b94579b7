import CPNG
import Foundation

/// Reads and writes PNG with libpng's simplified API, whose errors come back in `png_image.message` (no longjmp into Swift).
public enum PNGCodec {
    /// Whether `data` starts with the PNG signature.
    public static func isPNG(_ data: Data) -> Bool {
        data.count >= 8 && data.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    /// Decodes a PNG (1-16 bit grey, RGB, with or without alpha, palette); alpha is dropped.
    /// The natural format keeps 16-bit files 16-bit; `format` converts afterwards (see `Image.converted(to:)`).
    public static func decode(_ data: Data, file: String, as format: PixelFormat? = nil) throws(ImagingError) -> Image {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        var result: Result<Image, ImagingError> = .failure(.corrupt(file: file, format: "PNG", detail: "empty file"))
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress, raw.count > 0 else { return }
            guard png_image_begin_read_from_memory(&image, base, raw.count) != 0 else {
                result = .failure(.corrupt(file: file, format: "PNG", detail: message(of: &image)))
                return
            }
            result = finishRead(&image, file: file, fileBytes: raw.count)
        }
        let decoded = try result.get()
        return format.map { decoded.converted(to: $0) } ?? decoded
    }

    /// Reads the pixels after the header: 16-bit files as linear 16-bit (identity for files without gAMA),
    /// 8-bit and palette files as 8-bit, always with alpha so libpng never composites; alpha is dropped after.
    private static func finishRead(_ image: inout png_image, file: String, fileBytes: Int) -> Result<Image, ImagingError> {
        let source = image.format
        let colour = source & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let sixteen = source & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0
        let alpha = source & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        var read = UInt32(PNG_FORMAT_FLAG_ALPHA)
        if colour { read |= UInt32(PNG_FORMAT_FLAG_COLOR) }
        if sixteen { read |= UInt32(PNG_FORMAT_FLAG_LINEAR) }
        if sixteen && !alpha { read &= ~UInt32(PNG_FORMAT_FLAG_ALPHA) }
        image.format = read
        let width = Int(image.width), height = Int(image.height)
        let channels = colour ? 3 : 1
        let readChannels = channels + (read & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0 ? 1 : 0)
        let count = width.multipliedReportingOverflow(by: height).partialValue * readChannels
        // Deflate expands to the file's own samples; the read buffer (alpha added) is at most twice that.
        let samples = width.multipliedReportingOverflow(by: height).partialValue * (channels + (alpha ? 1 : 0)) * (sixteen ? 2 : 1)
        if let refused = DecodeLimit.check(width: width, height: height, bytes: samples, fileBytes: fileBytes, format: "PNG", file: file) {
            return .failure(refused)
        }
        let format = PixelFormat(channels: channels, sixteenBit: sixteen)
        if sixteen {
            var buffer = [UInt16](repeating: 0, count: count)
            let ok = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard ok != 0 else { return .failure(.corrupt(file: file, format: "PNG", detail: message(of: &image))) }
            if readChannels > channels { buffer = unpremultiply(buffer, channels: channels) }
            return .success(try! Image(width: width, height: height, format: format, words: buffer))
        }
        var buffer = [UInt8](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard ok != 0 else { return .failure(.corrupt(file: file, format: "PNG", detail: message(of: &image))) }
        let stride = channels + 1
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for p in 0..<(width * height) {
            for c in 0..<channels { pixels[p * channels + c] = buffer[p * stride + c] }
        }
        return .success(try! Image(width: width, height: height, format: format, bytes: pixels))
    }

    /// libpng returns linear output with alpha premultiplied; undo that and drop alpha.
    private static func unpremultiply(_ buffer: [UInt16], channels: Int) -> [UInt16] {
        let stride = channels + 1, pixels = buffer.count / stride
        var out = [UInt16](repeating: 0, count: pixels * channels)
        for p in 0..<pixels {
            let a = UInt32(buffer[p * stride + channels])
            for c in 0..<channels {
                let v = UInt32(buffer[p * stride + c])
                out[p * channels + c] = a == 0 ? 0 : UInt16(min(65535, (v * 65535 + a / 2) / a))
            }
        }
        return out
    }

    /// Encodes an image as PNG; `fast` trades file size for speed (libpng's `PNG_IMAGE_FLAG_FAST`).
    public static func encode(_ source: Image, fast: Bool = false, file: String = "<memory>") throws(ImagingError) -> Data {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(source.width)
        image.height = png_uint_32(source.height)
        var format: UInt32 = source.channels == 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0
        if source.format.isSixteenBit { format |= UInt32(PNG_FORMAT_FLAG_LINEAR) }
        image.format = format
        if fast { image.flags = png_uint_32(PNG_IMAGE_FLAG_FAST) }
        defer { png_image_free(&image) }
        var size: png_alloc_size_t = 0
        let write: (UnsafeRawPointer?, UnsafeMutableRawPointer?, inout png_alloc_size_t) -> Int32 = { pixels, out, bytes in
            png_image_write_to_memory(&image, out, &bytes, 0, pixels, 0, nil)
        }
        func run(_ out: UnsafeMutableRawPointer?, _ bytes: inout png_alloc_size_t) -> Int32 {
            source.format.isSixteenBit
                ? source.words.withUnsafeBytes { write($0.baseAddress, out, &bytes) }
                : source.bytes.withUnsafeBytes { write($0.baseAddress, out, &bytes) }
        }
        guard run(nil, &size) != 0, size > 0 else {
            throw .writeFailed(file: file, detail: "libpng: \(message(of: &image))")
        }
        var data = Data(count: Int(size))
        let ok = data.withUnsafeMutableBytes { run($0.baseAddress, &size) }
        guard ok != 0 else { throw .writeFailed(file: file, detail: "libpng: \(message(of: &image))") }
        return data.prefix(Int(size))
    }

    /// Encodes and writes a PNG file.
    public static func write(_ image: Image, to url: URL, fast: Bool = false) throws(ImagingError) {
        let data = try encode(image, fast: fast, file: url.path)
        do { try data.write(to: url) } catch { throw .writeFailed(file: url.path, detail: error.localizedDescription) }
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? "libpng reported an error" : "libpng: \(text)"
        }
    }
}
