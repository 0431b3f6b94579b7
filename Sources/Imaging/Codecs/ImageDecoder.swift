import Foundation
import PipeBase

/// Decodes PNG, JPEG and DICOM files by content, one at a time or a batch on all cores.
public enum ImageDecoder {
    /// Decodes bytes whose format is sniffed; DICOM becomes its display image (window, MONOCHROME1 inverted).
    /// `format` nil keeps the natural format (16-bit stays 16-bit); `file` names the source in errors.
    public static func decode(_ data: Data, file: String, as format: PixelFormat? = nil) throws(ImagingError) -> Image {
        switch ImageFileType(sniffing: data) {
        case .png: return try PNGCodec.decode(data, file: file, as: format)
        case .jpeg: return try JPEGCodec.decode(data, file: file, as: format)
        case .dicom:
            let dicom = try DICOMImage(DICOMFile(data: data, file: file))
            return dicom.displayImage(format: format ?? (dicom.bitsStored > 8 ? .gray16 : .gray8))
        case nil:
            throw data.isEmpty ? .corrupt(file: file, format: "image", detail: "empty file") : .unknownFormat(file: file)
        }
    }

    /// Reads and decodes a file.
    public static func decode(contentsOf url: URL, as format: PixelFormat? = nil) throws(ImagingError) -> Image {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(file: url.path, reason: error.localizedDescription) }
        return try decode(data, file: url.path, as: format)
    }

    /// Decodes many files on all cores, optionally resizing each; results are in the order of `urls`.
    public static func decodeAll(_ urls: [URL], as format: PixelFormat? = nil,
                                 resizeTo size: (width: Int, height: Int)? = nil) -> [Result<Image, ImagingError>] {
        let width = size?.width, height = size?.height
        return Parallel.map(urls.count) { i in
            Result { () throws(ImagingError) -> Image in
                let image = try decode(contentsOf: urls[i], as: format)
                guard let width, let height else { return image }
                return try Resizer.resize(image, width: width, height: height)
            }
        }
    }
}
