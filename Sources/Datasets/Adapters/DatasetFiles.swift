import Foundation
import Imaging
import PipeBase

/// File-system helpers shared by the adapters: listing a tree and checking that images decode.
enum DatasetFiles {
    /// Whether `url` is an existing folder.
    static func isFolder(_ url: URL) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &folder) && folder.boolValue
    }

    /// Every regular, non-hidden file below `root` (symbolic links to files included), as sorted relative paths.
    static func list(_ root: URL) -> [String] {
        let base = root.standardizedFileURL.path
        let keys: [URLResourceKey] = [.isRegularFileKey, .isSymbolicLinkKey]
        guard let walker = FileManager.default.enumerator(at: URL(fileURLWithPath: base), includingPropertiesForKeys: keys,
                                                          options: [.skipsHiddenFiles]) else { return [] }
        var paths: [String] = []
        for case let url as URL in walker {
            guard let values = try? url.resourceValues(forKeys: Set(keys)) else { continue }
            if values.isSymbolicLink == true {
                var folder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &folder), !folder.boolValue else { continue }
            } else if values.isRegularFile != true {
                continue
            }
            let full = url.standardizedFileURL.path
            guard full.hasPrefix(base + "/") else { continue }
            paths.append(String(full.dropFirst(base.count + 1)))
        }
        return paths.sorted()
    }

    /// The extension of a path, lowercased.
    static func ext(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "" }
        return path[path.index(after: dot)...].lowercased()
    }

    /// For each relative path, nil when the file decodes, else the reason; runs on all cores.
    static func check(_ paths: [String], root: URL) -> [String?] {
        Parallel.map(paths.count) { i -> String? in
            do throws(ImagingError) {
                _ = try ImageDecoder.decode(contentsOf: root.appendingPathComponent(paths[i]))
                return nil
            } catch {
                return Self.reason(error, path: paths[i])
            }
        }
    }

    /// An imaging error as a skip reason, without the absolute path the error message starts with.
    static func reason(_ error: ImagingError, path: String) -> String {
        switch error {
        case let .corrupt(_, format, detail): return "corrupt or truncated \(format): \(detail)"
        case .unknownFormat: return "not a PNG, JPEG or DICOM image"
        case let .unsupportedTransferSyntax(_, uid): return "unsupported transfer syntax \(uid)"
        case let .unsupported(_, detail): return "unsupported image: \(detail)"
        case let .unreadable(_, detail): return "cannot read: \(detail)"
        default: return "\(error)"
        }
    }
}
